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

    /// Each setting once: its config key, its flag, its check and its help line.
    static var table: SettingsTable<TrainSettings> {
        SettingsTable(command: "train", [
            Setting("seed", "seed of initialisation and shuffling", \.seed) { UInt64(try $0.int(min: 0)) },
            Setting("training.supervision", "supervision: labels, clicks, famol or schedule", \.supervision) {
                try $0.choice(Supervision.self, "labels, clicks, famol, schedule")
            },
            Setting("training.epochs", "epochs (the most; early stopping may end sooner)", \.epochs) { try $0.int(min: 1) },
            Setting("training.shards", "virtual shards (fixed per run, independent of workers)", \.shards) { try $0.int(min: 1) },
            Setting("training.batch", "queries per optimizer step, over all shards", \.batch) { try $0.int(min: 1) },
            Setting("training.layers", "hidden layer widths", \.layers) { try $0.ints(min: 1) },
            Setting("training.loss", "label loss: softmax, listmle or ranknet", \.loss) { try $0.choice(ListLoss.self, "softmax, listmle, ranknet") },
            Setting("training.click_estimator", "click estimator: naive, ips or dla", \.clickEstimator) {
                try $0.choice(ClickEstimator.self, "naive, ips, dla")
            },
            Setting("training.propensities", "IPS propensities per position, each in (0, 1] (default 1/(k+1))", \.propensities) {
                try $0.doubles(in: 1e-9...1)
            },
            Setting("training.optimizer", "optimizer: adam or adamw", \.optimizer) { try $0.choice(OptimizerConfig.Kind.self, "adam, adamw") },
            Setting("training.learning_rate", "learning rate", flag: "--lr", \.learningRate) { try $0.double(in: 1e-9...10) },
            Setting("training.lr_schedule", "learning-rate schedule: constant or cosine", \.lrSchedule) {
                try $0.choice(OptimizerConfig.LRSchedule.self, "constant, cosine")
            },
            Setting("training.weight_decay", "weight decay: L2 for adam, decoupled for adamw", \.weightDecay) { try $0.double(in: 0...1e3) },
            Setting("training.clip", "global gradient-norm clip (0 disables)", \.clip) { try $0.double(in: 0...1e9) },
            Setting("training.patience", "early-stopping patience in epochs (0 disables)", \.patience) { try $0.int(min: 0) },
            Setting("famol.weights", "FAMOL click weights a(f) for high, mid, low, each in [0, 1]", flag: "--famol-weights", \.famolWeights) {
                try $0.doubles(count: 3, in: 0...1)
            },
            Setting("famol.smooth", "smooth FAMOL weights [gamma, threshold]: a(f) = sigmoid(gamma (log(1+f) - threshold))",
                    flag: "--famol-smooth", \.famolSmooth) { try $0.doubles(count: 2) },
            Setting("famol.schedule_first", "the schedule's first source: clicks or labels", \.scheduleFirst) {
                try $0.choice(ScheduleFirst.self, "clicks, labels")
            },
            Setting("famol.schedule_first_stage_epochs", "epochs of a schedule's first stage", flag: "--stage-epochs", \.stageEpochs) {
                try $0.int(min: 0)
            },
            Setting("famol.first_stage_bands", "bands a schedule's first stage trains on", \.firstStageBands) { try Self.bands($0) },
            Setting("famol.second_stage_bands", "bands a schedule's second stage trains on", \.secondStageBands) { try Self.bands($0) },
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
