import Foundation

/// Which worker gets which task: waiting tasks first, then copies of slow ones (stragglers).
extension ClusterCoordinator {
    /// Leases waiting tasks to workers with free credit; when none wait, duplicates old leases
    /// onto idle workers (stragglers); the first result wins.
    func dispatch() {
        if let failure = storeFailure {
            // Nothing more is asked: waiting tasks fail, and calls out are cancelled.
            for (id, task) in tasks where task.output == nil { complete(id, .storeFailed(failure)) }
            return
        }
        // One task per worker per round, so that a step's shards spread over the workers
        // instead of filling the first one's credit.
        var open = workers.keys.filter { workers[$0]!.ready }.sorted { $0.lexicographicallyPrecedes($1) }
        while !open.isEmpty {
            open = open.filter { id in
                while workers[id]!.freeCredit > 0 {
                    let task: UInt64
                    if !pending.isEmpty {
                        task = pending.removeFirst()
                    } else if let t = stragglerTask(for: id) {
                        task = t
                    } else {
                        return false
                    }
                    guard tasks[task]?.output == nil, tasks[task] != nil else { continue }
                    lease(task, to: id)
                    return true
                }
                return false
            }
        }
    }

    func stragglerTask(for worker: [UInt8]) -> UInt64? {
        let policy = settings.straggler
        let sorted = taskSeconds.suffix(200).sorted()
        let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        let minimumAge = max(policy.minimumAgeSeconds, median * policy.duplicateAfterMedians)
        let now = Self.now()
        var copies: [UInt64: Int] = [:]
        for l in leases.values { copies[l.task, default: 0] += 1 }
        let candidates = leases.values
            .filter { tasks[$0.task] != nil && tasks[$0.task]?.output == nil && $0.worker != worker && now - $0.issuedAt > minimumAge }
            .filter { copies[$0.task]! < policy.maxCopies }
            .filter { l in !leases.values.contains { $0.task == l.task && $0.worker == worker } }
            .sorted { $0.issuedAt < $1.issuedAt }
        return candidates.first?.task
    }

    func lease(_ taskID: UInt64, to identity: [UInt8]) {
        let task = tasks[taskID]!
        let id = nextLease
        nextLease += 1
        let now = Self.now()
        leases[id] = Lease(id: id, task: taskID, worker: identity, issuedAt: now, progressAt: now)
        workers[identity]!.leases.insert(id)
        workers[identity]!.freeCredit -= 1
        counters.add("famol_tasks_leased_total")
        switch task.kind {
        case let .gradient(epoch, step, shard, version, examples):
            let needsParams = workers[identity]!.paramsVersion != version
            workers[identity]!.paramsVersion = version
            let assign = WireMessage.AssignGrad(leaseID: id, epoch: UInt32(epoch), step: UInt32(step), shard: UInt32(shard),
                                                paramsVersion: UInt64(version), examples: examples)
            send(to: identity, .assignGrad(assign), frames: needsParams ? [parameters!.frame] : [])
        case let .annotation(_, json, _):
            send(to: identity, .assignAnnotate(leaseID: id, callJSON: json, allowance: task.remainingAllowance))
        case let .embedding(texts):
            send(to: identity, .assignEmbed(leaseID: id, texts: texts))
        }
    }
}
