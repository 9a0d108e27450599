/// Reads the Cranfield 1400 collection: `cran.all.1400`, `cran.qry` and `cranqrel`.
///
/// Traps handled here:
/// - `cran.qry` numbers queries with non-sequential `.I` ids; the qrels number them 1..225 in
///   file order. Query ids here are those file-order numbers, so they match the qrels.
/// - Cleverdon's codes run the wrong way for gains: 1 is a complete answer, 4 of minimum
///   interest. Grades are `5 - code` (1 -> 4, 2 -> 3, 3 -> 2, 4 -> 1), so higher is better and
///   nDCG's gain `2^grade - 1` rewards the complete answers most.
/// - Code -1 marks the query's source paper, one per query; it is not a relevance judgment
///   and is dropped (the document stays in the collection, unjudged, so non-relevant).
public enum CranfieldReader {
    public static let gradeMapping =
        "Cranfield codes -> grades: 1 (complete answer) -> 4, 2 -> 3, 3 -> 2, 4 (minimum interest) -> 1; -1 (source paper) dropped"

    public static func read(directory: String) throws -> TextCollection {
        let documents = try readDocuments(directory + "/cran.all.1400")
        let queries = try readQueries(directory + "/cran.qry")
        let qrels = try readQrels(directory + "/cranqrel", queryCount: queries.count, documentIDs: Set(documents.map(\.id)))
        return TextCollection(name: "cranfield", documents: documents, queries: queries, qrels: qrels,
                              gradeMapping: gradeMapping)
    }

    /// Splits a Cranfield-style file into records of `.X` sections.
    static func records(_ path: String) throws -> [(line: Int, id: String, fields: [Character: String])] {
        var out: [(Int, String, [Character: String])] = []
        var current: (Int, String, [Character: String])? = nil
        var field: Character? = nil
        for (i, line) in try readLines(path).enumerated() {
            if line.hasPrefix(".I") {
                if let c = current { out.append(c) }
                let id = line.dropFirst(2).trimmingSpaces
                guard !id.isEmpty else {
                    throw InputError(file: path, line: i + 1, field: ".I", "record without an id")
                }
                current = (i + 1, String(id), [:])
                field = nil
            } else if line.count == 2, line.hasPrefix("."), let f = line.last, "TAWB".contains(f) {
                guard current != nil else {
                    throw InputError(file: path, line: i + 1, field: String(line), "section before the first .I record")
                }
                field = f
                current!.2[f] = ""
            } else if let f = field {
                current!.2[f]! += (current!.2[f]!.isEmpty ? "" : " ") + line.trimmingSpaces
            } else if !line.trimmingSpaces.isEmpty {
                throw InputError(file: path, line: i + 1, "text outside a section", hint: "expected .I, .T, .A, .B or .W")
            }
        }
        if let c = current { out.append(c) }
        if out.isEmpty { throw InputError(file: path, "no .I records", hint: "is this a Cranfield file?") }
        return out
    }

    static func readDocuments(_ path: String) throws -> [TextDocument] {
        var lines: [String: Int] = [:]
        return try records(path).map { r in
            if let first = lines.updateValue(r.line, forKey: r.id) {
                throw InputError(file: path, line: r.line, field: ".I", "document \(r.id.prefix(200)) was already given on line \(first)")
            }
            return TextDocument(id: r.id, title: r.fields["T"] ?? "", body: r.fields["W"] ?? "", authors: r.fields["A"] ?? "")
        }
    }

    static func readQueries(_ path: String) throws -> [TextQuery] {
        try records(path).enumerated().map { k, r in
            guard let text = r.fields["W"], !text.isEmpty else {
                throw InputError(file: path, line: r.line, field: ".W", "query '\(r.id.prefix(200))' has no text")
            }
            return TextQuery(id: String(k + 1), text: text)
        }
    }

    static func readQrels(_ path: String, queryCount: Int, documentIDs: Set<String>) throws -> Qrels {
        var q = Qrels()
        for (i, raw) in try readLines(path).enumerated() {
            let line = raw.trimmingSpaces
            if line.isEmpty { continue }
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count == 3 else {
                throw InputError(file: path, line: i + 1, "expected 'query doc code', found \(f.count) fields")
            }
            guard let qn = Int(f[0]), qn >= 1, qn <= queryCount else {
                throw InputError(file: path, line: i + 1, field: "query", "'\(f[0])' is not a query number 1...\(queryCount)")
            }
            guard documentIDs.contains(String(f[1])) else {
                throw InputError(file: path, line: i + 1, field: "doc", "unknown document '\(f[1])'")
            }
            guard let code = Int(f[2]), code == -1 || (1...4).contains(code) else {
                throw InputError(file: path, line: i + 1, field: "code", "'\(f[2])' is not a Cleverdon code (-1, 1-4)")
            }
            if code == -1 { continue }
            q.judgments[String(qn), default: [:]][String(f[1])] = 5 - code
        }
        return q
    }
}
