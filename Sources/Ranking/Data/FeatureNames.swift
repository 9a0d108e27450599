extension FeatureInfo {
    /// `index<TAB>name<TAB>group` lines, as `famol features` writes them, one per column.
    public static func read(_ path: String, count: Int) throws -> [FeatureInfo] {
        var out: [FeatureInfo?] = Array(repeating: nil, count: count)
        for (i, raw) in try readLines(path).enumerated() {
            let line = raw.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            let f = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard f.count == 3 else { throw InputError(file: path, line: i + 1, "expected 'index<TAB>name<TAB>group'") }
            guard let k = Int(f[0]), k >= 1, k <= count else {
                throw InputError(file: path, line: i + 1, field: "index", "'\(f[0].prefix(20))' is not a feature index 1-\(count)")
            }
            guard let g = FeatureGroup(rawValue: String(f[2])) else {
                throw InputError(file: path, line: i + 1, field: "group", "'\(f[2].prefix(40))' is not query-document or document")
            }
            guard out[k - 1] == nil else { throw InputError(file: path, line: i + 1, field: "index", "feature \(k) is named twice") }
            out[k - 1] = FeatureInfo(String(f[1]), g)
        }
        if let missing = out.firstIndex(where: { $0 == nil }) {
            throw InputError(file: path, field: "index", "feature \(missing + 1) has no name", hint: "name every one of the \(count) feature columns")
        }
        return out.map { $0! }
    }
}
