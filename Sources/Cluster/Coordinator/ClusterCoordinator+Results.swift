import Foundation
import Ranking

/// Results from workers (socket thread, lock held): each completes its task, once.
extension ClusterCoordinator {
    // A result completes its task before its lease ends: the lease's end requeues only a task
    // still without an output (a failure), so `famol_tasks_requeued_total` counts requeues.
    /// A worker's computed shards of one step: each completes its task (unless another copy
    /// did first) and ends its lease; the gradient nodes over the shards it completed are kept
    /// for the step's sum.
    func gradientResults(_ r: WireMessage.GradResults, frames: [[UInt8]], from identity: [UInt8], now: Double) {
        defer { for s in r.shards { finishLease(s.leaseID, of: identity, now: now) } }
        guard let trainer else { return drop(identity, .undecodable, "gradients for a job that is not a training") }
        let count = trainer.ranker.layout.parameterCount
        let tree = trainer.gradientTree
        guard let parts = GradientFrame.parts(of: r, frames: frames, tree: tree, count: count) else {
            return drop(identity, .frameMismatch, "gradient nodes that are not the cover of its \(r.shards.count) shards, \(count) values each")
        }
        var completed = Set<Int>()
        for s in r.shards {
            guard let id = gradientTaskIDs[[Int(r.paramsVersion), Int(s.shard)]], tasks[id]?.output == nil,
                  case let .gradient(epoch, step, _, _, _)? = tasks[id]?.kind, epoch == Int(r.epoch), step == Int(r.step) else {
                counters.add("famol_duplicate_results_total")
                continue
            }
            complete(id, .gradient(LossSums(loss: s.loss, clickLoss: s.clickLoss, labelLoss: s.labelLoss, queries: Int(s.queries))),
                     answeredBy: s.leaseID)
            completed.insert(Int(s.shard))
        }
        // A node over a shard completed here is kept (another copy's node over the same shard
        // has the same bits); one over only shards completed before adds nothing.
        for (node, values) in parts where tree.shards(of: node).contains(where: completed.contains) {
            stepParts[Int(r.paramsVersion), default: [:]][node] = values
        }
    }

    func annotationResult(leaseID: UInt64, json: String, from identity: [UInt8], now: Double) {
        guard let key = Self.key(ofResult: json) else {
            finishLease(leaseID, of: identity, now: now)
            return drop(identity, .undecodable, "an annotation result without a key")
        }
        // Stored first, acknowledged after: a result is never lost between the two. A store
        // that fails stops the run: the task is not leased again (that would pay again for an
        // answer that exists), and the worker keeps the answer until a coordinator stores it.
        do { try storeResult?(json) } catch {
            logger.error("cannot store the result for \(key.prefix(12)): \(error); stopping (the worker keeps the answer)")
            storeFailure = storeFailure ?? "\(error)"
            if let id = annotationTaskIDs[key], tasks[id]?.output == nil { complete(id, .storeFailed("\(error)")) }
            finishLease(leaseID, of: identity, now: now)
            return
        }
        send(to: identity, .ack(key: key))
        if let id = annotationTaskIDs[key], tasks[id]?.output == nil {
            complete(id, .annotation(json, failedAttempts: tasks[id]!.spent), answeredBy: leaseID)
        } else {
            counters.add("famol_duplicate_results_total")
        }
        finishLease(leaseID, of: identity, now: now)
    }

    func embeddingResult(leaseID: UInt64, count: Int, dimensions: Int, frames: [[UInt8]], from identity: [UInt8], now: Double) {
        defer { finishLease(leaseID, of: identity, now: now) }
        guard let id = leases[leaseID]?.task, tasks[id]?.output == nil, case let .embedding(texts)? = tasks[id]?.kind else {
            counters.add("famol_duplicate_results_total")
            return
        }
        guard count == texts.count, dimensions > 0, frames.count == 1,
              let values = TensorFrame.floats(frames[0], count: count * dimensions) else {
            return drop(identity, .frameMismatch, "an embedding frame that is not \(texts.count) x \(dimensions) floats")
        }
        complete(id, .embedding((0..<count).map { Array(values[($0 * dimensions)..<(($0 + 1) * dimensions)]) }), answeredBy: leaseID)
    }

    static func key(ofResult json: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["key"] as? String
    }
}
