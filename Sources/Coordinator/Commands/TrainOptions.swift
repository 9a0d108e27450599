import ArgumentParser
import Foundation
import Ranking

/// Model, loss and optimizer flags of `famol train`: each is a setting of `TrainSettings.table`,
/// which gives its help line and checks its value as it checks the config key; flags override
/// `--config`.
struct TrainOptions: ParsableArguments {
    @Option(help: "TOML file of settings (training.*, famol.*, seed: the keys famol study and demo take, and cluster.*); flags override it.")
    var config: String?
    @Option(help: help("training.supervision")) var supervision: String?
    @Option(help: help("training.epochs")) var epochs: String?
    @Option(help: help("seed")) var seed: String?
    @Option(help: help("training.shards")) var shards: String?
    @Option(help: help("training.batch")) var batch: String?
    @Option(help: help("training.layers")) var layers: String?
    @Option(help: help("training.loss")) var loss: String?
    @Option(help: help("training.click_estimator")) var clickEstimator: String?
    @Option(help: help("training.propensities")) var propensities: String?
    @Option(help: help("famol.weights")) var famolWeights: String?
    @Option(help: help("famol.smooth")) var famolSmooth: String?
    @Option(help: help("famol.schedule_first")) var scheduleFirst: String?
    @Option(help: help("famol.schedule_first_stage_epochs")) var stageEpochs: String?
    @Option(help: help("famol.first_stage_bands")) var firstStageBands: String?
    @Option(help: help("famol.second_stage_bands")) var secondStageBands: String?
    @Option(help: help("training.optimizer")) var optimizer: String?
    @Option(help: help("training.learning_rate")) var lr: String?
    @Option(help: help("training.lr_schedule")) var lrSchedule: String?
    @Option(help: help("training.weight_decay")) var weightDecay: String?
    @Option(help: help("training.clip")) var clip: String?
    @Option(help: help("training.patience")) var patience: String?

    private static func help(_ key: String) -> ArgumentHelp {
        ArgumentHelp(TrainSettings.table.flagHelp(key, defaults: TrainSettings()))
    }

    /// Each flag with its key (nil: not given).
    var given: [(key: String, text: String?)] {
        [
            ("training.supervision", supervision),
            ("training.epochs", epochs),
            ("seed", seed),
            ("training.shards", shards),
            ("training.batch", batch),
            ("training.layers", layers),
            ("training.loss", loss),
            ("training.click_estimator", clickEstimator),
            ("training.propensities", propensities),
            ("famol.weights", famolWeights),
            ("famol.smooth", famolSmooth),
            ("famol.schedule_first", scheduleFirst),
            ("famol.schedule_first_stage_epochs", stageEpochs),
            ("famol.first_stage_bands", firstStageBands),
            ("famol.second_stage_bands", secondStageBands),
            ("training.optimizer", optimizer),
            ("training.learning_rate", lr),
            ("training.lr_schedule", lrSchedule),
            ("training.weight_decay", weightDecay),
            ("training.clip", clip),
            ("training.patience", patience),
        ]
    }

    /// Defaults, then the config file, then the flags given (the cluster's too).
    func settings(cluster: ClusterOptions) throws -> (training: TrainSettings, cluster: ClusterSettings) {
        var t = TrainSettings()
        var c = ClusterSettings()
        if let config { try ConfigFiles.apply(config, TrainSettings.table, to: &t, cluster: &c) }
        try TrainSettings.table.applyCommandLine(given, to: &t)
        return (t, try cluster.resolved(over: c))
    }
}

extension Supervision: ExpressibleByArgument {}
extension ListLoss: ExpressibleByArgument {}
extension ClickEstimator: ExpressibleByArgument {}
extension OptimizerConfig.Kind: ExpressibleByArgument {}
extension OptimizerConfig.LRSchedule: ExpressibleByArgument {}
extension ClickModelKind: ExpressibleByArgument {}
