import Foundation

/// A whole `famol train` run: read inputs, train, write the model and reports to a directory.
public struct TrainingJob: Sendable {
    public var spec: TrainingSpec
    public var outputDirectory: String

    public init(spec: TrainingSpec, outputDirectory: String) {
        self.spec = spec
        self.outputDirectory = outputDirectory
    }

    public struct Outcome: Sendable {
        public var modelSHA256: String
        public var state: Trainer.State
        public var testMetrics: [Metric: Double]?
        public var modelPath: String
    }

    /// Loads the inputs and checks that they fit together, naming the file at fault. Sparse
    /// files may name different highest features: all are widened to the widest.
    /// `remap` turns the spec's paths into local ones (workers with their own data folder).
    public static func loadTrainer(_ spec: TrainingSpec, remap: (String) -> String = { $0 }) throws -> (Trainer, test: RankingDataset?) {
        var train = try DatasetFile.read(remap(spec.trainPath))
        // An empty validation file selects nothing: the run keeps its last epoch.
        var valid = try fileIsEmpty(remap(spec.validPath)) ? RankingDataset(featureCount: train.featureCount, queries: [])
            : DatasetFile.read(remap(spec.validPath))
        var test = try spec.testPath.map { try DatasetFile.read(remap($0)) }
        let width = max(train.featureCount, valid.featureCount, test?.featureCount ?? 0)
        train = train.padded(to: width)
        valid = valid.padded(to: width)
        test = test?.padded(to: width)
        var builder = TrainingSetBuilder(dataset: train)
        if let path = spec.clicksPath { builder.impressions = try ClickLog.read(remap(path)).impressions }
        if let path = spec.labelsPath { builder.qrels = try Qrels.read(remap(path)) }
        if let path = spec.bandsPath { builder.bands = try FrequencyBands.read(remap(path)) }
        let objective = spec.objective.objective
        let needsClicks = objective.supervision != .labels
        if needsClicks && builder.impressions.isEmpty {
            throw InputError(file: "--clicks", "supervision '\(objective.supervision.rawValue)' needs a click log",
                             hint: "pass --clicks FILE (famol simulate writes one)")
        }
        let examples = builder.build()
        if needsClicks && !examples.contains(where: { $0.hasClickSource }) {
            throw InputError(file: spec.clicksPath ?? "--clicks", "no click in the log falls on a training query's candidates",
                             hint: "query and document ids of the log must match the training file")
        }
        let lastEpoch = spec.config.epochs - 1
        if !examples.contains(where: { objective.clickShare($0, epoch: 0) != nil || objective.clickShare($0, epoch: lastEpoch) != nil }) {
            throw InputError(file: spec.trainPath, "no training query has a source for supervision '\(objective.supervision.rawValue)'",
                             hint: "check that --labels or --clicks cover the training queries")
        }
        return (Trainer(config: spec.config, objective: objective, examples: examples, validation: valid), test)
    }

    /// Trains (from `resume` when given) and writes model.json, history.json and test.run.
    /// `loaded` reuses inputs the caller already loaded with `loadTrainer`.
    public func run(
        loaded: (Trainer, test: RankingDataset?)? = nil, gradients: StepGradientSource? = nil, resume: Trainer.State? = nil,
        onStep: (Trainer.State) throws -> Void = { _ in }, log: (String) -> Void = { _ in }
    ) throws -> Outcome {
        let (trainer, test) = try loaded ?? TrainingJob.loadTrainer(spec)
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        let state = try trainer.train(from: resume, gradients: gradients, onStep: onStep) { s in
            let r = s.history.last!
            log(String(format: "epoch %3d  loss %.4f  (click %.4f, label %.4f)  valid %@ %.4f",
                       r.epoch + 1, r.loss, r.clickLoss, r.labelLoss, trainer.config.validationMetric.labelled, r.validation))
        }
        var metadata = [
            "supervision": spec.objective.supervision.rawValue, "seed": String(spec.config.seed),
            "train": spec.trainPath, "valid": spec.validPath, "best_epoch": String(state.bestEpoch + 1),
            "epochs_run": String(state.epoch), "shards": String(spec.config.shards), "config_sha256": spec.configHash,
        ]
        if let p = spec.clicksPath { metadata["clicks"] = p }
        if let p = spec.labelsPath { metadata["labels"] = p }
        let modelPath = outputDirectory + "/model.json"
        try ModelFile(ranker: trainer.ranker, parameters: state.best, metadata: metadata).write(to: modelPath)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(state.history), to: outputDirectory + "/history.json")
        var testMetrics: [Metric: Double]? = nil
        if let test {
            let run = Scoring.run(ranker: trainer.ranker, parameters: state.best, dataset: test)
            try AtomicFile.write(run.render(), to: outputDirectory + "/test.run")
            let metrics: [Metric] = [.ndcg(10), .err(10), .mrr, .map]
            let per = Evaluator(metrics: metrics).perQuery(qrels: test.qrels, run: run)
            testMetrics = Evaluator.mean(per, metrics: metrics)
        }
        return Outcome(modelSHA256: ModelFile.sha256(state.best), state: state, testMetrics: testMetrics, modelPath: modelPath)
    }
}
