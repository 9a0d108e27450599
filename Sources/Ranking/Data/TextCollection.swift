import Foundation

/// A document of a text collection.
public struct TextDocument: Sendable, Equatable {
    public var id: String
    public var title: String
    public var body: String
    public var authors: String

    public init(id: String, title: String, body: String, authors: String = "") {
        self.id = id
        self.title = title
        self.body = body
        self.authors = authors
    }
}

/// A query with its text.
public struct TextQuery: Sendable, Equatable {
    public var id: String
    public var text: String
    public init(id: String, text: String) { self.id = id; self.text = text }
}

/// Documents, queries and graded judgments of a text collection such as Cranfield.
public struct TextCollection: Sendable {
    public var name: String
    public var documents: [TextDocument]
    public var queries: [TextQuery]
    public var qrels: Qrels
    /// How the collection's own judgment codes were mapped to grades, for reports.
    public var gradeMapping: String

    public init(name: String, documents: [TextDocument], queries: [TextQuery], qrels: Qrels, gradeMapping: String) {
        self.name = name
        self.documents = documents
        self.queries = queries
        self.qrels = qrels
        self.gradeMapping = gradeMapping
    }
}

/// Reads a text collection from TSV files: documents `id<TAB>title<TAB>body`, queries
/// `id<TAB>text`, and TREC qrels.
public enum TSVCollectionReader {
    /// Reads TSV or (first byte `{`) JSONL files: documents `{"id", "title"?, "text", "authors"?}`
    /// (or "body"), queries `{"id", "text"}`. Authors ("A and B") feed the author_count feature.
    public static func read(documents: String, queries: String, qrels: String?) throws -> TextCollection {
        // An id given twice is an error, not a silent overwrite: which text is meant cannot be guessed.
        var docs: [TextDocument] = [], docLines: [String: Int] = [:]
        let docsJSON = try startsWithBrace(documents), queriesJSON = try startsWithBrace(queries)
        for (i, line) in try readLines(documents).enumerated() where !line.trimmingSpaces.isEmpty {
            let f = docsJSON ? try jsonFields(line, file: documents, line: i + 1, keys: ["id", "title", "text", "body", "authors"], required: ["id"])
                             : line.split(separator: "\t", omittingEmptySubsequences: false).map { String($0) }
            guard (2...4).contains(f.count), !f[0].isEmpty else {
                throw InputError(file: documents, line: i + 1, "expected 'id<TAB>title<TAB>body[<TAB>authors]' or 'id<TAB>body'")
            }
            if let first = docLines.updateValue(i + 1, forKey: String(f[0])) {
                throw InputError(file: documents, line: i + 1, field: "id", "document '\(f[0].prefix(200))' was already given on line \(first)",
                                 hint: "give each document once")
            }
            docs.append(TextDocument(id: f[0], title: f.count >= 3 ? f[1] : "", body: f.count == 4 ? f[2] : f[f.count - 1],
                                     authors: f.count == 4 ? f[3] : ""))
        }
        var qs: [TextQuery] = [], queryLines: [String: Int] = [:]
        for (i, line) in try readLines(queries).enumerated() where !line.trimmingSpaces.isEmpty {
            let f = queriesJSON ? try jsonFields(line, file: queries, line: i + 1, keys: ["id", "text"], required: ["id", "text"])
                                : line.split(separator: "\t", omittingEmptySubsequences: false).map { String($0) }
            guard f.count == 2, !f[0].isEmpty, !f[1][...].trimmingSpaces.isEmpty else {
                throw InputError(file: queries, line: i + 1, "expected 'id<TAB>text'")
            }
            if let first = queryLines.updateValue(i + 1, forKey: String(f[0])) {
                throw InputError(file: queries, line: i + 1, field: "id", "query '\(f[0].prefix(200))' was already given on line \(first)",
                                 hint: "give each query once")
            }
            qs.append(TextQuery(id: String(f[0]), text: String(f[1])))
        }
        if docs.isEmpty { throw InputError(file: documents, "no documents") }
        if qs.isEmpty { throw InputError(file: queries, "no queries") }
        return TextCollection(name: "tsv", documents: docs, queries: qs, qrels: try qrels.map(Qrels.read) ?? Qrels(),
                              gradeMapping: "grades as given in the qrels")
    }

    static func startsWithBrace(_ path: String) throws -> Bool {
        try firstNonSpaceByte(path) == UInt8(ascii: "{")
    }

    /// A JSONL line as the TSV fields it stands for: [id, text] or [id, title, text].
    static func jsonFields(_ line: Substring, file: String, line number: Int, keys: [String], required: [String]) throws -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw InputError(file: file, line: number, "not a JSON object", hint: "one object per line")
        }
        var values: [String: String] = [:]
        for k in keys {
            guard let v = object[k] else { continue }
            guard let s = v as? String ?? (v as? NSNumber).map({ $0.stringValue }) else {
                throw InputError(file: file, line: number, field: k, "expected a string")
            }
            values[k] = s
        }
        for k in required where values[k] == nil { throw InputError(file: file, line: number, field: k, "missing field") }
        let text = values["text"] ?? values["body"] ?? ""
        guard keys.contains("title") else { return [values["id"]!, text] }
        return [values["id"]!, values["title"] ?? "", text] + (values["authors"].map { [$0] } ?? [])
    }
}
