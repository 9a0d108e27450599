import FamolConfig
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

    /// Every setting a config file may give `famol demo`.
    static var table: SettingsTable<DemoSettings> {
        SettingsTable(command: "demo", own + StudyConfig.settings.map { $0.lifted(\.study) } + JudgeSettings.settings.map { $0.lifted(\.judging) })
    }

    private static var own: [Setting<DemoSettings>] {
        [
            Setting("cranfield", "Cranfield directory", \.cranfield) { try $0.string() },
            Setting("out", "run directory", \.out) { try $0.string() },
            Setting("seed", "seed of folds, training and clicks") { d, v in d.seed = UInt64(try v.int(min: 0)) },
            Setting("judge", "embedding, human or openai", \.judge) { try $0.choice(Judge.self, "embedding, human, openai") },
            Setting("workers", "worker processes (0 = in process)", \.workers) { try $0.int(min: 0) },
            Setting("queries", "first N queries only", \.study.queryLimit) { try $0.int(min: 2) },
            Setting("study.candidates", "BM25 candidates per query", \.study.candidates) { try $0.int(min: 2) },
            Setting("study.true_negatives", "the true-negative analysis on/off", \.study.trueNegatives) { try $0.bool() },
            Setting("study.random_negatives", "random negatives per query", \.randomNegatives) { try $0.int(min: 1) },
            Setting("study.hard_negatives", "hard negatives per query: BM25 ranks after the candidates", \.hardNegatives) { try $0.int(min: 1) },
            Setting("study.simulation_seeds", "simulated worlds per quality strength", \.study.simulationSeeds) { try $0.int(min: 1) },
            Setting("clicks.model", "pbm, cascade or dcm", \.study.world.clicks.model) { try $0.choice(ClickModelKind.self, "pbm, cascade, dcm") },
            Setting("clicks.impressions", "simulated impressions", \.study.world.clicks.impressions) { try $0.int(min: 1) },
            Setting("clicks.zipf", "Zipf exponent of query frequencies", \.study.world.clicks.zipfExponent) { try $0.double(in: 0...10) },
            Setting("clicks.eta", "PBM examination 1/(k+1)^eta when no reference log is fitted", \.study.world.clicks.eta) { try $0.double(in: 0...10) },
            Setting("clicks.epsilon", "attraction of a non-relevant document (noise clicks)", \.study.world.clicks.epsilon) { try $0.double(in: 0...1) },
            Setting("clicks.shown", "documents per impression", \.study.world.clicks.shown) { try $0.int(min: 1) },
            Setting("clicks.logging_temperature", "Plackett-Luce logging over BM25 ranks, weight exp(-rank/t)") { d, v in
                d.study.world.clicks.loggingTemperature = try v.double(in: 1e-3...1e6)
            },
            Setting("clicks.reference_log", "real click log whose PBM examination and click rate the simulation takes (\"\" for none)") { d, v in
                d.referenceLog = try v.string()
            },
            Setting("world.quality_strengths", "strengths of the latent document quality, swept") { d, v in
                d.study.world.qualityStrengths = try v.doubles(in: 0...10)
            },
            Setting("world.quality_feature_noise", "noise of the quality feature", \.study.world.qualityFeatureNoise) { try $0.double(in: 0...100) },
            Setting("world.quality_signal", "gives the ranker the quality feature", \.study.world.qualitySignal) { try $0.bool() },
        ]
    }
}
