import Foundation
import Ranking

/// Trains each model of the study on a local cluster: `famol local --workers N train ...`,
/// a coordinator and N famol-worker processes on 127.0.0.1, exactly as a user would run it.
struct LocalClusterStudyTrainer: StudyTrainer {
    let workers: Int

    func train(_ spec: TrainingSpec, directory: String) throws -> StudyModel {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let logPath = directory + "/train.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        let status = try runFamolChild(["local", "--workers", String(workers), "train"] + Self.arguments(spec) + ["--out", directory], log: log)
        if status != 0 {
            let tail = (try? String(contentsOfFile: logPath, encoding: .utf8))?.split(separator: "\n").suffix(5).joined(separator: "\n") ?? ""
            throw ClusterTrainingFailed(status: status, log: logPath, tail: tail)
        }
        return try StudyModel.read(directory: directory, expecting: spec)
    }

    struct ClusterTrainingFailed: Error, CustomStringConvertible {
        var status: Int32
        var log: String
        var tail: String
        var description: String { "training on the local cluster failed (status \(status)); its log is \(log):\n\(tail)" }
    }

    /// The `famol train` flags that reproduce a spec; the model's config hash proves they did.
    static func arguments(_ spec: TrainingSpec) -> [String] {
        let c = spec.config, o = spec.objective
        var args = ["--train", spec.trainPath, "--valid", spec.validPath]
        if let p = spec.testPath { args += ["--test", p] }
        if let p = spec.clicksPath { args += ["--clicks", p] }
        if let p = spec.labelsPath { args += ["--labels", p] }
        if let p = spec.bandsPath { args += ["--bands", p] }
        args += [
            "--supervision", o.supervision.rawValue, "--epochs", String(c.epochs), "--seed", String(c.seed),
            "--shards", String(c.shards), "--batch", String(c.batchQueries), "--layers", c.hidden.map(String.init).joined(separator: ","),
            "--loss", o.labelLoss.rawValue, "--click-estimator", o.clickEstimator.rawValue,
            "--propensities", o.propensities.map { "\($0)" }.joined(separator: ","),
            "--schedule-first", o.schedule.clicksFirst ? "clicks" : "labels", "--stage-epochs", String(o.schedule.firstStageEpochs),
            "--first-stage-bands", o.schedule.firstStageBands.sorted().map(\.rawValue).joined(separator: ","),
            "--second-stage-bands", o.schedule.secondStageBands.sorted().map(\.rawValue).joined(separator: ","),
            "--optimizer", c.optimizer.kind.rawValue, "--lr", "\(c.optimizer.learningRate)", "--lr-schedule", c.optimizer.schedule.rawValue,
            "--weight-decay", "\(c.optimizer.weightDecay)", "--clip", "\(c.optimizer.clipNorm)", "--patience", String(c.patience),
        ]
        switch o.weighting {
        case let .bands(high, mid, low): args += ["--famol-weights", "\(high),\(mid),\(low)"]
        case let .smooth(gamma, threshold): args += ["--famol-smooth", "\(gamma),\(threshold)"]
        }
        return args
    }
}
