/// How the study trains and tests.
public enum StudyProtocol: String, Sendable, Codable, CaseIterable {
    /// The paper's TianGong-ST setting: clicks and judge labels of the evaluated queries train
    /// the ranker (with per query-document terms), human judgments only evaluate it.
    case transductive
    /// k-fold cross-validation over queries: a query's own supervision never reaches its ranking.
    case crossValidation = "cross-validation"
}

/// Settings of the study that `famol demo` runs; every field can be set from a config file.
public struct StudyConfig: Sendable {
    public var candidates = 20
    public var studyProtocol = StudyProtocol.transductive
    /// Folds of the cross-validation protocol.
    public var folds = 5
    /// The simulated world; its click settings hold the logging policy and traffic.
    public var world = WorldConfig()
    public var trainer = TrainerConfig()
    /// Seeds of the simulated world (clicks, document quality) and of training, crossed:
    /// every query's metric is averaged over all of them before any test.
    public var simulationSeeds = 5
    public var trainingSeeds = 3
    /// The per query-document terms of the transductive protocol. A judged list counts as
    /// one observation per candidate, as many as the clicks of that many impressions' single
    /// clicks: with 1, an oracle with every gold grade would be held back like a query with one click.
    public var pairTerms = PairTerms(regularization: 1, labelEvidence: 20)
    /// FAMOL's per-band click weights and its smooth variant's settings.
    public var famolBands = FamolWeighting.standard
    /// nil: gamma 2 and the threshold at the median log(1 + f) of the study's queries.
    public var famolSmooth: FamolWeighting? = nil
    /// Data scheduling: epochs of the first stage.
    public var scheduleFirstStageEpochs = 10
    /// Runs the feature-group ablation.
    public var ablation = true
    /// Runs the negative control: no document quality and the same traffic for every query.
    public var negativeControl = true
    /// Runs the true-negative analysis on the negatives the inputs bring (random and hard).
    public var trueNegatives = true
    /// Permutations of the paired randomization tests.
    public var permutations = 10_000
    /// Limits the study to the first N queries (for quick checks); nil uses all.
    public var queryLimit: Int? = nil
    /// The metrics reported; `ndcg@10` orders the "best single source".
    public var metrics: [Metric] = [.ndcg(1), .ndcg(3), .ndcg(5), .ndcg(10), .err(10), .mrr]

    public init() {
        // No model selection: a fixed budget of epochs, the last one kept (selecting on human
        // judgments would leak them into every arm).
        trainer.epochs = 30
        trainer.patience = 0
        trainer.optimizer.learningRate = 1e-2
    }

    /// Seeds of one run: simulation s, training t.
    public func simulationSeed(_ s: Int) -> UInt64 { world.clicks.seed &+ UInt64(s) &* 1_000 }
    public func trainingSeed(_ t: Int) -> UInt64 { trainer.seed &+ UInt64(t) &* 1_000 }
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
