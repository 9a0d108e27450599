import Foundation

/// A whole `famol train` run: read inputs, train, write the model and reports to a directory.
public struct TrainingJob: Sendable {
    public var trainPath: String
    public var validPath: String
    public var testPath: String?
    public var clicksPath: String?
    public var labelsPath: String?
    public var bandsPath: String?
    public var outputDirectory: String
    public var config = TrainerConfig()
    public var objective: Objective

    public init(trainPath: String, validPath: String, outputDirectory: String, objective: Objective) {
        self.trainPath = trainPath
        self.validPath = validPath
        self.outputDirectory = outputDirectory
        self.objective = objective
    }

    public struct Outcome: Sendable {
        public var modelSHA256: String
        public var state: Trainer.State
        public var testMetrics: [Metric: Double]?
        public var modelPath: String
    }

    /// Loads the inputs and checks that they fit together, naming the file at fault. Sparse
    /// files may name different highest features: all are widened to the widest.
    public func loadTrainer() throws -> (Trainer, test: RankingDataset?) {
        var train = try SVMLightReader.read(trainPath)
        var valid = try SVMLightReader.read(validPath)
        var test = try testPath.map { try SVMLightReader.read($0) }
        let width = max(train.featureCount, valid.featureCount, test?.featureCount ?? 0)
        train = train.padded(to: width)
        valid = valid.padded(to: width)
        test = test?.padded(to: width)
        var builder = TrainingSetBuilder(dataset: train)
        if let clicksPath { builder.impressions = try ClickLog.read(clicksPath).impressions }
        if let labelsPath { builder.qrels = try Qrels.read(labelsPath) }
        if let bandsPath { builder.bands = try FrequencyBands.read(bandsPath) }
        let needsClicks = objective.supervision != .labels
        if needsClicks && builder.impressions.isEmpty {
            throw InputError(file: "--clicks", "supervision '\(objective.supervision.rawValue)' needs a click log",
                             hint: "pass --clicks FILE (famol simulate writes one)")
        }
        let examples = builder.build()
        if !examples.contains(where: { objective.clickShare($0, epoch: 0) != nil || objective.clickShare($0, epoch: config.epochs - 1) != nil }) {
            throw InputError(file: trainPath, "no training query has a source for supervision '\(objective.supervision.rawValue)'",
                             hint: "check that --labels or --clicks cover the training queries")
        }
        if needsClicks && !examples.contains(where: { $0.hasClickSource }) {
            throw InputError(file: clicksPath ?? "--clicks", "no click in the log falls on a training query's candidates",
                             hint: "query and document ids of the log must match the training file")
        }
        return (Trainer(config: config, objective: objective, examples: examples, validation: valid), test)
    }

    public func run(gradients: StepGradientSource? = nil, log: (String) -> Void = { _ in }) throws -> Outcome {
        let (trainer, test) = try loadTrainer()
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        let state = try trainer.train(gradients: gradients) { s in
            let r = s.history.last!
            log(String(format: "epoch %3d  loss %.4f  (click %.4f, label %.4f)  valid %@ %.4f",
                       r.epoch + 1, r.loss, r.clickLoss, r.labelLoss, trainer.config.validationMetric.description, r.validation))
        }
        var metadata = [
            "supervision": objective.supervision.rawValue, "seed": String(config.seed),
            "train": trainPath, "valid": validPath, "best_epoch": String(state.bestEpoch + 1),
            "epochs_run": String(state.epoch), "shards": String(config.shards),
        ]
        if let clicksPath { metadata["clicks"] = clicksPath }
        if let labelsPath { metadata["labels"] = labelsPath }
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
