import Foundation

/// Which worker gets which task: waiting tasks first, then copies of slow ones (stragglers).
extension ClusterCoordinator {
    /// Leases waiting tasks to workers that can take them; when none wait, duplicates old
    /// leases onto idle workers (stragglers); the first result wins. A worker's gradient shards
    /// of one round leave in one `AssignGrads`.
    func dispatch() {
        if let failure = storeFailure {
            // Nothing more is asked: waiting tasks fail, and calls out are cancelled.
            for (id, task) in tasks where task.output == nil { complete(id, .storeFailed(failure)) }
            return
        }
        // Tasks completed or dropped since they were queued are not leased.
        pending.removeAll { tasks[$0]?.output != nil || tasks[$0] == nil }
        var shards = GradientBatches()
        var open = workers.keys.filter { workers[$0]!.ready }.sorted { $0.lexicographicallyPrecedes($1) }
        dealGradientBlocks(to: open, batching: &shards)
        // Calls (and copies of slow tasks): one per worker per round, so that they spread
        // evenly over the workers instead of filling the first one.
        while !open.isEmpty {
            open = open.filter { id in
                guard let task = nextTask(for: id) else { return false }
                lease(task, to: id, batching: &shards)
                return true
            }
        }
        for (identity, batches) in shards.byWorker { for batch in batches { sendShards(batch, to: identity) } }
    }

    /// Leases the waiting gradient shards in blocks of consecutive shards, one block per worker
    /// that is not stuck: a worker then sends one gradient-tree node per block, not every
    /// shard's gradient (2 workers of 8 shards: a quarter of the bytes).
    private func dealGradientBlocks(to open: [[UInt8]], batching shards: inout GradientBatches) {
        let waiting = pending.filter { if case .gradient = tasks[$0]!.kind { true } else { false } }
            .sorted { Self.shardOrder(tasks[$0]!.kind) < Self.shardOrder(tasks[$1]!.kind) }
        guard let first = waiting.first else { return }
        let takers = open.filter { mayTake(tasks[first]!, worker: $0) }
        guard !takers.isEmpty else { return }
        pending.removeAll { waiting.contains($0) }
        for (j, worker) in takers.enumerated() {
            for id in waiting[(j * waiting.count / takers.count)..<((j + 1) * waiting.count / takers.count)] {
                lease(id, to: worker, batching: &shards)
            }
        }
    }

    private static func shardOrder(_ kind: ClusterTask.Kind) -> (Int, Int) {
        if case let .gradient(_, _, shard, version, _) = kind { return (version, shard) }
        return (0, 0)
    }

    /// The next task worker `id` may take: the first waiting one it has room for, else a copy
    /// of a straggler.
    private func nextTask(for id: [UInt8]) -> UInt64? {
        if let i = pending.firstIndex(where: { mayTake(tasks[$0]!, worker: id) }) { return pending.remove(at: i) }
        return stragglerTask(for: id)
    }

    /// Calls take a credit; gradient shards need only a worker that is not stuck.
    func mayTake(_ task: ClusterTask, worker id: [UInt8]) -> Bool {
        task.kind.takesCredit ? workers[id]!.freeCredit > 0 : workers[id]!.stalledGradients.isEmpty
    }

    func stragglerTask(for worker: [UInt8]) -> UInt64? {
        let policy = settings.straggler
        let median = taskSeconds.median()
        let minimumAge = max(policy.minimumAgeSeconds, median * policy.duplicateAfterMedians)
        let now = Self.now()
        var copies: [UInt64: Int] = [:]
        for l in leases.values { copies[l.task, default: 0] += 1 }
        // A worker busy with shards of its own copies none: it would only queue them.
        let busyWithShards = workers[worker]!.leases.contains { leases[$0]?.holdsCredit == false }
        let candidates = leases.values
            .filter { tasks[$0.task] != nil && tasks[$0.task]?.output == nil && $0.worker != worker && now - $0.issuedAt > minimumAge }
            .filter { copies[$0.task]! < policy.maxCopies && mayTake(tasks[$0.task]!, worker: worker) && ($0.holdsCredit || !busyWithShards) }
            .filter { l in !leases.values.contains { $0.task == l.task && $0.worker == worker } }
            .sorted { $0.issuedAt < $1.issuedAt }
        return candidates.first?.task
    }

    func lease(_ taskID: UInt64, to identity: [UInt8], batching shards: inout GradientBatches) {
        let task = tasks[taskID]!
        let id = nextLease
        nextLease += 1
        let now = Self.now()
        leases[id] = Lease(id: id, task: taskID, worker: identity, issuedAt: now, progressAt: now, holdsCredit: task.kind.takesCredit)
        workers[identity]!.leases.insert(id)
        if task.kind.takesCredit { workers[identity]!.freeCredit -= 1 }
        counters.add("famol_tasks_leased_total")
        switch task.kind {
        case let .gradient(epoch, step, shard, version, examples):
            shards.add(.init(leaseID: id, shard: UInt32(shard), examples: examples), epoch: epoch, step: step, version: version, for: identity)
        case let .annotation(_, json, _):
            send(to: identity, .assignAnnotate(leaseID: id, callJSON: json, allowance: task.remainingAllowance))
        case let .embedding(texts):
            send(to: identity, .assignEmbed(leaseID: id, texts: texts))
        }
    }

    /// One message with all of a round's shards for one worker, with the parameters unless
    /// it holds their version already.
    private func sendShards(_ batch: GradientBatches.Batch, to identity: [UInt8]) {
        let needsParams = workers[identity]!.paramsVersion != batch.version
        workers[identity]!.paramsVersion = batch.version
        let assign = WireMessage.AssignGrads(epoch: UInt32(batch.epoch), step: UInt32(batch.step), paramsVersion: UInt64(batch.version),
                                             shards: batch.shards)
        send(to: identity, .assignGrads(assign), frames: needsParams ? [parameters!.frame] : [])
    }
}

/// Gradient leases of one dispatch round, gathered per worker and parameters version (a round
/// holds one step's shards, as steps run one at a time).
struct GradientBatches {
    struct Batch {
        var epoch: Int
        var step: Int
        var version: Int
        var shards: [WireMessage.AssignGrads.Shard]
    }

    private(set) var byWorker: [[UInt8]: [Batch]] = [:]

    mutating func add(_ shard: WireMessage.AssignGrads.Shard, epoch: Int, step: Int, version: Int, for worker: [UInt8]) {
        if let i = byWorker[worker]?.firstIndex(where: { $0.version == version && $0.epoch == epoch && $0.step == step }) {
            byWorker[worker]![i].shards.append(shard)
        } else {
            byWorker[worker, default: []].append(Batch(epoch: epoch, step: step, version: version, shards: [shard]))
        }
    }
}
