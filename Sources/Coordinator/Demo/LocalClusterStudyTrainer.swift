import Foundation
import Ranking

/// Trains each model of the study on a local cluster: `famol local --workers N train --spec F`,
/// a coordinator and N famol-worker processes on 127.0.0.1, exactly as a user would run it.
struct LocalClusterStudyTrainer: StudyTrainer {
    let workers: Int

    func train(_ spec: TrainingSpec, directory: String) throws -> StudyModel {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let logPath = directory + "/train.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        // The spec travels as a file: every setting it has reaches the workers, and the model's
        // config hash proves that the run trained it.
        let specPath = directory + "/spec.json"
        try AtomicFile.write(spec.json + "\n", to: specPath)
        let status = try runFamolChild(["local", "--workers", String(workers), "train", "--spec", specPath, "--out", directory], log: log)
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
}
