import Foundation

/// One search result page shown to a user: the documents in rank order and those clicked.
public struct Impression: Codable, Sendable, Equatable {
    public var query: String
    public var shown: [String]
    public var clicked: [String]
    public var timestamp: Double?
    public var session: String?

    public init(query: String, shown: [String], clicked: [String], timestamp: Double? = nil, session: String? = nil) {
        self.query = query
        self.shown = shown
        self.clicked = clicked
        self.timestamp = timestamp
        self.session = session
    }

    /// Click flags per shown position.
    public var clickFlags: [Bool] {
        let set = Set(clicked)
        return shown.map { set.contains($0) }
    }
}

/// A click log as read, with what the reader had to leave out.
public struct LoadedClickLog: Sendable {
    public var impressions: [Impression]
    /// Clicks on documents the impression did not show (real Yandex logs have some: clicks on
    /// later result pages). They cannot be attributed to a position, so they are dropped and
    /// counted here for the caller to report.
    public var unshownClicks: Int
    /// The line each impression starts on, for messages about it.
    public var lines: [Int] = []

    /// Impressions that click one document more than once (the clicks count as one, as
    /// PyClick's parser takes them) and that show one document at two positions (each
    /// position clicked when it is, as in PyClick).
    public var repeatedClicks: Int { impressions.reduce(0) { $0 + (Set($1.clicked).count < $1.clicked.count ? 1 : 0) } }
    public var repeatedShown: Int { impressions.reduce(0) { $0 + (Set($1.shown).count < $1.shown.count ? 1 : 0) } }

    public init(impressions: [Impression], unshownClicks: Int, lines: [Int] = []) {
        self.impressions = impressions
        self.unshownClicks = unshownClicks
        self.lines = lines
    }
}

/// Click logs: famol's JSONL impressions and the Yandex relevance-prediction sample format.
public enum ClickLog {
    /// Reads famol's JSONL format, one impression object per line.
    public static func readJSONL(_ path: String) throws -> [Impression] { try readJSONLWithLines(path).impressions }

    static func readJSONLWithLines(_ path: String) throws -> LoadedClickLog {
        let decoder = JSONDecoder()
        var out: [Impression] = [], lines: [Int] = []
        for (i, line) in try readLines(path).enumerated() {
            if line.trimmingSpaces.isEmpty { continue }
            let imp: Impression
            do {
                imp = try decoder.decode(Impression.self, from: Data(line.utf8))
            } catch let DecodingError.keyNotFound(key, _) {
                throw InputError(file: path, line: i + 1, field: key.stringValue, "missing field",
                                 hint: "each line needs \"query\", \"shown\" and \"clicked\"")
            } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
                throw InputError(file: path, line: i + 1, field: ctx.codingPath.map(\.stringValue).joined(separator: "."),
                                 "wrong type: \(ctx.debugDescription)")
            } catch {
                throw InputError(file: path, line: i + 1, "not a JSON object", hint: "one impression object per line")
            }
            try validate(imp, file: path, line: i + 1)
            out.append(imp)
            lines.append(i + 1)
        }
        if out.isEmpty { throw InputError(file: path, "no impressions", hint: "the click log is empty") }
        return LoadedClickLog(impressions: out, unshownClicks: 0, lines: lines)
    }

    public static func writeJSONL(_ impressions: [Impression]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return impressions.map { String(decoding: try! encoder.encode($0), as: UTF8.self) + "\n" }.joined()
    }

    /// Reads the Yandex sample format: entries separated by `;`, each `QUERY<TAB>u1,...,uN : c1 , c2`.
    public static func readYandex(_ path: String) throws -> LoadedClickLog {
        var out: [Impression] = [], lines: [Int] = []
        var unshown = 0
        for (i, line) in try readLines(path).enumerated() {
            for (e, raw) in line.split(separator: ";", omittingEmptySubsequences: false).enumerated() {
                let entry = raw.trimmingSpaces
                if entry.isEmpty { continue }
                let field = "entry \(e + 1)"
                guard let tab = entry.firstIndex(of: "\t") else {
                    throw InputError(file: path, line: i + 1, field: field, "missing tab after the query id")
                }
                let query = String(entry[..<tab]).trimmingCharacters(in: .whitespaces)
                let rest = entry[entry.index(after: tab)...]
                guard let colon = rest.firstIndex(of: ":") else {
                    throw InputError(file: path, line: i + 1, field: field, "missing ':' between shown and clicked documents")
                }
                let shown = rest[..<colon].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                let clicked = rest[rest.index(after: colon)...].split(separator: ",")
                    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                guard !query.isEmpty, !shown.isEmpty, !shown.contains("") else {
                    throw InputError(file: path, line: i + 1, field: field, "empty query or document id")
                }
                let shownSet = Set(shown)
                let attributable = clicked.filter { shownSet.contains($0) }
                unshown += clicked.count - attributable.count
                out.append(Impression(query: query, shown: shown, clicked: attributable))
                lines.append(i + 1)
            }
        }
        if out.isEmpty { throw InputError(file: path, "no impressions", hint: "the click log is empty") }
        return LoadedClickLog(impressions: out, unshownClicks: unshown, lines: lines)
    }

    /// The click-log formats famol reads.
    public enum Format: String, Sendable, CaseIterable {
        case jsonl, yandex, tiangong
    }

    /// Reads a log in the given format, or (nil) the one its extension or first byte names:
    /// `.jsonl`/`.json` or `{` famol's JSONL, `.xml` or `<` TianGong-ST, else Yandex.
    public static func read(_ path: String, format: Format? = nil) throws -> LoadedClickLog {
        let resolved = try format ?? detect(path)
        switch resolved {
        case .jsonl: return try readJSONLWithLines(path)
        case .yandex: return try readYandex(path)
        case .tiangong: return try TianGongReader.read(path)
        }
    }

    static func detect(_ path: String) throws -> Format {
        if path.hasSuffix(".jsonl") || path.hasSuffix(".json") { return .jsonl }
        if path.hasSuffix(".xml") { return .tiangong }
        let head = try firstNonSpaceByte(path)
        return head == UInt8(ascii: "{") ? .jsonl : head == UInt8(ascii: "<") ? .tiangong : .yandex
    }

    /// The log as TianGong-ST session XML: one session per `session` field (or impression).
    public static func writeTianGong(_ impressions: [Impression]) -> String {
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<sessions>\n"
        var k = 0
        while k < impressions.count {
            let session = impressions[k].session
            var end = k + 1
            while session != nil, end < impressions.count, impressions[end].session == session { end += 1 }
            out += "<session num=\"\(escape(session ?? String(k + 1)))\">\n"
            for (n, imp) in impressions[k..<end].enumerated() {
                out += "  <interaction num=\"\(n + 1)\"\(imp.timestamp.map { " starttime=\"\($0)\"" } ?? "")>\n"
                out += "    <query_id>\(escape(imp.query))</query_id>\n    <results>\n"
                for (r, d) in imp.shown.enumerated() { out += "      <result rank=\"\(r + 1)\"><docid>\(escape(d))</docid></result>\n" }
                out += "    </results>\n    <clicked>\n"
                for (c, d) in imp.clicked.enumerated() {
                    out += "      <click num=\"\(c + 1)\"><docid>\(escape(d))</docid><rank>\((imp.shown.firstIndex(of: d) ?? 0) + 1)</rank></click>\n"
                }
                out += "    </clicked>\n  </interaction>\n"
            }
            out += "</session>\n"
            k = end
        }
        return out + "</sessions>\n"
    }

    static func validate(_ imp: Impression, file: String, line: Int) throws {
        guard !imp.shown.isEmpty else {
            throw InputError(file: file, line: line, field: "shown", "an impression shows no document")
        }
        let shown = Set(imp.shown)
        if let stray = imp.clicked.first(where: { !shown.contains($0) }) {
            throw InputError(file: file, line: line, field: "clicked", "clicked document '\(stray)' was not shown",
                             hint: "famol's JSONL logs list every clicked document among 'shown'")
        }
    }

    /// Impressions per query: the query frequency used for bands.
    public static func frequencies(_ impressions: [Impression]) -> [String: Int] {
        var f: [String: Int] = [:]
        for imp in impressions { f[imp.query, default: 0] += 1 }
        return f
    }
}
