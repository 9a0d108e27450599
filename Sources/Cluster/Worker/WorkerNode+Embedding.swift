import Annotation
import Foundation

extension WorkerNode {
    /// Encodes one batch in one forward pass (the in-process encoder's batch, so its bits) and
    /// sends the vectors back in one float32 frame.
    func embed(leaseID: UInt64, texts: [String]) {
        guard case .embed(let encoder)? = job?.loaded else {
            return send(.taskFailed(.init(leaseID: leaseID, kind: .retry, reason: "no embedding job loaded yet")))
        }
        tasksStarted += 1
        applyFaults()
        setProgress(lease: leaseID, advance: 1)
        let vectors = encoder.embed(texts, batchSize: max(1, texts.count))
        setProgress(lease: 0, advance: 1)
        let dimensions = vectors.first?.count ?? 0
        send(.embedResult(leaseID: leaseID, count: UInt32(vectors.count), dimensions: UInt32(dimensions)),
             frames: [TensorFrame.bytes(vectors.flatMap { $0 })])
    }
}
