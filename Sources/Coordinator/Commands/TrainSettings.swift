import ArgumentParser
import FamolConfig
import Ranking

/// Every setting of `famol train` a config file or a flag may give: defaults, then the file
/// (`--config`), then flags. The study's `training.*`, `famol.*` and `seed` keys mean the same here.
struct TrainSettings {
    enum ScheduleFirst: String, ExpressibleByArgument { case clicks, labels }

    var supervision = Supervision.labels
    var epochs = 40
    var seed: UInt64 = 42
    var shards = 8
    var batch = 32
    var layers = [64, 32]
    var loss = ListLoss.softmax
    var clickEstimator = ClickEstimator.dla
    var propensities: [Double]? = nil
    var famolWeights = [0.8, 0.5, 0.2]
    var famolSmooth: [Double]? = nil
    var scheduleFirst = ScheduleFirst.clicks
    var stageEpochs = 10
    var firstStageBands = Set(Band.allCases)
    var secondStageBands = Set(Band.allCases)
    var optimizer = OptimizerConfig.Kind.adam
    var learningRate = 1e-3
    var lrSchedule = OptimizerConfig.LRSchedule.constant
    var weightDecay = 0.0
    var clip = 5.0
    var patience = 10

    static var table: SettingsTable<TrainSettings> {
        SettingsTable(command: "train", [
            Setting("seed", "seed of initialisation and shuffling") { t, v in t.seed = UInt64(try v.int(min: 0)) },
            Setting("training.supervision", "labels, clicks, famol or schedule") { t, v in
                t.supervision = try v.choice(Supervision.self, "labels, clicks, famol, schedule")
            },
            Setting("training.epochs", "epochs (the most; early stopping may end sooner)") { t, v in t.epochs = try v.int(min: 1) },
            Setting("training.shards", "virtual shards (fixed per run, independent of workers)") { t, v in t.shards = try v.int(min: 1) },
            Setting("training.batch", "queries per optimizer step, over all shards") { t, v in t.batch = try v.int(min: 1) },
            Setting("training.layers", "hidden layer widths") { t, v in t.layers = try v.ints(min: 1) },
            Setting("training.loss", "label loss: softmax, listmle or ranknet") { t, v in t.loss = try v.choice(ListLoss.self, "softmax, listmle, ranknet") },
            Setting("training.click_estimator", "naive, ips or dla") { t, v in
                t.clickEstimator = try v.choice(ClickEstimator.self, "naive, ips, dla")
            },
            Setting("training.propensities", "IPS propensities per position, each in (0, 1]") { t, v in
                t.propensities = try v.doubles(in: 1e-9...1)
            },
            Setting("training.optimizer", "adam or adamw") { t, v in t.optimizer = try v.choice(OptimizerConfig.Kind.self, "adam, adamw") },
            Setting("training.learning_rate", "learning rate") { t, v in t.learningRate = try v.double(in: 1e-9...10) },
            Setting("training.lr_schedule", "constant or cosine") { t, v in
                t.lrSchedule = try v.choice(OptimizerConfig.LRSchedule.self, "constant, cosine")
            },
            Setting("training.weight_decay", "L2 for adam, decoupled for adamw") { t, v in t.weightDecay = try v.double(in: 0...1e3) },
            Setting("training.clip", "global gradient-norm clip (0 disables)") { t, v in t.clip = try v.double(in: 0...1e9) },
            Setting("training.patience", "early-stopping patience in epochs (0 disables)") { t, v in t.patience = try v.int(min: 0) },
            Setting("famol.weights", "click weights [high, mid, low], each in [0, 1]") { t, v in t.famolWeights = try v.doubles(count: 3, in: 0...1) },
            Setting("famol.smooth", "[gamma, threshold]: a(f) = sigmoid(gamma (log(1+f) - threshold))") { t, v in
                t.famolSmooth = try v.doubles(count: 2)
            },
            Setting("famol.schedule_first", "the schedule's first source: clicks or labels") { t, v in
                t.scheduleFirst = try v.choice(ScheduleFirst.self, "clicks, labels")
            },
            Setting("famol.schedule_first_stage_epochs", "epochs of a schedule's first stage") { t, v in t.stageEpochs = try v.int(min: 0) },
            Setting("famol.first_stage_bands", "bands the first stage trains on") { t, v in t.firstStageBands = try Self.bands(v) },
            Setting("famol.second_stage_bands", "bands the second stage trains on") { t, v in t.secondStageBands = try Self.bands(v) },
        ])
    }

    private static func bands(_ v: ConfigValue) throws -> Set<Band> {
        let names = try v.strings()
        let bands = names.compactMap(Band.init(rawValue:))
        guard !bands.isEmpty, bands.count == names.count else { throw v.error("expected a list of high, mid and low") }
        return Set(bands)
    }

    func trainerConfig() -> TrainerConfig {
        var c = TrainerConfig()
        c.hidden = layers
        c.epochs = epochs
        c.seed = seed
        c.shards = shards
        c.batchQueries = batch
        c.patience = patience
        c.optimizer.kind = optimizer
        c.optimizer.learningRate = learningRate
        c.optimizer.schedule = lrSchedule
        c.optimizer.weightDecay = weightDecay
        c.optimizer.clipNorm = clip
        return c
    }

    func objective() -> ObjectiveSpec {
        var o = ObjectiveSpec()
        o.supervision = supervision
        o.labelLoss = loss
        o.clickEstimator = clickEstimator
        if let propensities { o.propensities = propensities }
        o.weighting = .bands(high: famolWeights[0], mid: famolWeights[1], low: famolWeights[2])
        if let s = famolSmooth { o.weighting = .smooth(gamma: s[0], threshold: s[1]) }
        o.schedule = Schedule(clicksFirst: scheduleFirst == .clicks, firstStageEpochs: stageEpochs,
                              firstStageBands: firstStageBands, secondStageBands: secondStageBands)
        return o
    }
}
