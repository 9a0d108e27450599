/// What one shard contributes to a step: the summed gradient and loss parts of its queries.
public struct ShardResult: Sendable, Equatable {
    public var gradient: [Float]
    public var loss: Double
    public var clickLoss: Double
    public var labelLoss: Double
    /// Queries that contributed (had a supervision source at this epoch).
    public var queries: Int

    public init(gradient: [Float], loss: Double, clickLoss: Double, labelLoss: Double, queries: Int) {
        self.gradient = gradient
        self.loss = loss
        self.clickLoss = clickLoss
        self.labelLoss = labelLoss
        self.queries = queries
    }

    public var sums: LossSums { LossSums(loss: loss, clickLoss: clickLoss, labelLoss: labelLoss, queries: queries) }
}

/// A shard's loss sums and the queries that contributed: the part of its result that is
/// summed shard by shard, apart from the gradient.
public struct LossSums: Sendable, Equatable {
    public var loss: Double
    public var clickLoss: Double
    public var labelLoss: Double
    public var queries: Int

    public init(loss: Double, clickLoss: Double, labelLoss: Double, queries: Int) {
        self.loss = loss
        self.clickLoss = clickLoss
        self.labelLoss = labelLoss
        self.queries = queries
    }
}

/// What a step's shards give the trainer: each shard's loss sums, in shard order, and parts of
/// the gradient tree that together cover every shard.
public struct StepGradients: Sendable, Equatable {
    public var sums: [LossSums]
    public var parts: [GradientTree.Node: GradientTree.Values]

    public init(sums: [LossSums], parts: [GradientTree.Node: GradientTree.Values]) {
        self.sums = sums
        self.parts = parts
    }

    /// Every shard's own result: the tree's leaves.
    public init(shards: [ShardResult]) {
        sums = shards.map(\.sums)
        parts = Dictionary(uniqueKeysWithValues: shards.enumerated().map { (GradientTree.Node(level: 0, index: $0.offset), .leaf($0.element.gradient)) })
    }
}

/// The per-shard gradient: a pure function of (parameters, the shard's queries, epoch).
///
/// This is the unit of work the cluster distributes; the same inputs give the same bits in any
/// process (BLAS pinned to one thread).
public enum ShardGradient {
    public static func compute(
        ranker: MLPRanker, parameters: [Float], examples: [TrainingExample], objective: Objective, epoch: Int
    ) -> ShardResult {
        let layout = ranker.layout
        var gradient = [Float](repeating: 0, count: layout.parameterCount)
        let active = examples.filter { objective.clickShare($0, epoch: epoch) != nil }
        guard !active.isEmpty else {
            return ShardResult(gradient: gradient, loss: 0, clickLoss: 0, labelLoss: 0, queries: 0)
        }
        let rows = active.reduce(0) { $0 + $1.query.count }
        var features: [Float] = []
        features.reserveCapacity(rows * layout.inputCount)
        for ex in active { features.append(contentsOf: ex.query.features) }
        let act = ranker.forward(parameters: parameters, features: features, rows: rows)
        let featureScores = act.scores
        var scores = featureScores
        let logits = Array(parameters[layout.propensityOffset..<layout.pairTermOffset])
        var rowOffset = 0
        for ex in active {
            if let slot = ex.pairOffset {
                for i in 0..<ex.query.count { scores[rowOffset + i] += parameters[layout.pairTermOffset + slot + i] }
            }
            rowOffset += ex.query.count
        }
        var scoreGradient = [Float](repeating: 0, count: rows)
        var propensity = [Double](repeating: 0, count: layout.propensityPositions)
        var result = ShardResult(gradient: [], loss: 0, clickLoss: 0, labelLoss: 0, queries: active.count)
        var pairGradient: [(Int, Float)] = []
        var offset = 0
        for ex in active {
            let n = ex.query.count
            let q = objective.evaluate(ex, scores: Array(scores[offset..<(offset + n)]), propensityLogits: logits, epoch: epoch,
                                       featureScores: ex.pairOffset == nil ? nil : Array(featureScores[offset..<(offset + n)]))!
            for i in 0..<n { scoreGradient[offset + i] = Float(q.scoreGradient[i]) }
            if let slot = ex.pairOffset, let terms = objective.pairTerms {
                // b_qd takes the score's gradient plus its prior's: lambda_q b^2, with lambda_q
                // weaker the more evidence the query has (see PairTerms).
                let lambda = terms.regularization(ex, clickShare: objective.clickShare(ex, epoch: epoch)!)
                for i in 0..<n {
                    let j = layout.pairTermOffset + slot + i
                    let b = Double(parameters[j])
                    pairGradient.append((j, Float(q.scoreGradient[i] + 2 * lambda * b)))
                    result.loss += lambda * b * b
                }
            }
            if let pg = q.propensityGradient { for k in pg.indices { propensity[k] += pg[k] } }
            result.loss += q.total
            result.clickLoss += q.click
            result.labelLoss += q.label
            offset += n
        }
        ranker.backward(parameters: parameters, activations: act, scoreGradient: scoreGradient, into: &gradient)
        for k in propensity.indices { gradient[layout.propensityOffset + k] = Float(propensity[k]) }
        for (j, g) in pairGradient { gradient[j] = g }
        result.gradient = gradient
        return result
    }
}
