import FamolConfig
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

    /// Every setting a config file may give `famol study`.
    static var table: SettingsTable<StudySettings> {
        SettingsTable(command: "study", own + StudyConfig.settings.map { $0.lifted(\.study) } + JudgeSettings.settings.map { $0.lifted(\.judging) })
    }

    private static var own: [Setting<StudySettings>] {
        [
            Setting("log", "click log: famol JSONL, Yandex or TianGong-ST XML", \.log) { try $0.string() },
            Setting("log_format", "click log format: jsonl, yandex or tiangong (default: from the file)", flag: "--click-log-format") { s, v in
                s.logFormat = try v.choice(ClickLog.Format.self, "jsonl, yandex, tiangong")
            },
            Setting("data", "candidates and features (SVMlight with # docid)", \.data) { try $0.string() },
            Setting("feature_names", "'index name group' lines for --data", \.featureNames) { try $0.string() },
            Setting("documents", "documents TSV or JSONL (famol computes the features)", \.documents) { try $0.string() },
            Setting("queries", "queries TSV or JSONL", \.queries) { try $0.string() },
            Setting("candidates", "BM25 candidates per query (text input)", \.study.candidates) { try $0.int(min: 2) },
            Setting("qrels", "human judgments (TREC qrels)", \.qrels) { try $0.string() },
            Setting("frequencies", "'query frequency [band]' file", \.frequencies) { try $0.string() },
            Setting("buckets", "'query bucket' file, Baidu-style 0-9", \.buckets) { try $0.string() },
            Setting("labels", "label files, [\"name=path\", ...]", \.labels) { try $0.strings() },
            Setting("judge", "embedding or openai: a judge to run", \.judge) { try $0.choice(Judge.self, "embedding or openai") },
            Setting("out", "run directory", \.out) { try $0.string() },
            Setting("workers", "worker processes per model (0 = in process)", \.workers) { try $0.int(min: 0) },
            Setting("seed", "seed of folds and training") { s, v in s.study.trainer.seed = UInt64(try v.int(min: 0)) },
        ]
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
