/// Computes one step's shards: their loss sums in shard order and gradient-tree parts covering
/// them all. The in-process trainer loops over shards; the cluster leases them to workers,
/// which send a node for each block of consecutive shards. Both give the same sum.
public typealias StepGradientSource = @Sendable (_ parameters: [Float], _ epoch: Int, _ step: Int, _ shards: [[Int]]) throws -> StepGradients

/// Synchronous data-parallel training of the MLP ranker with validation-based early stopping.
public struct Trainer: Sendable {
    public let config: TrainerConfig
    public let objective: Objective
    public let examples: [TrainingExample]
    public let validation: RankingDataset
    public let ranker: MLPRanker
    public let plan: ShardPlan

    /// The order of the step's gradient sum over the plan's shards.
    public var gradientTree: GradientTree { GradientTree(shardCount: plan.shards.count) }

    /// Offset of each training query's first pair term (empty without pair terms).
    public let pairOffsets: [String: Range<Int>]

    public init(config: TrainerConfig, objective: Objective, examples: [TrainingExample], validation: RankingDataset) {
        self.config = config
        self.objective = objective
        var examples = examples
        pairOffsets = objective.pairTerms == nil ? [:] : PairTerms.offsets(examples.map(\.query))
        for i in examples.indices { examples[i].pairOffset = pairOffsets[examples[i].query.id]?.lowerBound }
        self.examples = examples
        self.validation = validation
        let width = examples.first?.query.features.count ?? 0 > 0
            ? examples[0].query.features.count / examples[0].query.count : validation.featureCount
        let usesDLA = objective.clickLoss.estimator == .dla && objective.supervision != .labels
        let layout = RankerLayout(inputCount: width, hidden: config.hidden,
                                  propensityPositions: usesDLA ? config.propensityPositions : 0,
                                  pairTerms: objective.pairTerms == nil ? 0 : examples.reduce(0) { $0 + $1.query.count })
        let (mean, scale) = Trainer.standardisation(examples.map(\.query), width: width)
        ranker = MLPRanker(layout: layout, mean: mean, scale: scale)
        plan = ShardPlan(examples: examples, shardCount: config.shards, batchQueries: config.batchQueries, seed: config.seed)
    }

    /// Feature means and standard deviations over all training documents (Double, fixed order).
    static func standardisation(_ queries: [RankingQuery], width: Int) -> ([Float], [Float]) {
        var sum = [Double](repeating: 0, count: width)
        var sq = [Double](repeating: 0, count: width)
        var n = 0.0
        for q in queries {
            for d in 0..<q.count {
                for f in 0..<width {
                    let v = Double(q.features[d * width + f])
                    sum[f] += v
                    sq[f] += v * v
                }
                n += 1
            }
        }
        let mean = sum.map { $0 / max(n, 1) }
        let sd = (0..<width).map { f -> Double in
            let variance = sq[f] / max(n, 1) - mean[f] * mean[f]
            return variance > 1e-12 ? variance.squareRoot() : 1
        }
        return (mean.map { Float($0) }, sd.map { Float($0) })
    }

    /// The in-process gradient source: every shard computed here, in shard order.
    public var localGradients: StepGradientSource {
        let (ranker, objective, examples) = (self.ranker, self.objective, self.examples)
        return { parameters, epoch, _, shards in
            StepGradients(shards: shards.map { slice in
                ShardGradient.compute(ranker: ranker, parameters: parameters, examples: slice.map { examples[$0] },
                                      objective: objective, epoch: epoch)
            })
        }
    }

    /// Training state that a checkpoint saves and a resumed run continues from: everything the
    /// next step depends on, so a resumed run ends with the same bits as an uninterrupted one.
    public struct State: Sendable, Codable, Equatable {
        public var parameters: [Float]
        public var optimizer: Optimizer
        public var epoch: Int
        /// Steps done in the current epoch.
        public var step: Int = 0
        /// Loss sums and query count of the current epoch so far.
        public var partial = EpochRecord(epoch: 0, loss: 0, clickLoss: 0, labelLoss: 0, validation: 0)
        public var partialQueries = 0
        public var best: [Float]
        public var bestScore: Double
        public var bestEpoch: Int
        public var history: [EpochRecord]

        /// Optimizer steps applied so far over the run: the parameters' version.
        public var parametersVersion: Int { optimizer.step }
    }

    public func initialState() -> State {
        let p = ranker.layout.initialParameters(seed: config.seed)
        return State(parameters: p, optimizer: Optimizer(config: config.optimizer, parameterCount: p.count),
                     epoch: 0, best: p, bestScore: -1, bestEpoch: -1, history: [])
    }

    /// Whether the run has ended: the epoch budget is spent or early stopping fired.
    public func isFinished(_ state: State) -> Bool {
        state.epoch >= config.epochs
            || (config.patience > 0 && state.epoch > 0 && state.epoch - 1 - state.bestEpoch >= config.patience)
    }

    /// Runs steps from `state` until the epoch budget or early stopping. `onStep` sees the state
    /// after each step (checkpoints), `onEpoch` after each epoch (progress).
    public func train(from start: State? = nil, gradients: StepGradientSource? = nil,
                      onStep: (State) throws -> Void = { _ in }, onEpoch: (State) throws -> Void = { _ in }) throws -> State {
        var state = start ?? initialState()
        let source = gradients ?? localGradients
        let steps = plan.stepsPerEpoch
        let total = Double(config.epochs * steps)
        var order = plan.order(epoch: state.epoch)
        while !isFinished(state) {
            if order.epoch != state.epoch { order = plan.order(epoch: state.epoch) }
            while state.step < steps {
                let slices = (0..<plan.shards.count).map { order.slice(step: state.step, shard: $0) }
                let results = try source(state.parameters, state.epoch, state.step, slices)
                precondition(results.sums.count == slices.count, "loss sums for \(results.sums.count) of \(slices.count) shards")
                var queries = 0
                for r in results.sums {
                    queries += r.queries
                    state.partial.loss += r.loss
                    state.partial.clickLoss += r.clickLoss
                    state.partial.labelLoss += r.labelLoss
                }
                if queries > 0 {
                    // Summed by the tree, in Double: the result does not depend on who computed what.
                    guard var sum = gradientTree.total(results.parts), sum.count == state.parameters.count else {
                        preconditionFailure("the step's gradient parts do not cover every shard with \(state.parameters.count) values")
                    }
                    state.partialQueries += queries
                    let scale = 1 / Double(queries)
                    for i in sum.indices { sum[i] *= scale }
                    let progress = Double(state.epoch * steps + state.step) / total
                    state.optimizer.apply(gradient: sum, to: &state.parameters, progress: progress)
                }
                state.step += 1
                try onStep(state)
            }
            var record = state.partial
            let n = Double(max(state.partialQueries, 1))
            record.epoch = state.epoch
            record.loss /= n
            record.clickLoss /= n
            record.labelLoss /= n
            // A diverged run would end with a model of NaNs (and a history JSON cannot hold):
            // stop at the first epoch whose loss is not a number, and say which setting to change.
            guard record.loss.isFinite else {
                throw TrainingDiverged(epoch: state.epoch + 1, learningRate: config.optimizer.learningRate, clip: config.optimizer.clipNorm)
            }
            record.validation = validationScore(state.parameters)
            state.history.append(record)
            // Without validation queries nothing is selected: the last epoch is the model.
            if validation.queries.isEmpty || record.validation > state.bestScore {
                state.bestScore = record.validation
                state.best = state.parameters
                state.bestEpoch = state.epoch
            }
            state.epoch += 1
            state.step = 0
            state.partial = EpochRecord(epoch: state.epoch, loss: 0, clickLoss: 0, labelLoss: 0, validation: 0)
            state.partialQueries = 0
            try onEpoch(state)
        }
        return state
    }

    /// Mean validation metric of parameters (labels of the validation set as judgments).
    public func validationScore(_ parameters: [Float]) -> Double {
        guard !validation.queries.isEmpty else { return 0 }
        let run = Scoring.run(ranker: ranker, parameters: parameters, dataset: validation, pairOffsets: pairOffsets)
        let evaluator = Evaluator(metrics: [config.validationMetric])
        let per = evaluator.perQuery(qrels: validation.qrels, run: run)
        return Evaluator.mean(per, metrics: [config.validationMetric])[config.validationMetric] ?? 0
    }
}

/// Scores data sets with a ranker.
public enum Scoring {
    /// `pairOffsets` adds the pair terms of queries the model trained on: a query's list must
    /// start with its training candidates, in their order; documents after them (negatives
    /// added at test time) have no term.
    public static func run(ranker: MLPRanker, parameters: [Float], dataset: RankingDataset, tag: String = "famol",
                           pairOffsets: [String: Range<Int>] = [:]) -> TrecRun {
        var run = TrecRun(tag: tag)
        for q in dataset.queries where q.count > 0 {
            var s = ranker.scores(parameters: parameters, features: q.features, rows: q.count)
            if let terms = pairOffsets[q.id] {
                let base = ranker.layout.pairTermOffset + terms.lowerBound
                for i in 0..<min(q.count, terms.count) { s[i] += parameters[base + i] }
            }
            run.results[q.id] = zip(q.docIDs, s).map { TrecRun.Entry(docID: $0, score: Double($1)) }
        }
        return run
    }
}

/// Training produced a loss that is not a number: the settings, not the data, are at fault.
public struct TrainingDiverged: Error, CustomStringConvertible {
    public let epoch: Int
    public let learningRate: Double
    public let clip: Double

    public var description: String {
        "training diverged: the loss of epoch \(epoch) is not a number (learning rate \(learningRate), gradient clip \(clip == 0 ? "off" : "\(clip)")); lower --lr (training.learning_rate) or clip gradients (--clip)"
    }
}
