import Foundation

/// Reads TianGong-ST's session files: TREC-Session-Track-style XML, one `<interaction>` per
/// result page, inside `<session>` elements.
///
/// The layout read (elements not listed are skipped):
///
///     <session num="1">
///       <interaction num="1" starttime="1397805834.0">
///         <query_id>88</query_id> <query>text</query>
///         <results> <result rank="1"> <docid>d1</docid> ... </result> ... </results>
///         <clicked> <click num="1"> <docid>d1</docid> <rank>1</rank> </click> </clicked>
///       </interaction>
///     </session>
///
/// A query is its `query_id` (its text when there is none); a click names its document by
/// `docid`, or by `rank` when it has none. Clicks on documents the page did not show are
/// dropped and counted, as in the Yandex reader.
public enum TianGongReader {
    public static func read(_ path: String) throws -> LoadedClickLog {
        var scanner = XMLScanner(bytes: try readFileBytes(path), file: path)
        var out: [Impression] = [], lines: [Int] = []
        var unshown = 0
        var session: String?
        var current: Draft?
        var click: (doc: String?, rank: Int?)?
        var text = ""
        while let token = try scanner.next() {
            switch token {
            case .open(let name, let attributes):
                text = ""
                switch name {
                case "session": session = attributes["num"] ?? attributes["id"]
                case "interaction":
                    guard current == nil else { throw scanner.error(field: "interaction", "an interaction inside another one") }
                    current = Draft(line: scanner.line, timestamp: attributes["starttime"].flatMap(Double.init))
                case "result":
                    guard current != nil else { throw scanner.error(field: "result", "a result outside an interaction") }
                    current!.results.append(nil)
                case "click":
                    guard current != nil else { throw scanner.error(field: "click", "a click outside an interaction") }
                    click = (nil, nil)
                default: break
                }
            case .text(let t): text += t
            case .close(let name):
                let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
                text = ""
                guard current != nil else {
                    if name == "session" { session = nil }
                    continue
                }
                switch name {
                case "query_id": current!.queryID = value
                case "query": current!.queryText = value
                case "docid" where click != nil: click!.doc = value
                case "rank" where click != nil:
                    guard let r = Int(value), r >= 1 else { throw scanner.error(field: "rank", "'\(value.prefix(200))' is not a rank (1, 2, ...)") }
                    click!.rank = r
                case "docid":
                    guard !current!.results.isEmpty else { throw scanner.error(field: "docid", "a docid outside a result") }
                    current!.results[current!.results.count - 1] = value
                case "click":
                    current!.clicks.append(click!)
                    click = nil
                case "interaction":
                    let (imp, dropped) = try current!.impression(session: session, file: path)
                    out.append(imp)
                    lines.append(current!.line)
                    unshown += dropped
                    current = nil
                default: break
                }
            }
        }
        if current != nil { throw InputError(file: path, line: scanner.line, field: "interaction", "the file ends inside an interaction", hint: "the file is truncated") }
        if out.isEmpty { throw InputError(file: path, "no interactions", hint: "a TianGong-ST file holds <session><interaction>... elements") }
        return LoadedClickLog(impressions: out, unshownClicks: unshown, lines: lines)
    }

    /// One interaction as read so far.
    struct Draft {
        var line: Int
        var timestamp: Double?
        var queryID: String?
        var queryText: String?
        var results: [String?] = []
        var clicks: [(doc: String?, rank: Int?)] = []

        func impression(session: String?, file: String) throws -> (Impression, Int) {
            guard let query = (queryID?.isEmpty == false ? queryID : queryText), !query.isEmpty else {
                throw InputError(file: file, line: line, field: "query_id", "an interaction without a query id or text")
            }
            guard !results.isEmpty else { throw InputError(file: file, line: line, field: "results", "an interaction shows no result") }
            let shown = try results.enumerated().map { k, d -> String in
                guard let d, !d.isEmpty else { throw InputError(file: file, line: line, field: "docid", "result \(k + 1) has no docid") }
                return d
            }
            var clicked: [String] = [], dropped = 0
            for c in clicks {
                let doc = c.doc.flatMap { $0.isEmpty ? nil : $0 } ?? c.rank.flatMap { $0 <= shown.count ? shown[$0 - 1] : nil }
                guard let doc, shown.contains(doc) else { dropped += 1; continue }
                if !clicked.contains(doc) { clicked.append(doc) }
            }
            return (Impression(query: query, shown: shown, clicked: clicked, timestamp: timestamp, session: session), dropped)
        }
    }
}
