/// Settings of the study that `famol demo` runs; every field can be set from a config file.
public struct StudyConfig: Sendable {
    public var candidates = 20
    public var folds = 5
    public var clicks = ClickSimulationConfig()
    public var trainer = TrainerConfig()
    /// FAMOL's per-band click weights and its smooth variant's settings.
    public var famolBands = FamolWeighting.standard
    /// nil: gamma 2 and the threshold at the median log(1 + f) of the study's queries, so that
    /// half the queries lean to clicks and half to labels whatever the traffic volume.
    public var famolSmooth: FamolWeighting? = nil
    /// Data scheduling: epochs of the first stage.
    public var scheduleFirstStageEpochs = 10
    /// True negatives per query in the true-negative analysis; 0 skips it.
    public var trueNegatives = 20
    /// Runs the feature-group ablation.
    public var ablation = true
    /// Permutations of the paired randomization tests.
    public var permutations = 10_000
    /// Limits the study to the first N queries (for quick checks); nil uses all.
    public var queryLimit: Int? = nil
    /// The metrics reported; the first one that is nDCG@10 orders the "best single source".
    public var metrics: [Metric] = [.ndcg(1), .ndcg(3), .ndcg(5), .ndcg(10), .err(10), .mrr]

    public init() {
        trainer.epochs = 40
        trainer.patience = 10
        trainer.optimizer.learningRate = 3e-3
        clicks.impressions = 20_000
    }
}

/// A source of training labels: the primary judge, or one annotation strategy of it.
public struct LabelSource: Sendable {
    /// Short name used in tables and file names, e.g. "pointann".
    public var name: String
    /// What produced the labels, for the report (judge, model, prompt version...).
    public var provenance: String
    public var qrels: Qrels

    public init(name: String, provenance: String, qrels: Qrels) {
        self.name = name
        self.provenance = provenance
        self.qrels = qrels
    }
}
