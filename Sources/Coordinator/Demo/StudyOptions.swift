import Annotation
import ArgumentParser
import Foundation
import Ranking

/// The flags `famol demo` and `famol study` share: the protocol, training, controls and the LLM judge.
struct StudyOptions: ParsableArguments {
    @Option(help: "TOML file with the study's parameters (see the README).") var config: String?
    @Option(name: .customLong("protocol"), help: "transductive (default) or cross-validation.") var studyProtocol: String?
    @Option(help: "Cross-validation folds (default 5).") var folds: Int?
    @Option(help: "Trainings per world and arm (default 3).") var trainingSeeds: Int?
    @Option(help: "Epochs per model (default 30; no early stopping).") var epochs: Int?
    @Option(help: "Worker processes of a local cluster per model (default 0: in this process).") var workers: Int?
    @Flag(help: "Skip the feature-group ablation.") var noAblation = false
    @Flag(help: "Skip the negative control.") var noNegativeControl = false
    @Flag(help: "With --workers: start a local cluster (famol local) for each model instead of one for the whole study.")
    var clusterPerModel = false
    @Option(help: "Permutations of the significance tests (default 10000).") var permutations: Int?
    @Option(help: "LLM endpoint (--judge openai), e.g. http://127.0.0.1:8080/v1.") var endpoint: String?
    @Option(help: "LLM model name (--judge openai).") var model: String?
    @Option(help: "Annotation strategies to compare (--judge openai), e.g. pointann,listrank.") var strategies: String?

    /// Applies the flags that were given over the defaults and the config file.
    func apply(to study: inout StudyConfig, judging: inout JudgeSettings, workers w: inout Int) throws {
        if let studyProtocol {
            guard let p = StudyProtocol(rawValue: studyProtocol) else { throw ValidationError("--protocol must be transductive or cross-validation") }
            study.studyProtocol = p
        }
        if let folds { study.folds = folds }
        if let trainingSeeds { study.trainingSeeds = trainingSeeds }
        if let epochs { study.trainer.epochs = epochs }
        if let workers { w = workers }
        if noAblation { study.ablation = false }
        if noNegativeControl { study.negativeControl = false }
        if let permutations { study.permutations = permutations }
        if let endpoint { judging.openai.endpoint = endpoint }
        if let model { judging.openai.model = model }
        if let strategies { judging.openai.strategies = strategies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// The checks of the shared settings, once flags and file are applied.
    static func validate(_ study: StudyConfig, judging: JudgeSettings, workers: Int, llm: Bool) throws {
        guard study.folds >= 2 else { throw ValidationError("--folds must be at least 2") }
        guard workers >= 0 else { throw ValidationError("--workers must be 0 or more") }
        guard study.trainer.epochs >= 1, study.permutations >= 1, study.trainingSeeds >= 1 else {
            throw ValidationError("--epochs, --permutations and --training-seeds must be positive")
        }
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
