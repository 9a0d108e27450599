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
    public static func read(documents: String, queries: String, qrels: String?) throws -> TextCollection {
        // An id given twice is an error, not a silent overwrite: which text is meant cannot be guessed.
        var docs: [TextDocument] = [], docLines: [String: Int] = [:]
        for (i, line) in try readLines(documents).enumerated() where !line.trimmingSpaces.isEmpty {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 2 || f.count == 3, !f[0].isEmpty else {
                throw InputError(file: documents, line: i + 1, "expected 'id<TAB>title<TAB>body' or 'id<TAB>body'")
            }
            if let first = docLines.updateValue(i + 1, forKey: String(f[0])) {
                throw InputError(file: documents, line: i + 1, field: "id", "document '\(f[0].prefix(200))' was already given on line \(first)",
                                 hint: "give each document once")
            }
            docs.append(TextDocument(id: String(f[0]), title: f.count == 3 ? String(f[1]) : "", body: String(f[f.count - 1])))
        }
        var qs: [TextQuery] = [], queryLines: [String: Int] = [:]
        for (i, line) in try readLines(queries).enumerated() where !line.trimmingSpaces.isEmpty {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 2, !f[0].isEmpty, !f[1].trimmingSpaces.isEmpty else {
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
}
