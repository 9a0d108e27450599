/// Settings of the per-band study that `famol demo` runs.
public struct StudyConfig: Sendable {
    public var candidates = 20
    public var folds = 5
    public var clicks = ClickSimulationConfig()
    public var trainer = TrainerConfig()
    public var methods: [StudyMethod] = StudyMethod.standard
    /// Limits the study to the first N queries (for quick checks); nil uses all.
    public var queryLimit: Int? = nil
    /// Labels the label-supervised models train on (a judge's); nil trains on the data set's
    /// own labels. Validation and test always use the data set's own (human) labels.
    public var trainingLabels: Qrels? = nil

    public init() {
        trainer.epochs = 40
        trainer.patience = 10
        trainer.optimizer.learningRate = 3e-3
        clicks.impressions = 20_000
    }
}

/// One trained method of the study.
public struct StudyMethod: Sendable {
    public var name: String
    public var objective: Objective

    public init(name: String, objective: Objective) {
        self.name = name
        self.objective = objective
    }

    public static let standard: [StudyMethod] = [
        StudyMethod(name: "clicks (DLA)", objective: Objective(supervision: .clicks, clickLoss: ClickLoss(estimator: .dla))),
        StudyMethod(name: "labels", objective: Objective(supervision: .labels)),
        StudyMethod(name: "FAMOL", objective: Objective(supervision: .famol, clickLoss: ClickLoss(estimator: .dla))),
    ]
}
