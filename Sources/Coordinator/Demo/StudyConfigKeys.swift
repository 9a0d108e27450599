import FamolConfig
import Ranking

extension StudyConfig {
    /// The study settings `famol demo` and `famol study` share.
    static var settings: [Setting<StudyConfig>] {
        [
            Setting("study.protocol", "transductive or cross-validation") { c, v in
                c.studyProtocol = try v.choice(StudyProtocol.self, "transductive or cross-validation")
            },
            Setting("study.folds", "folds of cross-validation", \.folds) { try $0.int(min: 2) },
            Setting("study.ablation", "feature-group ablation on/off", \.ablation) { try $0.bool() },
            Setting("study.negative_control", "the negative control on/off", \.negativeControl) { try $0.bool() },
            Setting("study.training_seeds", "trainings per world and arm", \.trainingSeeds) { try $0.int(min: 1) },
            Setting("study.permutations", "permutations of the randomization tests", \.permutations) { try $0.int(min: 1) },
            Setting("pair_terms.regularization", "prior strength of the per query-document terms") { c, v in
                c.pairTerms.regularization = try v.double(in: 0...1e9)
            },
            Setting("pair_terms.label_evidence", "clicks one judge label counts as") { c, v in
                c.pairTerms.labelEvidence = try v.double(in: 0...1e9)
            },
            Setting("training.epochs", "epochs per model (no early stopping in a study)", \.trainer.epochs) { try $0.int(min: 1) },
            Setting("training.learning_rate", "Adam learning rate", \.trainer.optimizer.learningRate) { try $0.double(in: 1e-9...10) },
            Setting("training.layers", "hidden layer widths", \.trainer.hidden) { try $0.ints(min: 1) },
            Setting("training.batch", "queries per step", \.trainer.batchQueries) { try $0.int(min: 1) },
            Setting("training.shards", "virtual shards", \.trainer.shards) { try $0.int(min: 1) },
            Setting("famol.weights", "click weights [high, mid, low], each in [0, 1]") { c, v in
                let w = try v.doubles(count: 3, in: 0...1)
                c.famolBands = .bands(high: w[0], mid: w[1], low: w[2])
            },
            Setting("famol.smooth", "[gamma, threshold] of smooth FAMOL (default: gamma 2, threshold the median log(1+f))") { c, v in
                let s = try v.doubles(count: 2)
                c.famolSmooth = .smooth(gamma: s[0], threshold: s[1])
            },
            Setting("famol.schedule_first_stage_epochs", "epochs of a schedule's first stage") { c, v in
                c.scheduleFirstStageEpochs = try v.int(min: 0)
            },
        ]
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
