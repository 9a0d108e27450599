import Foundation
import Ranking

/// Every parameter of `famol demo`: defaults, then a TOML file (`--config`), then flags.
struct DemoSettings {
    enum Judge: String, CaseIterable { case embedding, human, openai }

    var cranfield = "../shared/datasets/cranfield"
    /// The real click log the simulation's examination curve and click rate are fitted on;
    /// nil: the Yandex sample beside the Cranfield directory; "" fits nothing.
    var referenceLog: String? = nil
    var out = "runs/demo"
    var judge = Judge.embedding
    /// Worker processes of a local cluster per model; 0 trains in this process (a study is
    /// hundreds of small trainings, and a cluster per training costs more than it saves).
    var workers = 0
    var study = StudyConfig()
    /// The embedded judge's and the LLM judge's settings.
    var judging = JudgeSettings()

    /// True negatives per query: documents drawn from other queries' candidates, and the BM25
    /// ranks right after the candidates (hard: never shown, some relevant).
    var randomNegatives = 10
    var hardNegatives = 30

    init() {
        study.trainer.seed = 42
        study.world.clicks.seed = 43
    }

    /// The seed of everything: training, folds, and (plus one) the click simulation.
    var seed: UInt64 {
        get { study.trainer.seed }
        set {
            study.trainer.seed = newValue
            study.world.clicks.seed = newValue &+ 1
        }
    }

    /// The reference log's path, as resolved.
    var resolvedReferenceLog: String? {
        if let referenceLog { return referenceLog.isEmpty ? nil : referenceLog }
        let url = URL(fileURLWithPath: cranfield).deletingLastPathComponent().appendingPathComponent("yandex-clicks-sample/trainSample")
        return url.path
    }

    /// The keys a config file may set, with what each does (printed for an unknown key).
    static let keys: [(String, String)] = [
        ("cranfield", "Cranfield directory"), ("out", "run directory"), ("seed", "seed of folds, training and clicks"),
        ("judge", "embedding, human or openai"), ("workers", "worker processes (0 = in process)"), ("queries", "first N queries only"),
        ("study.candidates", "BM25 candidates per query"), ("study.true_negatives", "the true-negative analysis on/off"), ("study.random_negatives", "random negatives per query"),
        ("study.hard_negatives", "hard negatives per query: BM25 ranks after the candidates"),
        ("study.simulation_seeds", "simulated worlds per quality strength"), ("clicks.model", "pbm, cascade or dcm"), ("clicks.impressions", "simulated impressions"), ("clicks.zipf", "Zipf exponent of query frequencies"),
        ("clicks.eta", "PBM examination 1/(k+1)^eta when no reference log is fitted"), ("clicks.epsilon", "attraction of a non-relevant document (noise clicks)"),
        ("clicks.shown", "documents per impression"), ("clicks.logging_temperature", "Plackett-Luce logging over BM25 ranks, weight exp(-rank/t)"),
        ("clicks.reference_log", "real click log whose PBM examination and click rate the simulation takes (\"\" for none)"),
        ("world.quality_strengths", "strengths of the latent document quality, swept"), ("world.quality_feature_noise", "noise of the quality feature"),
        ("world.quality_signal", "gives the ranker the quality feature"),
        ]

    /// Applies a config file; an unknown key or a value of the wrong type names its line.
    mutating func apply(_ toml: TOMLReader) throws {
        for key in toml.entries.keys.sorted() {
            let entry = toml.entries[key]!
            let v = ConfigValue(entry: entry, key: key, file: toml.file)
            if try study.apply(key, v) || judging.apply(key, v) { continue }
            switch key {
            case "cranfield": cranfield = try v.string()
            case "out": out = try v.string()
            case "seed": seed = UInt64(try v.int(min: 0))
            case "judge":
                guard let j = Judge(rawValue: try v.string()) else { throw v.error("must be one of embedding, human, openai") }
                judge = j
            case "workers": workers = try v.int(min: 0)
            case "queries": study.queryLimit = try v.int(min: 2)
            case "study.candidates": study.candidates = try v.int(min: 2)
            case "study.true_negatives": study.trueNegatives = try v.bool()
            case "study.random_negatives": randomNegatives = try v.int(min: 1)
            case "study.hard_negatives": hardNegatives = try v.int(min: 1)
            case "study.simulation_seeds": study.simulationSeeds = try v.int(min: 1)
            case "clicks.model":
                guard let m = ClickModelKind(rawValue: try v.string()) else { throw v.error("must be one of pbm, cascade, dcm") }
                study.world.clicks.model = m
            case "clicks.impressions": study.world.clicks.impressions = try v.int(min: 1)
            case "clicks.zipf": study.world.clicks.zipfExponent = try v.double()
            case "clicks.eta": study.world.clicks.eta = try v.double()
            case "clicks.epsilon": study.world.clicks.epsilon = try v.double(in: 0...1)
            case "clicks.shown": study.world.clicks.shown = try v.int(min: 1)
            case "clicks.logging_temperature": study.world.clicks.loggingTemperature = try v.double(in: 1e-3...1e6)
            case "clicks.reference_log": referenceLog = try v.string()
            case "world.quality_strengths": study.world.qualityStrengths = try v.doubles(in: 0...10)
            case "world.quality_feature_noise": study.world.qualityFeatureNoise = try v.double(in: 0...100)
            case "world.quality_signal": study.world.qualitySignal = try v.bool()
            default:
                throw InputError(file: toml.file, line: entry.line, field: key, "unknown setting",
                                 hint: "known settings: " + (Self.keys + StudyConfig.configKeys + JudgeSettings.configKeys).map(\.0).sorted().joined(separator: ", "))
            }
        }
    }
}
