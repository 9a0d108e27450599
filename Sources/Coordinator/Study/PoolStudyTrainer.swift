import Cluster
import Foundation
import Ranking

/// Trains a study's models one after another as jobs of a cluster whose workers outlive each
/// job: `coordinator` hands the next training to the pool (a new Welcome) and returns its
/// coordinator once workers are ready. The models are the in-process ones, bit for bit.
final class PoolStudyTrainer: StudyTrainer, @unchecked Sendable {
    typealias Handover = (_ job: ClusterJob, _ datasetHash: String, _ trainer: Trainer) throws -> ClusterCoordinator
    private let lock = NSLock()
    private let handover: Handover

    init(handover: @escaping Handover) {
        self.handover = handover
    }

    func train(_ spec: TrainingSpec, directory: String) throws -> StudyModel {
        lock.lock()
        defer { lock.unlock() }
        // The job as a file beside its model: what the workers were handed, to rerun it alone.
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try AtomicFile.write(spec.json + "\n", to: directory + "/spec.json")
        let loaded = try TrainingJob.loadTrainer(spec)
        let c = try handover(.train(spec), try spec.datasetHash(), loaded.0)
        let outcome = try TrainingJob(spec: spec, outputDirectory: directory).run(loaded: loaded, gradients: c.gradientSource)
        return StudyModel(ranker: loaded.0.ranker, parameters: outcome.state.best, history: outcome.state.history,
                          bestEpoch: outcome.state.bestEpoch, pairOffsets: loaded.0.pairOffsets)
    }
}
