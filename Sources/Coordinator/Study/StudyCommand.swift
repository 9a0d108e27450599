import Annotation
import ArgumentParser
import Cluster
import FamolLog
import Foundation
import Ranking

/// `famol study`: the paper's study on the user's own click log, candidates and judgments.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Run the study on your own data: what clicks, judge labels and FAMOL each buy per query-frequency band.",
        discussion: """
            Inputs: a click log (--log: famol JSONL, Yandex, or TianGong-ST session XML); candidates and features \
            (--data SVMlight with '# docid' comments, or --documents and --queries as TSV or JSONL, from which famol \
            retrieves BM25 candidates and computes its features, the embedded model's cosine included); human \
            judgments (--qrels, for all queries or a subset: unjudged queries train but are not scored); training \
            labels (--labels FILE from famol annotate, repeatable, or --judge embedding|openai). Query frequency is \
            each query's impressions in the log unless --frequencies or --buckets (Baidu-style 0-9) gives it. \
            Every input is checked against the others before training. Transductive by default: clicks and labels \
            of every query train, human judgments only evaluate, and no arm but the oracle sees them. The negative \
            control shuffles the bands across queries. Writes results.json and report.html to --out. --config FILE \
            (TOML) sets any parameter; flags override it.
            """ + "\n\n" + StudySettings.table.configHelp
    )

    @OptionGroup var options: StudyOptions
    @OptionGroup(title: "Logging") var logging: LoggingOptions
    @Option(help: help("log")) var log: String?
    @Option(help: help("log_format")) var clickLogFormat: String?
    @Option(help: help("data")) var data: String?
    @Option(help: help("feature_names")) var featureNames: String?
    @Option(help: help("documents")) var documents: String?
    @Option(help: help("queries")) var queries: String?
    @Option(help: help("candidates")) var candidates: String?
    @Option(help: help("qrels")) var qrels: String?
    @Option(help: help("frequencies")) var frequencies: String?
    @Option(help: help("buckets")) var buckets: String?
    @Option(help: "Training labels from famol annotate (labels.qrels or labels.jsonl), as FILE or NAME=FILE; repeatable (config labels).")
    var labels: [String] = []
    @Option(help: help("judge")) var judge: String?
    @Option(help: help("out")) var out: String?
    @Option(help: help("seed")) var seed: String?

    private static func help(_ key: String) -> ArgumentHelp {
        ArgumentHelp(StudySettings.table.flagHelp(key, defaults: StudySettings()))
    }

    /// Defaults, then the config file, then flags (each checked as its config key is); then the
    /// checks that need no file.
    func settings() throws -> StudySettings {
        var s = StudySettings()
        if let config = options.config { try ConfigFiles.apply(config, StudySettings.table, to: &s) }
        try StudySettings.table.applyCommandLine(options.given + [
            ("log", log), ("log_format", clickLogFormat), ("data", data), ("feature_names", featureNames), ("documents", documents),
            ("queries", queries), ("candidates", candidates), ("qrels", qrels), ("frequencies", frequencies), ("buckets", buckets),
            ("judge", judge), ("out", out), ("seed", seed),
        ], to: &s)
        if !labels.isEmpty { s.labels = labels }  // each its own flag: a path may hold a comma
        try s.validate()
        return s
    }

    func run() throws {
        logging.apply()
        FamolMetrics.bootstrap()
        try reportingInputErrors {
            pinBLASToOneThread()
            let s = try settings()
            let options = self.options
            _ = try StudyRun(settings: s).run(trainer: { try options.trainer(workers: s.workers, logPath: s.out + "/cluster.log") }) { print($0) }
        }
    }
}
