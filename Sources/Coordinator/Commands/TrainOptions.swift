import ArgumentParser
import Foundation
import Ranking

/// Model, loss and optimizer options shared by the commands that train.
struct TrainOptions: ParsableArguments {
    @Option(help: "Supervision: labels, clicks, famol or schedule.") var supervision: Supervision = .labels
    @Option(help: "Epochs (the most; early stopping may end sooner).") var epochs = 40
    @Option(help: "Seed of initialisation and shuffling.") var seed: UInt64 = 42
    @Option(help: "Virtual shards S (fixed per run, independent of workers).") var shards = 8
    @Option(help: "Queries per optimizer step, over all shards.") var batch = 32
    @Option(help: "Hidden layer widths, e.g. 64,32.") var layers = "64,32"
    @Option(help: "Label loss: softmax, listmle or ranknet.") var loss: ListLoss = .softmax
    @Option(help: "Click estimator: naive, ips or dla.") var clickEstimator: ClickEstimator = .dla
    @Option(help: "IPS propensities per position, comma-separated (default 1/(k+1)).") var propensities: String?
    @Option(help: "FAMOL click weights a(f) for high,mid,low bands.") var famolWeights = "0.8,0.5,0.2"
    @Option(help: "Smooth FAMOL weights 'gamma,threshold': a(f) = sigmoid(gamma (log(1+f) - threshold)).") var famolSmooth: String?
    @Option(help: "Schedule: first source, clicks or labels.") var scheduleFirst: ScheduleFirst = .clicks
    @Option(help: "Schedule: epochs of the first stage.") var stageEpochs = 10
    @Option(help: "Schedule: bands the first stage trains on, e.g. high,mid.") var firstStageBands = "high,mid,low"
    @Option(help: "Schedule: bands the second stage trains on.") var secondStageBands = "high,mid,low"
    @Option(help: "Optimizer: adam or adamw.") var optimizer: OptimizerConfig.Kind = .adam
    @Option(help: "Learning rate.") var lr = 1e-3
    @Option(help: "Learning-rate schedule: constant or cosine.") var lrSchedule: OptimizerConfig.LRSchedule = .constant
    @Option(help: "Weight decay (L2 for adam, decoupled for adamw).") var weightDecay = 0.0
    @Option(help: "Global gradient-norm clip (0 disables).") var clip = 5.0
    @Option(help: "Early-stopping patience in epochs (0 disables).") var patience = 10

    enum ScheduleFirst: String, ExpressibleByArgument { case clicks, labels }

    func trainerConfig() throws -> TrainerConfig {
        guard epochs > 0, shards > 0, batch > 0 else { throw ValidationError("--epochs, --shards and --batch must be positive") }
        var c = TrainerConfig()
        c.hidden = try parseIntList(layers, option: "--layers")
        c.epochs = epochs
        c.seed = seed
        c.shards = shards
        c.batchQueries = batch
        c.patience = patience
        c.optimizer.kind = optimizer
        c.optimizer.learningRate = lr
        c.optimizer.schedule = lrSchedule
        c.optimizer.weightDecay = weightDecay
        c.optimizer.clipNorm = clip
        return c
    }

    func objective() throws -> ObjectiveSpec {
        var o = ObjectiveSpec()
        o.supervision = supervision
        o.labelLoss = loss
        o.clickEstimator = clickEstimator
        if let propensities {
            o.propensities = try parseDoubleList(propensities, option: "--propensities", count: propensities.split(separator: ",").count)
            guard o.propensities.allSatisfy({ $0 > 0 && $0 <= 1 }) else {
                throw ValidationError("--propensities: each value must be in (0, 1]")
            }
        }
        let w = try parseDoubleList(famolWeights, option: "--famol-weights", count: 3)
        guard w.allSatisfy({ (0...1).contains($0) }) else { throw ValidationError("--famol-weights: each weight must be in [0, 1]") }
        o.weighting = .bands(high: w[0], mid: w[1], low: w[2])
        if let famolSmooth {
            let s = try parseDoubleList(famolSmooth, option: "--famol-smooth", count: 2)
            o.weighting = .smooth(gamma: s[0], threshold: s[1])
        }
        o.schedule = Schedule(clicksFirst: scheduleFirst == .clicks, firstStageEpochs: stageEpochs,
                              firstStageBands: try bandSet(firstStageBands, option: "--first-stage-bands"),
                              secondStageBands: try bandSet(secondStageBands, option: "--second-stage-bands"))
        return o
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
