import Annotation
import ArgumentParser
import Foundation
import Ranking

/// The flags `famol demo` and `famol study` share: the protocol, training, controls and the LLM
/// judge. Each is a setting of both commands' tables, which give its help and check its value.
struct StudyOptions: ParsableArguments {
    @Option(help: "TOML file with the study's parameters (see the README).") var config: String?
    @Option(name: .customLong("protocol"), help: help("study.protocol")) var studyProtocol: String?
    @Option(help: help("study.folds")) var folds: String?
    @Option(help: help("study.training_seeds")) var trainingSeeds: String?
    @Option(help: help("training.epochs")) var epochs: String?
    @Option(help: help("workers")) var workers: String?
    @Flag(help: "Skip the feature-group ablation (config study.ablation = false).") var noAblation = false
    @Flag(help: "Skip the negative control (config study.negative_control = false).") var noNegativeControl = false
    @Flag(help: "With --workers: start a local cluster (famol local) for each model instead of one for the whole study.")
    var clusterPerModel = false
    @Option(help: help("study.permutations")) var permutations: String?
    @Option(help: help("openai.endpoint")) var endpoint: String?
    @Option(help: help("openai.model")) var model: String?
    @Option(help: help("openai.strategies")) var strategies: String?

    /// The demo's and the study's shared settings have the same help and defaults.
    private static func help(_ key: String) -> ArgumentHelp {
        ArgumentHelp(DemoSettings.table.flagHelp(key, defaults: DemoSettings()))
    }

    /// Each flag with its key (nil: not given).
    var given: [(key: String, text: String?)] {
        [
            ("study.protocol", studyProtocol),
            ("study.folds", folds),
            ("study.training_seeds", trainingSeeds),
            ("training.epochs", epochs),
            ("workers", workers),
            ("study.ablation", noAblation ? "false" : nil),
            ("study.negative_control", noNegativeControl ? "false" : nil),
            ("study.permutations", permutations),
            ("openai.endpoint", endpoint),
            ("openai.model", model),
            ("openai.strategies", strategies),
        ]
    }

    /// The checks of the shared settings, once flags and file are applied.
    static func validate(_ study: StudyConfig, judging: JudgeSettings, workers: Int, llm: Bool) throws {
        guard llm else { return }
        guard judging.openai.endpoint != nil, judging.openai.model != nil else { throw ValidationError("--judge openai needs --endpoint URL and --model NAME") }
        for name in judging.openai.strategies where Strategy(rawValue: name) == nil {
            throw ValidationError("strategy '\(name)' is not one of pointann, listann, listsel, listrank")
        }
    }

    /// The study's trainer, said aloud: in this process (one model per core), one local
    /// cluster for the whole study, or (`--cluster-per-model`) a `famol local` per model.
    func trainer(workers: Int, logPath: String) throws -> StudyTrainer {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if workers == 0 {
            print("training in this process, \(cores) models at a time (the same bits as one at a time)")
            return InProcessStudyTrainer(parallelism: cores)
        }
        if clusterPerModel {
            print("training on a local cluster of \(workers) famol-worker processes per model (one famol local run each)")
            return LocalClusterStudyTrainer(workers: workers)
        }
        let shared = try SharedClusterStudyTrainer(workers: workers, logPath: logPath)
        print("training on one local cluster of \(workers) famol-worker processes (pids \(shared.workerPIDs.map(String.init).joined(separator: " "))) for every model; its log: \(logPath)")
        return shared
    }
}
