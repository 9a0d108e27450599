import ArgumentParser
import Foundation
import Ranking

/// Model, loss and optimizer flags of `famol train`; each overrides `--config` (TrainSettings).
struct TrainOptions: ParsableArguments {
    @Option(help: "TOML file of settings (training.*, famol.*, seed: the keys famol study and demo take); flags override it.")
    var config: String?
    @Option(help: "Supervision: labels (default), clicks, famol or schedule.") var supervision: Supervision?
    @Option(help: "Epochs (default 40; the most: early stopping may end sooner).") var epochs: Int?
    @Option(help: "Seed of initialisation and shuffling (default 42).") var seed: UInt64?
    @Option(help: "Virtual shards S (default 8; fixed per run, independent of workers).") var shards: Int?
    @Option(help: "Queries per optimizer step, over all shards (default 32).") var batch: Int?
    @Option(help: "Hidden layer widths (default 64,32).") var layers: String?
    @Option(help: "Label loss: softmax (default), listmle or ranknet.") var loss: ListLoss?
    @Option(help: "Click estimator: naive, ips or dla (default).") var clickEstimator: ClickEstimator?
    @Option(help: "IPS propensities per position, comma-separated (default 1/(k+1)).") var propensities: String?
    @Option(help: "FAMOL click weights a(f) for high,mid,low bands (default 0.8,0.5,0.2).") var famolWeights: String?
    @Option(help: "Smooth FAMOL weights 'gamma,threshold': a(f) = sigmoid(gamma (log(1+f) - threshold)).") var famolSmooth: String?
    @Option(help: "Schedule: first source, clicks (default) or labels.") var scheduleFirst: TrainSettings.ScheduleFirst?
    @Option(help: "Schedule: epochs of the first stage (default 10).") var stageEpochs: Int?
    @Option(help: "Schedule: bands the first stage trains on, e.g. high,mid (default all).") var firstStageBands: String?
    @Option(help: "Schedule: bands the second stage trains on (default all).") var secondStageBands: String?
    @Option(help: "Optimizer: adam (default) or adamw.") var optimizer: OptimizerConfig.Kind?
    @Option(help: "Learning rate (default 0.001).") var lr: Double?
    @Option(help: "Learning-rate schedule: constant (default) or cosine.") var lrSchedule: OptimizerConfig.LRSchedule?
    @Option(help: "Weight decay (default 0; L2 for adam, decoupled for adamw).") var weightDecay: Double?
    @Option(help: "Global gradient-norm clip (default 5; 0 disables).") var clip: Double?
    @Option(help: "Early-stopping patience in epochs (default 10; 0 disables).") var patience: Int?

    /// Defaults, then the config file, then the flags given.
    func settings() throws -> TrainSettings {
        var t = TrainSettings()
        if let config { try ConfigFiles.apply(config, TrainSettings.table, to: &t) }
        if let supervision { t.supervision = supervision }
        if let epochs { t.epochs = epochs }
        if let seed { t.seed = seed }
        if let shards { t.shards = shards }
        if let batch { t.batch = batch }
        if let layers { t.layers = try parseIntList(layers, option: "--layers") }
        if let loss { t.loss = loss }
        if let clickEstimator { t.clickEstimator = clickEstimator }
        if let propensities {
            t.propensities = try parseDoubleList(propensities, option: "--propensities", count: propensities.split(separator: ",").count)
        }
        if let famolWeights { t.famolWeights = try parseDoubleList(famolWeights, option: "--famol-weights", count: 3) }
        if let famolSmooth { t.famolSmooth = try parseDoubleList(famolSmooth, option: "--famol-smooth", count: 2) }
        if let scheduleFirst { t.scheduleFirst = scheduleFirst }
        if let stageEpochs { t.stageEpochs = stageEpochs }
        if let firstStageBands { t.firstStageBands = try bandSet(firstStageBands, option: "--first-stage-bands") }
        if let secondStageBands { t.secondStageBands = try bandSet(secondStageBands, option: "--second-stage-bands") }
        if let optimizer { t.optimizer = optimizer }
        if let lr { t.learningRate = lr }
        if let lrSchedule { t.lrSchedule = lrSchedule }
        if let weightDecay { t.weightDecay = weightDecay }
        if let clip { t.clip = clip }
        if let patience { t.patience = patience }
        guard t.epochs > 0, t.shards > 0, t.batch > 0 else { throw ValidationError("--epochs, --shards and --batch must be positive") }
        if let p = t.propensities, !p.allSatisfy({ $0 > 0 && $0 <= 1 }) {
            throw ValidationError("--propensities: each value must be in (0, 1]")
        }
        guard t.famolWeights.allSatisfy({ (0...1).contains($0) }) else { throw ValidationError("--famol-weights: each weight must be in [0, 1]") }
        return t
    }
}

func bandSet(_ text: String, option: String) throws -> Set<Band> {
    let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let bands = names.compactMap { Band(rawValue: $0) }
    guard !bands.isEmpty, bands.count == names.count else {
        throw ValidationError("\(option): '\(text)' is not a comma-separated list of high, mid and low")
    }
    return Set(bands)
}

extension Supervision: ExpressibleByArgument {}
extension ListLoss: ExpressibleByArgument {}
extension ClickEstimator: ExpressibleByArgument {}
extension OptimizerConfig.Kind: ExpressibleByArgument {}
extension OptimizerConfig.LRSchedule: ExpressibleByArgument {}
extension ClickModelKind: ExpressibleByArgument {}
