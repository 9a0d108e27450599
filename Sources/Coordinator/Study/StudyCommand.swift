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
    @Option(help: "Click log: famol JSONL, Yandex relevance-prediction, or TianGong-ST XML.") var log: String?
    @Option(help: "Click log format: jsonl, yandex or tiangong (default: from the file; config log_format).") var clickLogFormat: String?
    @Option(help: "Candidates and features: SVMlight whose rows name their document ('# docid').") var data: String?
    @Option(help: "Feature names and groups for --data: 'index<TAB>name<TAB>group' (group query-document or document).") var featureNames: String?
    @Option(help: "Documents, TSV ('id<TAB>title<TAB>body') or JSONL ({\"id\", \"title\", \"text\"}).") var documents: String?
    @Option(help: "Queries, TSV ('id<TAB>text') or JSONL ({\"id\", \"text\"}).") var queries: String?
    @Option(help: "BM25 candidates per query with --documents (default 20).") var candidates: Int?
    @Option(help: "Human judgments (TREC qrels) that evaluate the arms.") var qrels: String?
    @Option(help: "Query frequencies: 'query frequency [band]' lines (default: impressions in the log).") var frequencies: String?
    @Option(help: "Baidu-style frequency buckets: 'query bucket' lines, 0-2 high, 3-6 mid, 7-9 low.") var buckets: String?
    @Option(help: "Training labels from famol annotate (labels.qrels or labels.jsonl), as FILE or NAME=FILE; repeatable.")
    var labels: [String] = []
    @Option(help: "A judge to run for the labels: embedding (needs --documents) or openai.") var judge: String?
    @Option(help: "Output directory (default runs/study).") var out: String?
    @Option(help: "Seed of folds and training (default 42).") var seed: UInt64?

    /// Defaults, then the config file, then flags; then the checks that need no file.
    func settings() throws -> StudySettings {
        var s = StudySettings()
        if let config = options.config { try ConfigFiles.apply(config, StudySettings.table, to: &s) }
        try options.apply(to: &s.study, judging: &s.judging, workers: &s.workers)
        if let log { s.log = log }
        if let clickLogFormat { s.logFormat = try StudySettings.format(clickLogFormat) { ValidationError("--click-log-format " + $0) } }
        if let data { s.data = data }
        if let featureNames { s.featureNames = featureNames }
        if let documents { s.documents = documents }
        if let queries { s.queries = queries }
        if let candidates { s.study.candidates = candidates }
        if let qrels { s.qrels = qrels }
        if let frequencies { s.frequencies = frequencies }
        if let buckets { s.buckets = buckets }
        if !labels.isEmpty { s.labels = labels }
        if let judge {
            guard let j = StudySettings.Judge(rawValue: judge) else { throw ValidationError("--judge must be embedding or openai") }
            s.judge = j
        }
        if let out { s.out = out }
        if let seed { s.study.trainer.seed = seed }
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
