/// TREC relevance judgments: query id -> document id -> grade.
public struct Qrels: Sendable, Equatable {
    public var judgments: [String: [String: Int]] = [:]

    public init(judgments: [String: [String: Int]] = [:]) { self.judgments = judgments }

    /// Reads `qid iter docid rel` lines (whitespace separated; `iter` is ignored).
    public static func read(_ path: String) throws -> Qrels {
        let lines = try readLines(path)
        var q = Qrels()
        var judgedAt: [String: [String: Int]] = [:]
        var rows = 0
        for (i, raw) in lines.enumerated() {
            let line = raw.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count == 4 else {
                throw InputError(file: path, line: i + 1, "expected 4 fields 'qid iter docid rel', found \(f.count)",
                                 hint: "TREC qrels lines look like '401 0 FBIS3-10082 1'")
            }
            guard let rel = Int(f[3]) else {
                throw InputError(file: path, line: i + 1, field: "rel", "'\(f[3])' is not an integer grade")
            }
            let (qid, doc) = (String(f[0]), String(f[2]))
            // trec_eval refuses a document judged twice for one query; so does famol, rather
            // than keep one of the grades.
            if let first = judgedAt[qid]?[doc] {
                throw InputError(file: path, line: i + 1, field: "docid", "document '\(doc.prefix(80))' is judged twice for query '\(qid.prefix(80))' (first at line \(first))",
                                 hint: "keep one judgment per query and document")
            }
            judgedAt[qid, default: [:]][doc] = i + 1
            q.judgments[qid, default: [:]][doc] = rel
            rows += 1
        }
        if rows == 0 { throw InputError(file: path, "no judgments", hint: "the qrels file is empty") }
        return q
    }

    public func render() -> String {
        var out = ""
        for qid in judgments.keys.sorted(by: naturalOrder) {
            for (doc, rel) in judgments[qid]!.sorted(by: { naturalOrder($0.key, $1.key) }) {
                out += "\(qid) 0 \(doc) \(rel)\n"
            }
        }
        return out
    }
}

/// A TREC run: query id -> scored documents.
public struct TrecRun: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var docID: String
        public var score: Double
        public init(docID: String, score: Double) { self.docID = docID; self.score = score }
    }
    public var results: [String: [Entry]] = [:]
    public var tag = "famol"

    public init(results: [String: [Entry]] = [:], tag: String = "famol") {
        self.results = results
        self.tag = tag
    }

    /// Reads `qid Q0 docid rank score tag` lines; ranks are ignored, scores decide, as in trec_eval.
    public static func read(_ path: String) throws -> TrecRun {
        let lines = try readLines(path)
        var run = TrecRun()
        var rankedAt: [String: [String: Int]] = [:]
        var rows = 0
        for (i, raw) in lines.enumerated() {
            let line = raw.trimmingSpaces
            if line.isEmpty { continue }
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count == 6 else {
                throw InputError(file: path, line: i + 1, "expected 6 fields 'qid Q0 docid rank score tag', found \(f.count)",
                                 hint: "TREC run lines look like '401 Q0 FBIS3-10082 1 12.5 myrun'")
            }
            guard Int(f[3]) != nil else {
                throw InputError(file: path, line: i + 1, field: "rank", "'\(f[3])' is not an integer")
            }
            guard let score = Double(f[4]), score.isFinite else {
                throw InputError(file: path, line: i + 1, field: "score", "'\(f[4])' is not a finite number")
            }
            let (qid, doc) = (String(f[0]), String(f[2]))
            // As trec_eval: a document ranked twice for one query is an error (it would count
            // its relevance twice: nDCG above 1).
            if let first = rankedAt[qid]?[doc] {
                throw InputError(file: path, line: i + 1, field: "docid", "document '\(doc.prefix(80))' is ranked twice for query '\(qid.prefix(80))' (first at line \(first))",
                                 hint: "keep one line per query and document")
            }
            rankedAt[qid, default: [:]][doc] = i + 1
            run.results[qid, default: []].append(Entry(docID: doc, score: score))
            run.tag = String(f[5])
            rows += 1
        }
        if rows == 0 { throw InputError(file: path, "no results", hint: "the run file is empty") }
        return run
    }

    /// Renders the run with ranks in trec_eval order (score desc, then doc id desc).
    public func render() -> String {
        var out = ""
        for qid in results.keys.sorted(by: naturalOrder) {
            for (r, e) in TrecRun.trecOrder(results[qid]!).enumerated() {
                out += "\(qid) Q0 \(e.docID) \(r + 1) \(e.score) \(tag)\n"
            }
        }
        return out
    }

    /// trec_eval's ranking of a query's results: score descending, ties by doc id descending.
    public static func trecOrder(_ entries: [Entry]) -> [Entry] {
        entries.sorted { a, b in
            if a.score != b.score { return a.score > b.score }
            return b.docID.utf8.lexicographicallyPrecedes(a.docID.utf8)
        }
    }
}

/// Orders ids numerically when both are integers, else as strings ("2" before "10").
public func naturalOrder(_ a: String, _ b: String) -> Bool {
    if let x = Int(a), let y = Int(b) { return x < y }
    return a < b
}
