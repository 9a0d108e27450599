import Foundation

/// A user's study inputs, read and checked against each other before any training: every
/// mismatch is an `InputError` naming the file, line and field, never a partial study.
public struct ObservedStudyInputs: Sendable {
    /// Where query frequencies come from.
    public enum Frequency: Sendable, Equatable {
        /// Impressions per query in the click log.
        case log
        /// A `query frequency [band]` file (bands from terciles when not given).
        case given(String)
        /// A `query bucket` file of Baidu-style buckets 0-9: 0-2 high, 3-6 mid, 7-9 low.
        case buckets(String)
    }

    public var dataset: RankingDataset
    public var features: [FeatureInfo]
    public var log: LoadedClickLog
    public var bands: FrequencyBands
    public var judged: Set<String>
    public var labelSources: [LabelSource]
    /// Input file -> sha256 of its bytes, for the report.
    public var hashes: [String: String]

    /// Reads the log, frequencies, human judgments and label files against the candidates
    /// (`dataset`, whose labels are ignored: the qrels give the gold grades).
    public static func load(candidates: RankingDataset, candidatesFile: String, features: [FeatureInfo], log logPath: String,
                            logFormat: ClickLog.Format?, qrels qrelsPath: String, frequency: Frequency,
                            labels: [(name: String, path: String)]) throws -> ObservedStudyInputs {
        var hashes: [String: String] = [:]
        func hash(_ path: String) throws { hashes[path] = SHA256.hex(try readFileBytes(path)) }
        for path in [candidatesFile, logPath, qrelsPath] + labels.map(\.path) { try hash(path) }
        let candidateDocs = Dictionary(candidates.queries.map { ($0.id, Set($0.docIDs)) }, uniquingKeysWith: { a, _ in a })
        let log = try ClickLog.read(logPath, format: logFormat)
        try checkLog(log, file: logPath, candidates: candidateDocs, candidatesFile: candidatesFile)

        let ids = candidates.queries.map(\.id)
        let bands: FrequencyBands
        switch frequency {
        case .log:
            var f = Dictionary(uniqueKeysWithValues: ids.map { ($0, 0) })
            for imp in log.impressions { f[imp.query, default: 0] += 1 }
            bands = FrequencyBands(values: f)
        case .given(let path):
            try hash(path)
            bands = try checkBands(FrequencyBands.read(path), file: path, ids: ids)
        case .buckets(let path):
            try hash(path)
            bands = try checkBands(FrequencyBands.read(path, rule: .buckets), file: path, ids: ids, buckets: true)
        }
        for band in Band.allCases where !bands.band.values.contains(band) {
            throw InputError(file: frequencySource(frequency, log: logPath), "the \(band.rawValue) band has no query",
                             hint: "the study compares bands: give traffic in which every band has queries (or bucket ids across 0-9)")
        }

        let qrels = try Qrels.read(qrelsPath)
        for q in qrels.judgments.keys.sorted(by: naturalOrder) where candidateDocs[q] == nil {
            throw InputError(file: qrelsPath, line: firstLine(qrelsPath, query: q), field: "qid",
                             "query '\(q.prefix(200))' is judged but has no candidates in \(candidatesFile)",
                             hint: "judge queries of the study (or give their candidates)")
        }
        let judged = Set(qrels.judgments.keys)
        guard !judged.isEmpty else { throw InputError(file: qrelsPath, "no judgments", hint: "the study needs human judgments to score the arms") }
        var sources: [LabelSource] = []
        for (name, path) in labels {
            let (q, provenance) = try readLabels(path)
            for query in q.judgments.keys.sorted(by: naturalOrder) {
                guard let docs = candidateDocs[query] else {
                    throw InputError(file: path, line: firstLine(path, query: query), field: "query",
                                     "labels for query '\(query.prefix(200))', which has no candidates in \(candidatesFile)",
                                     hint: "annotate the study's candidates (famol annotate --candidates \(candidatesFile))")
                }
                if let d = q.judgments[query]!.keys.sorted().first(where: { !docs.contains($0) }) {
                    throw InputError(file: path, line: firstLine(path, query: query), field: "document",
                                     "document '\(d.prefix(200))' of query '\(query.prefix(200))' is not among its candidates in \(candidatesFile)",
                                     hint: "annotate the study's candidates (famol annotate --candidates \(candidatesFile))")
                }
            }
            sources.append(LabelSource(name: name, provenance: provenance + " (\(path))", qrels: q))
        }
        return ObservedStudyInputs(dataset: candidates.relabeled(with: qrels), features: features, log: log, bands: bands,
                                   judged: judged, labelSources: sources, hashes: hashes)
    }

    /// The study's data, with label sources computed elsewhere (a judge run) added after the files'.
    public func data(extraLabels: [LabelSource] = []) -> ObservedStudyData {
        ObservedStudyData(dataset: dataset, features: features, impressions: log.impressions, bands: bands, judged: judged,
                          labelSources: labelSources + extraLabels)
    }

    static func checkLog(_ log: LoadedClickLog, file: String, candidates: [String: Set<String>], candidatesFile: String) throws {
        for (k, imp) in log.impressions.enumerated() {
            let line = k < log.lines.count ? log.lines[k] : nil
            guard let docs = candidates[imp.query] else {
                throw InputError(file: file, line: line, field: "query", "query '\(imp.query.prefix(200))' has no candidates in \(candidatesFile)",
                                 hint: "give candidates (and features) for every query of the log, or leave its impressions out")
            }
            if let d = imp.shown.first(where: { !docs.contains($0) }) {
                throw InputError(file: file, line: line, field: "shown",
                                 "document '\(d.prefix(200))' shown for query '\(imp.query.prefix(200))' is not among its candidates in \(candidatesFile)",
                                 hint: "every document the log shows needs candidate features; add it to the candidates (or --candidates K)")
            }
        }
    }

    static func checkBands(_ bands: FrequencyBands, file: String, ids: [String], buckets: Bool = false) throws -> FrequencyBands {
        let known = Set(ids)
        if let stray = bands.frequency.keys.sorted(by: naturalOrder).first(where: { !known.contains($0) }) {
            throw InputError(file: file, line: firstLine(file, query: stray), field: "query", "query '\(stray.prefix(200))' is not a query of the study",
                             hint: "give frequencies for the candidates' queries")
        }
        if let missing = ids.first(where: { bands.frequency[$0] == nil }) {
            throw InputError(file: file, field: "query", "query '\(missing.prefix(200))' has no \(buckets ? "bucket" : "frequency") (nor do \(ids.filter { bands.frequency[$0] == nil }.count - 1) others)",
                             hint: "give one line per query of the study")
        }
        if buckets, let (q, b) = bands.frequency.first(where: { $0.value > 9 }) {
            throw InputError(file: file, line: firstLine(file, query: q), field: "bucket", "bucket \(b) is not in 0-9", hint: "Baidu-style buckets run from 0 (most frequent) to 9")
        }
        return bands
    }

    static func frequencySource(_ f: Frequency, log: String) -> String {
        switch f {
        case .log: log
        case .given(let p), .buckets(let p): p
        }
    }

    /// Labels as `famol annotate` writes them: TREC qrels, or JSONL with provenance (`judge`).
    static func readLabels(_ path: String) throws -> (Qrels, String) {
        let head = try firstNonSpaceByte(path)
        guard head == UInt8(ascii: "{") else { return (try Qrels.read(path), "qrels") }
        struct Row: Decodable { var query: String; var document: String; var label: Double?; var judge: String? }
        var q = Qrels(), judges: [String] = []
        for (i, line) in try readLines(path).enumerated() where !line.trimmingSpaces.isEmpty {
            let row: Row
            do { row = try JSONDecoder().decode(Row.self, from: Data(line.utf8)) } catch {
                throw InputError(file: path, line: i + 1, "not a label object", hint: "famol annotate's labels.jsonl: {\"query\", \"document\", \"label\", \"judge\"} per line")
            }
            if let j = row.judge, !judges.contains(j) { judges.append(j) }
            guard let label = row.label else { continue }  // an abstention: no label
            guard label.isFinite, label >= 0, label <= 100 else {
                throw InputError(file: path, line: i + 1, field: "label", "\(label) is not a grade", hint: "grades are 0 (not relevant) and up")
            }
            q.judgments[row.query, default: [:]][row.document] = Int(label.rounded())
        }
        guard !q.judgments.isEmpty else { throw InputError(file: path, "no labels", hint: "every judgment abstained or the file is empty") }
        return (q, judges.isEmpty ? "labels" : judges.joined(separator: "; "))
    }

    /// The first line of a whitespace-separated file whose first field is `query` (for messages).
    static func firstLine(_ path: String, query: String) -> Int? {
        guard let lines = try? readLines(path) else { return nil }
        for (i, line) in lines.enumerated() {
            let t = line.trimmingSpaces
            if t.hasPrefix("{") {
                if t.contains("\"query\":\"\(query)\"") || t.contains("\"query\": \"\(query)\"") { return i + 1 }
            } else if t.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) == query {
                return i + 1
            }
        }
        return nil
    }
}
