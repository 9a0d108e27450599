import Foundation

/// A trained model of the study, ready to score test queries.
public struct StudyModel: Sendable {
    public var ranker: MLPRanker
    public var parameters: [Float]
    public var history: [EpochRecord]
    public var bestEpoch: Int
    /// Where each training query's pair terms start (empty without pair terms).
    public var pairOffsets: [String: Range<Int>]

    public init(ranker: MLPRanker, parameters: [Float], history: [EpochRecord], bestEpoch: Int, pairOffsets: [String: Range<Int>] = [:]) {
        self.ranker = ranker
        self.parameters = parameters
        self.history = history
        self.bestEpoch = bestEpoch
        self.pairOffsets = pairOffsets
    }

    /// The model's TREC run on a data set (pair terms for the queries it trained on).
    public func run(_ data: RankingDataset) -> TrecRun {
        Scoring.run(ranker: ranker, parameters: parameters, dataset: data, pairOffsets: pairOffsets)
    }
}

/// Trains one model of the study from a spec whose files are written: in this process, or
/// on a cluster (`famol demo` runs `famol local`). Both compute the same model bit for bit.
public protocol StudyTrainer: Sendable {
    func train(_ spec: TrainingSpec, directory: String) throws -> StudyModel
    /// Models it can train at once: each training is a pure function of its spec, so the
    /// study trains independent ones side by side and records them in a fixed order.
    var parallelism: Int { get }
    /// Releases what the trainer holds (a cluster's workers); called once the study is done.
    func close()
}

extension StudyTrainer {
    public var parallelism: Int { 1 }
    public func close() {}
}

/// Trains in this process, through the same `TrainingJob` that `famol train` runs.
public struct InProcessStudyTrainer: StudyTrainer {
    /// One training per core: each runs on one thread (BLAS pinned), so the bits do not depend on it.
    public let parallelism: Int

    public init(parallelism: Int = 1) { self.parallelism = max(1, parallelism) }

    public func train(_ spec: TrainingSpec, directory: String) throws -> StudyModel {
        let loaded = try TrainingJob.loadTrainer(spec)
        let outcome = try TrainingJob(spec: spec, outputDirectory: directory).run(loaded: loaded)
        return StudyModel(ranker: loaded.0.ranker, parameters: outcome.state.best, history: outcome.state.history,
                          bestEpoch: outcome.state.bestEpoch, pairOffsets: loaded.0.pairOffsets)
    }
}

extension StudyModel {
    /// Reads what a `famol train` run wrote to `directory` and checks that it trained `spec`:
    /// a model of another configuration is refused rather than reported.
    public static func read(directory: String, expecting spec: TrainingSpec) throws -> StudyModel {
        let (ranker, parameters, file) = try ModelFile.read(directory + "/model.json")
        guard file.metadata["config_sha256"] == spec.configHash else {
            throw InputError(file: directory + "/model.json", field: "config_sha256",
                             "the model was trained with another configuration than the study asked for",
                             hint: "delete \(directory) and rerun")
        }
        let history = try JSONDecoder().decode([EpochRecord].self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/history.json")))
        let best = Int(file.metadata["best_epoch"] ?? "1").map { $0 - 1 } ?? 0
        // Pair terms follow the training file's query order, as the trainer assigned them.
        let offsets = spec.objective.pairTerms == nil ? [:] : PairTerms.offsets(try DatasetFile.read(spec.trainPath).queries)
        return StudyModel(ranker: ranker, parameters: parameters, history: history, bestEpoch: best, pairOffsets: offsets)
    }
}
