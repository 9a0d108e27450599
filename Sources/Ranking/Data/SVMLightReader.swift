#if canImport(Glibc)
import Glibc
#endif

/// Reads SVMlight / LETOR files: `label qid:Q idx:val ... # comment`.
///
/// Feature indices are 1-based. A file without `qid:` takes its query boundaries from a
/// LightGBM-style group file beside it (`FILE.query`, one group size per line). The comment's
/// first word (or the value of `docid =` in LETOR comments) is the document id; without a
/// comment the id is `FILE-LINE`.
public enum SVMLightReader {
    /// The largest feature index famol reads (LETOR sets have hundreds, Yahoo's 700).
    public static let maxFeatureIndex = 100_000
    /// The highest grade: LightGBM's default label_gain has 31 entries (2^i - 1, i < 31).
    public static let maxLabel = 30

    public static func read(_ path: String, featureCount: Int? = nil) throws -> RankingDataset {
        let bytes = try readFileBytes(path)
        let groupPath = path + ".query"
        let groups = FileExists(groupPath) ? try readGroupSizes(groupPath) : nil
        return try parse(bytes, file: path, groups: groups, groupFile: groupPath, featureCount: featureCount)
    }

    /// Parses SVMlight bytes; `groups` gives query sizes for files without `qid:`.
    public static func parse(
        _ bytes: [UInt8], file: String, groups: [Int]? = nil, groupFile: String = "",
        featureCount: Int? = nil
    ) throws -> RankingDataset {
        var rows = RowSink()
        try bytes.withUnsafeBufferPointer { buf in
            var lineStart = 0
            var lineNumber = 0
            let n = buf.count
            while lineStart < n {
                lineNumber += 1
                var lineEnd = lineStart
                while lineEnd < n && buf[lineEnd] != 10 { lineEnd += 1 }
                try parseLine(buf, lineStart, lineEnd, lineNumber, file, &rows)
                lineStart = lineEnd + 1
            }
        }
        if rows.labels.isEmpty {
            throw InputError(file: file, "no data rows", hint: "an SVMlight file needs lines like '2 qid:7 1:0.5 3:1.2'")
        }
        let width = featureCount ?? rows.maxIndex
        if rows.maxIndex > width {
            throw InputError(file: file, line: rows.maxIndexLine, field: "feature \(rows.maxIndex)",
                             "feature index exceeds the expected width \(width)",
                             hint: "use the same feature set as the training data")
        }
        let qids = try assignQueries(rows, file: file, groups: groups, groupFile: groupFile)
        return assemble(rows, qids: qids, width: width, file: file)
    }

    static func readGroupSizes(_ path: String) throws -> [Int] {
        var sizes: [Int] = []
        for (i, line) in try readLines(path).enumerated() {
            let t = line.trimmingSpaces
            if t.isEmpty { continue }
            guard let v = Int(t), v > 0 else {
                throw InputError(file: path, line: i + 1, field: "group size", "'\(t)' is not a positive integer")
            }
            sizes.append(v)
        }
        return sizes
    }

    /// Parsed rows before they are grouped into queries.
    struct RowSink {
        var labels: [Float] = []
        var qids: [String?] = []
        var docIDs: [String?] = []
        var lines: [Int] = []
        var featureOffsets: [Int] = [0]
        var indices: [Int32] = []
        var values: [Float] = []
        var maxIndex = 0
        var maxIndexLine = 0
    }

    private static func parseLine(
        _ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ line: Int, _ file: String,
        _ rows: inout RowSink
    ) throws {
        var end = end
        if end > start && buf[end - 1] == 13 { end -= 1 }
        var comment: String? = nil
        if let hash = (start..<end).first(where: { buf[$0] == 35 }) {  // '#'
            comment = String(decoding: UnsafeBufferPointer(rebasing: buf[(hash + 1)..<end]), as: UTF8.self)
            end = hash
        }
        var i = start
        func skipSpace() { while i < end && (buf[i] == 32 || buf[i] == 9) { i += 1 } }
        func token() -> Range<Int> {
            let s = i
            while i < end && buf[i] != 32 && buf[i] != 9 { i += 1 }
            return s..<i
        }
        skipSpace()
        if i == end { return }  // blank or comment-only line
        let labelRange = token()
        guard let label = parseFloat(buf, labelRange) else {
            throw InputError(file: file, line: line, field: "label",
                             "'\(text(buf, labelRange))' is not a number", hint: "each line starts with a numeric label")
        }
        // Grades, as LightGBM's lambdarank takes them: not negative, and within its 31 gains.
        guard label >= 0, label <= Float(SVMLightReader.maxLabel) else {
            throw InputError(file: file, line: line, field: "label", "label \(formatNumber(label)) is outside 0...\(SVMLightReader.maxLabel)",
                             hint: "labels are relevance grades (LightGBM refuses negative ones too); map other scales onto 0...\(SVMLightReader.maxLabel)")
        }
        var qid: String? = nil
        var lastIndex = 0
        skipSpace()
        while i < end {
            let tok = token()
            skipSpace()
            guard let colon = tok.first(where: { buf[$0] == 58 }) else {
                throw InputError(file: file, line: line, field: text(buf, tok),
                                 "expected 'index:value'", hint: "separate features as '3:0.25'")
            }
            let key = tok.lowerBound..<colon
            let valueRange = (colon + 1)..<tok.upperBound
            if key.count == 3 && buf[key.lowerBound] == 113 && buf[key.lowerBound + 1] == 105 && buf[key.lowerBound + 2] == 100 {
                guard !valueRange.isEmpty else {
                    throw InputError(file: file, line: line, field: "qid", "empty query id")
                }
                qid = text(buf, valueRange)
                continue
            }
            guard let index = parseInt(buf, key), index >= 1 else {
                throw InputError(file: file, line: line, field: String(text(buf, key).prefix(40)),
                                 "feature index must be a positive integer")
            }
            // famol's rows are dense: an index sets the width of every row.
            guard index <= SVMLightReader.maxFeatureIndex else {
                throw InputError(file: file, line: line, field: "feature \(index)",
                                 "feature index above \(SVMLightReader.maxFeatureIndex)",
                                 hint: "famol stores features densely; renumber the features from 1")
            }
            guard index > lastIndex else {
                throw InputError(file: file, line: line, field: "feature \(index)",
                                 "feature indices must increase along a line")
            }
            guard let value = parseFloat(buf, valueRange) else {
                throw InputError(file: file, line: line, field: "feature \(index)",
                                 "'\(text(buf, valueRange))' is not a number")
            }
            lastIndex = index
            rows.indices.append(Int32(index - 1))
            rows.values.append(value)
            if index > rows.maxIndex { rows.maxIndex = index; rows.maxIndexLine = line }
        }
        rows.labels.append(label)
        rows.qids.append(qid)
        rows.docIDs.append(comment.flatMap(documentID(fromComment:)))
        rows.lines.append(line)
        rows.featureOffsets.append(rows.indices.count)
    }

    /// The document id named by a comment: LETOR's `docid = X`, else its first word.
    static func documentID(fromComment comment: String) -> String? {
        let words = comment.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if let k = words.firstIndex(of: "docid"), k + 2 < words.count, words[k + 1] == "=" {
            return String(words[k + 2])
        }
        if let w = words.first, w.hasPrefix("docid=") { return String(w.dropFirst(6)) }
        return words.first.map(String.init)
    }

    private static func assignQueries(_ rows: RowSink, file: String, groups: [Int]?, groupFile: String) throws -> [String] {
        if let missing = rows.qids.firstIndex(where: { $0 == nil }) {
            if rows.qids.contains(where: { $0 != nil }) {
                throw InputError(file: file, line: rows.lines[missing], field: "qid",
                                 "missing query id while other lines have one", hint: "add 'qid:Q' after the label")
            }
            guard let groups else {
                throw InputError(file: file, line: rows.lines[missing], field: "qid",
                                 "missing query id", hint: "add 'qid:Q' after the label, or give group sizes in \(file).query")
            }
            let total = groups.reduce(0, +)
            guard total == rows.labels.count else {
                throw InputError(file: groupFile, "group sizes add up to \(total) but \(file) has \(rows.labels.count) rows",
                                 hint: "regenerate the .query file for this data file")
            }
            var ids: [String] = []
            ids.reserveCapacity(total)
            for (g, size) in groups.enumerated() { ids.append(contentsOf: repeatElement(String(g + 1), count: size)) }
            return ids
        }
        // Each query's rows in one block, as LightGBM and SVMrank require: a qid met again
        // after other queries would be merged here but split there.
        var seen: [String: Int] = [:]
        var previous: String? = nil
        for (r, qid) in rows.qids.enumerated() {
            let q = qid!
            if q != previous, let first = seen[q] {
                throw InputError(file: file, line: rows.lines[r], field: "qid", "query '\(q.prefix(80))' appears again after other queries (its rows began at line \(first))",
                                 hint: "keep each query's rows together: sort the file by qid, keeping the order within a query (sort -s)")
            }
            if seen[q] == nil { seen[q] = rows.lines[r] }
            previous = q
        }
        return rows.qids.map { $0! }
    }

    private static func assemble(_ rows: RowSink, qids: [String], width: Int, file: String) -> RankingDataset {
        var order: [String: Int] = [:]
        var queries: [RankingQuery] = []
        for r in 0..<rows.labels.count {
            let qid = qids[r]
            let qi: Int
            if let k = order[qid] { qi = k } else {
                qi = queries.count
                order[qid] = qi
                queries.append(RankingQuery(id: qid, docIDs: [], labels: [], features: []))
            }
            var row = [Float](repeating: 0, count: width)
            for k in rows.featureOffsets[r]..<rows.featureOffsets[r + 1] { row[Int(rows.indices[k])] = rows.values[k] }
            queries[qi].docIDs.append(rows.docIDs[r] ?? "\(fileStem(file))-\(rows.lines[r])")
            queries[qi].labels.append(rows.labels[r])
            queries[qi].features.append(contentsOf: row)
        }
        return RankingDataset(featureCount: width, queries: queries)
    }

    private static func text(_ buf: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buf[r]), as: UTF8.self)
    }
}

/// Writes data sets as SVMlight with `# docid` comments, the form `SVMLightReader` reads back.
public enum SVMLightWriter {
    public static func render(_ data: RankingDataset) -> String {
        var out = ""
        for q in data.queries {
            for d in 0..<q.count {
                out += "\(formatNumber(q.labels[d])) qid:\(q.id)"
                for f in 0..<data.featureCount {
                    let v = q.features[d * data.featureCount + f]
                    if v != 0 { out += " \(f + 1):\(formatNumber(v))" }
                }
                out += " # \(q.docIDs[d])\n"
            }
        }
        return out
    }
}

/// Shortest round-tripping text for a Float, without a trailing ".0" for integers.
func formatNumber(_ v: Float) -> String {
    if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
    return "\(v)"
}

func fileStem(_ path: String) -> String {
    String(path.split(separator: "/").last ?? Substring(path))
}

func FileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s = s.dropLast() }
        return s
    }
}

/// Whether a file exists and holds no bytes.
func fileIsEmpty(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && st.st_size == 0
}
