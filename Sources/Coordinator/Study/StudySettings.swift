import Foundation
import Ranking

/// Every parameter of `famol study`: defaults, then a TOML file (`--config`), then flags.
struct StudySettings {
    enum Judge: String, CaseIterable { case embedding, openai }

    var log: String?
    var logFormat: ClickLog.Format?
    /// Candidates and features as SVMlight (rows named by `# docid`), with an optional
    /// `index name group` file for the feature groups of the ablation.
    var data: String?
    var featureNames: String?
    /// Or text, from which famol retrieves BM25 candidates and computes its features.
    var documents: String?
    var queries: String?
    var qrels: String?
    var frequencies: String?
    var buckets: String?
    /// Label files ("name=path" or a path, named by its file name).
    var labels: [String] = []
    var judge: Judge?
    var out = "runs/study"
    var workers = 0
    var study = StudyConfig()
    var judging = JudgeSettings()

    init() {
        study.trainer.seed = 42
        study.simulationSeeds = 1
        study.trueNegatives = false
    }

    static let keys: [(String, String)] = [
        ("log", "click log: famol JSONL, Yandex or TianGong-ST XML"), ("log_format", "jsonl, yandex or tiangong (default: from the file)"),
        ("data", "candidates and features (SVMlight with # docid)"), ("feature_names", "'index name group' lines for --data"),
        ("documents", "documents TSV or JSONL (famol computes the features)"), ("queries", "queries TSV or JSONL"),
        ("candidates", "BM25 candidates per query (text input)"), ("qrels", "human judgments (TREC qrels)"),
        ("frequencies", "'query frequency [band]' file"), ("buckets", "'query bucket' file, Baidu-style 0-9"),
        ("labels", "label files, [\"name=path\", ...]"), ("judge", "embedding or openai: a judge to run"),
        ("out", "run directory"), ("workers", "worker processes per model (0 = in process)"), ("seed", "seed of folds and training"),
    ]

    /// Applies a config file; an unknown key or a value of the wrong type names its line.
    mutating func apply(_ toml: TOMLReader) throws {
        for key in toml.entries.keys.sorted() {
            let entry = toml.entries[key]!
            let v = ConfigValue(entry: entry, key: key, file: toml.file)
            if try study.apply(key, v) || judging.apply(key, v) { continue }
            switch key {
            case "log": log = try v.string()
            case "log_format": logFormat = try Self.format(try v.string()) { v.error($0) }
            case "data": data = try v.string()
            case "feature_names": featureNames = try v.string()
            case "documents": documents = try v.string()
            case "queries": queries = try v.string()
            case "candidates": study.candidates = try v.int(min: 2)
            case "qrels": qrels = try v.string()
            case "frequencies": frequencies = try v.string()
            case "buckets": buckets = try v.string()
            case "labels": labels = try v.strings()
            case "judge":
                guard let j = Judge(rawValue: try v.string()) else { throw v.error("must be embedding or openai") }
                judge = j
            case "out": out = try v.string()
            case "workers": workers = try v.int(min: 0)
            case "seed": study.trainer.seed = UInt64(try v.int(min: 0))
            default:
                throw InputError(file: toml.file, line: entry.line, field: key, "unknown setting",
                                 hint: "known settings: " + (Self.keys + StudyConfig.configKeys + JudgeSettings.configKeys).map(\.0).sorted().joined(separator: ", "))
            }
        }
    }

    static func format(_ name: String, error: (String) -> Error) throws -> ClickLog.Format {
        guard let f = ClickLog.Format(rawValue: name) else { throw error("must be jsonl, yandex or tiangong") }
        return f
    }

    /// The label files as (name, path): "name=path", or the path named by its file's stem
    /// (its directory's name for `famol annotate`'s labels.qrels and labels.jsonl).
    var labelFiles: [(name: String, path: String)] {
        labels.map { spec in
            if let eq = spec.firstIndex(of: "="), !spec[..<eq].contains("/") {
                return (String(spec[..<eq]), String(spec[spec.index(after: eq)...]))
            }
            let url = URL(fileURLWithPath: spec)
            let stem = url.deletingPathExtension().lastPathComponent
            return (stem == "labels" ? url.deletingLastPathComponent().lastPathComponent : stem, spec)
        }
    }

    /// The parameters a report prints, so the same inputs and settings give the same file.
    var parameters: [String: String] {
        let s = study
        var p: [String: String] = [
            "log": log ?? "", "log_format": logFormat?.rawValue ?? "from the file", "qrels": qrels ?? "",
            "frequency": frequencies.map { "given: \($0)" } ?? buckets.map { "buckets: \($0)" } ?? "impressions in the log",
            "labels": labels.joined(separator: ","), "judge": judge?.rawValue ?? "none", "seed": String(s.trainer.seed),
        ]
        p.merge(study.reportParameters) { a, _ in a }
        if let data { p["data"] = data }
        if let featureNames { p["feature_names"] = featureNames }
        if let documents { p["documents"] = documents; p["queries"] = queries ?? ""; p["candidates"] = String(s.candidates) }
        if judge == .embedding { p["embedding.grade_shares"] = judging.judgeShares.map { "\($0)" }.joined(separator: ",") }
        return p
    }
}
