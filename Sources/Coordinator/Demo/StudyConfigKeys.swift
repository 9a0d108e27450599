import Ranking

extension StudyConfig {
    /// The study settings `famol demo` and `famol study` share, with what each does.
    static let configKeys: [(String, String)] = [
        ("study.protocol", "transductive or cross-validation"), ("study.folds", "folds of cross-validation"),
        ("study.ablation", "feature-group ablation on/off"), ("study.negative_control", "the negative control on/off"),
        ("study.training_seeds", "trainings per world and arm"), ("study.permutations", "permutations of the randomization tests"),
        ("pair_terms.regularization", "prior strength of the per query-document terms"), ("pair_terms.label_evidence", "clicks one judge label counts as"),
        ("training.epochs", "epochs per model (no early stopping)"), ("training.learning_rate", "Adam learning rate"),
        ("training.layers", "hidden layer widths"), ("training.batch", "queries per step"), ("training.shards", "virtual shards"),
        ("famol.weights", "click weights [high, mid, low]"), ("famol.smooth", "[gamma, threshold] of smooth FAMOL (default: gamma 2, threshold the median log(1+f))"),
        ("famol.schedule_first_stage_epochs", "epochs of a schedule's first stage"),
    ]

    /// Applies one shared config entry; false when the key is not one of them.
    mutating func apply(_ key: String, _ v: ConfigValue) throws -> Bool {
        switch key {
        case "study.protocol":
            guard let p = StudyProtocol(rawValue: try v.string()) else { throw v.error("must be transductive or cross-validation") }
            studyProtocol = p
        case "study.folds": folds = try v.int(min: 2)
        case "study.ablation": ablation = try v.bool()
        case "study.negative_control": negativeControl = try v.bool()
        case "study.training_seeds": trainingSeeds = try v.int(min: 1)
        case "study.permutations": permutations = try v.int(min: 1)
        case "pair_terms.regularization": pairTerms.regularization = try v.double(in: 0...1e9)
        case "pair_terms.label_evidence": pairTerms.labelEvidence = try v.double(in: 0...1e9)
        case "training.epochs": trainer.epochs = try v.int(min: 1)
        case "training.learning_rate": trainer.optimizer.learningRate = try v.double()
        case "training.layers": trainer.hidden = try v.ints(min: 1)
        case "training.batch": trainer.batchQueries = try v.int(min: 1)
        case "training.shards": trainer.shards = try v.int(min: 1)
        case "famol.weights":
            let w = try v.doubles(count: 3)
            guard w.allSatisfy({ (0...1).contains($0) }) else { throw v.error("weights must be in [0, 1]") }
            famolBands = .bands(high: w[0], mid: w[1], low: w[2])
        case "famol.smooth":
            let s = try v.doubles(count: 2)
            famolSmooth = .smooth(gamma: s[0], threshold: s[1])
        case "famol.schedule_first_stage_epochs": scheduleFirstStageEpochs = try v.int(min: 0)
        default: return false
        }
        return true
    }

    /// The shared settings as the reports print them.
    var reportParameters: [String: String] {
        let s = self
        return [
            "study.protocol": s.studyProtocol.rawValue, "study.folds": String(s.folds), "study.ablation": String(s.ablation),
            "study.negative_control": String(s.negativeControl), "study.training_seeds": String(s.trainingSeeds),
            "study.permutations": String(s.permutations),
            "pair_terms.regularization": "\(s.pairTerms.regularization)", "pair_terms.label_evidence": "\(s.pairTerms.labelEvidence)",
            "training.epochs": String(s.trainer.epochs), "training.learning_rate": "\(s.trainer.optimizer.learningRate)",
            "training.layers": s.trainer.hidden.map(String.init).joined(separator: ","),
            "training.batch": String(s.trainer.batchQueries), "training.shards": String(s.trainer.shards),
            "training.model_selection": "none: the last of training.epochs",
            "famol.weights": BandStudy.describe(s.famolBands),
            "famol.schedule_first_stage_epochs": String(s.scheduleFirstStageEpochs),
            "metric": Metric.ndcg(10).labelled, "label_loss": "softmax",
        ]
    }
}
