import Annotation
import Cluster

extension ClusterJob {
    /// The embedded judge's encoding on the workers.
    public static func embed(_ spec: EmbeddingJobSpec) -> ClusterJob {
        ClusterJob(kind: WorkerJobKind.embedName, encoding: spec)
    }
}

extension WorkerJobKind {
    public static let embedName = "embed"

    /// Batches of the embedded judge: the worker loads the coordinator's encoder (or refuses
    /// the job) and encodes each batch in one forward pass, the in-process encoder's bits.
    public static let embed = WorkerJobKind(name: embedName) { job, _ in
        let spec = try job.decodeSpec(EmbeddingJobSpec.self)
        do {
            return .textBatches(try spec.loadEncoder())
        } catch let e as EmbeddingJobSpec.EncoderUnavailable {
            throw WorkerJobRefused(description: e.description)
        }
    }
}

extension MiniLMEncoder: TextBatchEncoder {
    public func encode(batch texts: [String]) -> [[Float]] {
        embed(texts, batchSize: max(1, texts.count))
    }
}
