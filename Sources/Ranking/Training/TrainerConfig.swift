/// Settings of a training run; every field has a command-line flag.
public struct TrainerConfig: Sendable, Codable, Equatable {
    public var hidden: [Int] = [64, 32]
    public var epochs: Int = 40
    /// Queries per step, over all shards.
    public var batchQueries: Int = 32
    /// Virtual shards S; fixed per run, independent of the number of workers.
    public var shards: Int = 8
    public var seed: UInt64 = 42
    public var optimizer = OptimizerConfig()
    /// Epochs without a better validation score before stopping; 0 never stops early.
    public var patience: Int = 10
    /// The validation metric that picks the best checkpoint.
    public var validationMetric: Metric = .ndcg(10)
    /// Positions the DLA propensity model covers.
    public var propensityPositions: Int = 10

    public init() {}
}

/// One epoch's record, for logs, reports and loss curves.
public struct EpochRecord: Sendable, Codable, Equatable {
    public var epoch: Int
    public var loss: Double
    public var clickLoss: Double
    public var labelLoss: Double
    public var validation: Double
}
