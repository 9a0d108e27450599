import Foundation
import Ranking

/// A kind of job workers can run: its name (a `ClusterJob`'s kind) and how a worker loads a
/// spec of it. Training is built in; annotation kinds register from `ClusterAnnotation`, so the
/// cluster knows tasks, leases and results, not what a judge is.
public struct WorkerJobKind: Sendable {
    public let name: String
    public let load: @Sendable (_ job: ClusterJob, _ context: WorkerJobContext) throws -> LoadedWorkerJob

    public init(name: String, load: @escaping @Sendable (ClusterJob, WorkerJobContext) throws -> LoadedWorkerJob) {
        self.name = name
        self.load = load
    }

    public static let trainName = "train"

    /// Gradient tasks of a training: loads its data and checks it is the coordinator's.
    public static let train = WorkerJobKind(name: trainName) { job, context in
        let spec = try job.decodeSpec(TrainingSpec.self)
        let hash = try spec.datasetHash(remap: context.remap)
        guard hash == context.datasetHash else {
            throw WorkerJobRefused(description: "dataset hash \(hash.prefix(12)) differs from the coordinator's \(context.datasetHash.prefix(12)): this host's copies of \(spec.trainingFiles.map(context.remap).joined(separator: ", ")) are not the coordinator's")
        }
        return .gradients(try TrainingJob.loadTrainer(spec, remap: context.remap).0)
    }
}

/// What a job kind's loader may use on this worker.
public struct WorkerJobContext: Sendable {
    /// The data set hash of the coordinator's Welcome.
    public let datasetHash: String
    /// Maps the coordinator's file paths to this host's (`--data-dir`).
    public let remap: @Sendable (String) -> String
    /// The worker's own store of metered results (`--store`), if it has one.
    public let storePath: String?

    public init(datasetHash: String, remap: @escaping @Sendable (String) -> String, storePath: String?) {
        self.datasetHash = datasetHash
        self.remap = remap
        self.storePath = storePath
    }
}

/// A loaded job: which of the three task shapes of the wire its tasks take.
public enum LoadedWorkerJob {
    /// Shards of a training step (`AssignGrads`).
    case gradients(Trainer)
    /// Calls that spend a metered allowance, run concurrently (`AssignAnnotate`).
    case meteredCalls(MeteredCallRunner)
    /// Batches of texts encoded in one pass each (`AssignEmbed`).
    case textBatches(TextBatchEncoder)
}

/// Runs a job's metered calls (LLM requests) on a worker: a call's JSON in, its result's JSON
/// out. The worker keeps each result until the coordinator acknowledges it.
public protocol MeteredCallRunner: Sendable {
    /// Calls this worker runs at once for the job (its Ready credit).
    var concurrency: Int { get }
    /// Why every call would fail for good before it is sent (this host's store cannot be
    /// opened), or nil.
    var unusable: String? { get }
    /// Runs one call within `allowance`, checking `isCancelled` before each request it sends.
    func run(callJSON: String, allowance: LeaseAllowance, isCancelled: @escaping @Sendable () -> Bool) -> MeteredCallOutcome
}

/// How a metered call ended on a worker.
public enum MeteredCallOutcome: Sendable {
    /// Stored on this worker (if it has a store) and ready to send: its key and JSON.
    case answered(key: String, resultJSON: String)
    /// What it means for the run, why, and what its attempts spent.
    case failed(TaskFailure.Kind, reason: String, spent: Spend)
}

/// Encodes texts in batches on a worker, one forward pass per batch.
public protocol TextBatchEncoder {
    func encode(batch texts: [String]) -> [[Float]]
}

/// A worker cannot take a job (its data or model is not the coordinator's): it says why and leaves.
public struct WorkerJobRefused: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
