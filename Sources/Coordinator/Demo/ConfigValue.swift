import Ranking

/// A config entry read as the type its key needs.
struct ConfigValue {
    let entry: TOMLReader.Entry
    let key: String
    let file: String

    func error(_ message: String) -> InputError {
        InputError(file: file, line: entry.line, field: key, message)
    }

    func string() throws -> String {
        guard case .string(let s) = entry.value else { throw error("expected a string, found \(entry.value.typeName)") }
        return s
    }

    func bool() throws -> Bool {
        guard case .boolean(let b) = entry.value else { throw error("expected true or false, found \(entry.value.typeName)") }
        return b
    }

    func int(min: Int) throws -> Int {
        guard case .integer(let n) = entry.value else { throw error("expected an integer, found \(entry.value.typeName)") }
        guard n >= min else { throw error("must be at least \(min)") }
        return n
    }

    func double(in range: ClosedRange<Double>? = nil) throws -> Double {
        let x: Double
        switch entry.value {
        case .float(let f): x = f
        case .integer(let n): x = Double(n)
        default: throw error("expected a number, found \(entry.value.typeName)")
        }
        if let range, !range.contains(x) { throw error("must be in \(range.lowerBound)...\(range.upperBound)") }
        return x
    }

    private func items() throws -> [TOMLReader.Entry] {
        guard case .array(let a) = entry.value else { throw error("expected an array, found \(entry.value.typeName)") }
        return a.map { TOMLReader.Entry(value: $0, line: entry.line) }
    }

    func ints(min: Int) throws -> [Int] {
        try items().map { try ConfigValue(entry: $0, key: key, file: file).int(min: min) }
    }

    func doubles(count: Int? = nil, in range: ClosedRange<Double>? = nil) throws -> [Double] {
        let values = try items().map { try ConfigValue(entry: $0, key: key, file: file).double(in: range) }
        if let count, values.count != count { throw error("expected \(count) numbers, found \(values.count)") }
        if values.isEmpty { throw error("expected at least one number") }
        return values
    }

    func strings() throws -> [String] {
        try items().map { try ConfigValue(entry: $0, key: key, file: file).string() }
    }
}
