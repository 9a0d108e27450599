import CZMQ
import Foundation
import Ranking

/// The coordinator's side of distributed training: leases each step's shards to workers over a
/// ROUTER socket and returns the shard results in shard order, whoever computed them.
///
/// Protocol logic runs on the socket thread (handlers and ticks, under `lock`); the training
/// thread only installs a step and waits for it to complete.
public final class GradientCoordinator: @unchecked Sendable {
    public let settings: CoordinatorSettings
    public let counters: ClusterCounters
    let spec: TrainingSpec
    let trainer: Trainer
    let runID: String
    let welcome: WireMessage.Welcome
    let profile = NumericProfile.current
    let log: @Sendable (String) -> Void

    private let lock = NSCondition()
    private var socketThread: SocketThread!
    private var zap: ZAPHandler?
    private var workers: [[UInt8]: WorkerRecord] = [:]
    private var leases: [UInt64: Lease] = [:]
    private var work: StepWork?
    private var nextLease: UInt64 = 1
    private var sequence: UInt64 = 0
    private var warnedPeers = Set<[UInt8]>()
    private var taskSeconds: [Double] = []
    private(set) public var boundEndpoint = ""

    public init(settings: CoordinatorSettings, spec: TrainingSpec, datasetHash: String, trainer: Trainer,
                counters: ClusterCounters = ClusterCounters(), log: @escaping @Sendable (String) -> Void) {
        self.settings = settings
        self.spec = spec
        self.trainer = trainer
        self.counters = counters
        self.log = log
        runID = String(SHA256.hex(Array((spec.configHash + datasetHash).utf8)).prefix(16))
        welcome = .init(heartbeatIntervalMS: UInt32(settings.liveness.heartbeatIntervalMS), liveness: UInt32(settings.liveness.liveness),
                        configHash: spec.configHash, datasetHash: datasetHash, jobJSON: spec.json)
    }

    /// Binds the ROUTER socket (and the ZAP handler with CURVE) and starts serving.
    public func start() throws {
        let socket = try ZMQSocket(type: ZMQ_ROUTER)
        try socket.set(ZMQ_ROUTER_MANDATORY, 1)
        try socket.set(ZMQ_MAXMSGSIZE, int64: settings.maxMessageBytes)
        try socket.set(ZMQ_SNDHWM, 0)
        try socket.set(ZMQ_RCVHWM, 0)
        if let curve = settings.curve {
            zap = try ZAPHandler(authorized: curve.authorized) { [log] key, ok in
                if !ok { log("refused a CURVE client with unlisted key \(key.prefix(8))...") }
            }
            try socket.set(ZMQ_ZAP_DOMAIN, string: "famol")
            try socket.set(ZMQ_CURVE_SERVER, 1)
            try socket.set(ZMQ_CURVE_SECRETKEY, string: curve.server.secretKey!)
        }
        try socket.bind(settings.bind)
        boundEndpoint = socket.lastEndpoint
        socketThread = SocketThread(socket: socket, tickMilliseconds: max(10, settings.liveness.heartbeatIntervalMS / 2), handlers: .init(
            onMessage: { [unowned self] frames in self.locked { self.handle(frames) } },
            onTick: { [unowned self] in self.locked { self.tick() } },
            onSendFailure: { [unowned self] frames, errno in self.locked { self.sendFailed(frames, errno) } }
        ))
        socketThread.start(name: "famol-router")
    }

    /// Tells every worker to stop, then closes the socket.
    public func stop(reason: String) {
        locked {
            for id in workers.keys { send(to: id, .shutdown(reason: reason)) }
        }
        Thread.sleep(forTimeInterval: 0.2)  // let the socket thread flush the Shutdowns
        socketThread?.stop()
        zap?.stop()
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Waits until `count` workers are ready (or the no-worker timeout passes).
    public func waitForWorkers(_ count: Int) throws {
        let deadline = Date(timeIntervalSinceNow: settings.noWorkerTimeoutSeconds)
        lock.lock()
        defer { lock.unlock() }
        while workers.values.filter(\.ready).count < count {
            if !lock.wait(until: deadline) {
                throw ClusterError("only \(workers.values.filter(\.ready).count) of \(count) workers joined within \(Int(settings.noWorkerTimeoutSeconds)) s; start famol-worker --connect \(boundEndpoint)")
            }
        }
    }

    /// The cluster as a gradient source for `Trainer.train`.
    public var gradientSource: StepGradientSource {
        { [unowned self] parameters, epoch, step, slices in try self.runStep(parameters, epoch: epoch, step: step, slices: slices) }
    }

    func runStep(_ parameters: [Float], epoch: Int, step: Int, slices: [[Int]]) throws -> [ShardResult] {
        let started = Self.now()
        var results = [ShardResult?](repeating: nil, count: slices.count)
        // Empty slices need no worker: their result is all zeros, computed here the same way.
        for (s, slice) in slices.enumerated() where slice.isEmpty {
            results[s] = ShardGradient.compute(ranker: trainer.ranker, parameters: parameters, examples: [],
                                               objective: trainer.objective, epoch: epoch)
        }
        lock.lock()
        defer { lock.unlock() }
        let version = (work?.version ?? -1) + 1
        work = StepWork(epoch: epoch, step: step, version: version, parameters: TensorFrame.bytes(parameters), slices: slices,
                        results: results, pending: slices.indices.filter { results[$0] == nil }, startedAt: started)
        dispatch()
        var lastAlive = Self.now()
        while !(work!.isComplete) {
            _ = lock.wait(until: Date(timeIntervalSinceNow: 0.1))
            // A worker whose whole credit is held by stalled tasks cannot help any more.
            if workers.values.contains(where: { $0.ready && ($0.freeCredit > 0 || !$0.leases.isEmpty) }) { lastAlive = Self.now() }
            if Self.now() - lastAlive > settings.noWorkerTimeoutSeconds {
                throw ClusterError("no usable worker (alive with free or progressing tasks) for \(Int(settings.noWorkerTimeoutSeconds)) s during epoch \(epoch + 1) step \(step + 1)")
            }
        }
        let done = work!.results.map { $0! }
        work!.pending = []
        counters.add("famol_steps_total")
        counters.set("famol_step_seconds", Self.now() - started)
        return done
    }

    // MARK: socket-thread logic (lock held)

    private func send(to identity: [UInt8], _ body: WireMessage.Body, frames: [[UInt8]] = []) {
        sequence += 1
        socketThread.send([identity] + WireCodec.encode(WireMessage(runID: runID, sequence: sequence, body: body, frames: frames)))
    }

    private func handle(_ frames: [[UInt8]]) {
        guard frames.count >= 2 else { return }
        let identity = frames[0]
        switch WireCodec.decode(Array(frames.dropFirst()), expectedRunID: runID) {
        case .failure(let f): drop(identity, f.reason, f.detail)
        case .success(let message): handle(message, from: identity)
        }
        lock.broadcast()
    }

    private func drop(_ identity: [UInt8], _ reason: DropReason, _ detail: String) {
        counters.add("famol_dropped_frames_total", label: reason.rawValue)
        if warnedPeers.insert(identity).inserted {
            log("dropped a message from peer \(hex(identity)): \(detail) (further drops from this peer are only counted)")
        }
    }

    private func handle(_ m: WireMessage, from identity: [UInt8]) {
        let now = Self.now()
        if case .hello(let h) = m.body { return hello(h, from: identity) }
        guard workers[identity] != nil else { return drop(identity, .unknownPeer, "message from a worker that has not said Hello") }
        workers[identity]!.lastSeen = now
        switch m.body {
        case .ready(let credit):
            let wasReady = workers[identity]!.ready
            workers[identity]!.ready = true
            workers[identity]!.credit = Int(credit)
            workers[identity]!.freeCredit = Int(credit) - workers[identity]!.leases.count
            if !wasReady { log("worker \(workers[identity]!.workerID) ready (\(workers.values.filter(\.ready).count) ready)") }
        case let .heartbeat(leaseID, progress):
            if var lease = leases[leaseID], lease.worker == identity, lease.progress != progress {
                lease.progress = progress
                lease.progressAt = now
                leases[leaseID] = lease
            }
            send(to: identity, .pong)
        case .gradResult(let r):
            result(r, frames: m.frames, from: identity, now: now)
        case let .taskFailed(leaseID, retryable, reason):
            log("worker \(workers[identity]!.workerID) failed a task: \(reason)")
            if reason.hasPrefix("missing parameters") { workers[identity]!.paramsVersion = -1 }
            release(leaseID, creditBack: true)
            if !retryable { removeWorker(identity, why: "a task failed for good: \(reason)") }
        case .goodbye(let reason):
            removeWorker(identity, why: "said goodbye: \(reason)")
        default:
            drop(identity, .undecodable, "a coordinator-only message from a worker")
        }
        dispatch()
    }

    private func hello(_ h: WireMessage.Hello, from identity: [UInt8]) {
        if settings.deterministic && h.numericProfile != profile {
            counters.add("famol_workers_refused_total")
            log("refused worker \(h.workerID): numeric profile '\(h.numericProfile)' differs from the coordinator's '\(profile)'")
            send(to: identity, .refuse(reason: "numeric profile '\(h.numericProfile)' differs from the coordinator's '\(profile)'; a deterministic run needs the same BLAS, core type and threads (or start the coordinator with --allow-profile-mismatch)"))
            return
        }
        // A worker that restarted (or reconnected) replaces its old record.
        for (id, w) in workers where w.workerID == h.workerID && id != identity { removeWorker(id, why: "reconnected") }
        if workers[identity] == nil {
            workers[identity] = WorkerRecord(identity: identity, workerID: h.workerID, incarnation: h.incarnation, lastSeen: Self.now())
        }
        counters.set("famol_workers_alive", Double(workers.count))
        send(to: identity, .welcome(welcome))
    }

    private func result(_ r: WireMessage.GradResult, frames: [[UInt8]], from identity: [UInt8], now: Double) {
        if let lease = leases[r.leaseID], lease.worker == identity {
            taskSeconds.append(now - lease.issuedAt)
            release(r.leaseID, creditBack: true)
        } else {
            // A result for a lease re-issued after a stall: the worker's held credit comes back.
            let w = workers[identity]!
            workers[identity]!.freeCredit = min(w.freeCredit + 1, w.credit - w.leases.count)
        }
        guard var w = work, Int(r.epoch) == w.epoch, Int(r.step) == w.step, Int(r.paramsVersion) == w.version,
              Int(r.shard) < w.results.count, w.results[Int(r.shard)] == nil else {
            counters.add("famol_duplicate_results_total")
            return
        }
        guard frames.count == 1, let gradient = TensorFrame.floats(frames[0], count: trainer.ranker.layout.parameterCount) else {
            drop(identity, .frameMismatch, "a gradient frame of the wrong size")
            return
        }
        w.results[Int(r.shard)] = ShardResult(gradient: gradient, loss: r.loss, clickLoss: r.clickLoss, labelLoss: r.labelLoss,
                                              queries: Int(r.queries))
        w.pending.removeAll { $0 == Int(r.shard) }
        work = w
        // Other copies of this shard are now moot.
        for (id, lease) in leases where lease.shard == Int(r.shard) {
            send(to: lease.worker, .cancel(leaseID: id))
        }
    }

    /// Ends a lease; its shard goes back to the queue if no result and no other copy exists.
    private func release(_ leaseID: UInt64, creditBack: Bool) {
        guard let lease = leases.removeValue(forKey: leaseID) else { return }
        if workers[lease.worker] != nil {
            workers[lease.worker]!.leases.remove(leaseID)
            if creditBack { workers[lease.worker]!.freeCredit += 1 }
        }
        requeueIfOrphaned(lease.shard)
    }

    private func requeueIfOrphaned(_ shard: Int) {
        guard var w = work, shard < w.results.count, w.results[shard] == nil,
              !leases.values.contains(where: { $0.shard == shard }), !w.pending.contains(shard) else { return }
        w.pending.insert(shard, at: 0)
        work = w
        counters.add("famol_tasks_requeued_total")
    }

    private func removeWorker(_ identity: [UInt8], why: String) {
        guard let w = workers.removeValue(forKey: identity) else { return }
        log("worker \(w.workerID) removed: \(why)")
        for id in w.leases { if let lease = leases.removeValue(forKey: id) { requeueIfOrphaned(lease.shard) } }
        counters.set("famol_workers_alive", Double(workers.count))
    }

    private func tick() {
        let now = Self.now()
        for (id, w) in workers where now - w.lastSeen > settings.liveness.deadAfterSeconds {
            counters.add("famol_heartbeat_misses_total")
            removeWorker(id, why: "missed \(settings.liveness.liveness) heartbeats")
        }
        for (id, lease) in leases where now - lease.progressAt > settings.straggler.stallTimeoutSeconds {
            log("lease \(id) (shard \(lease.shard)) stalled for \(Int(settings.straggler.stallTimeoutSeconds)) s; re-leasing it")
            // The worker's credit stays taken: its compute thread is presumably stuck.
            leases.removeValue(forKey: id)
            workers[lease.worker]?.leases.remove(id)
            requeueIfOrphaned(lease.shard)
        }
        dispatch()
        lock.broadcast()
    }

    private func sendFailed(_ frames: [[UInt8]], _ errno: Int32) {
        guard errno == EHOSTUNREACH, let identity = frames.first else { return }
        removeWorker(identity, why: "unreachable (disconnected)")
        dispatch()
        lock.broadcast()
    }

    /// Leases waiting shards to workers with free credit; when none wait, duplicates old leases
    /// onto idle workers (stragglers); the first result wins.
    private func dispatch() {
        guard var w = work, !w.isComplete else { return }
        let ready = workers.keys.filter { workers[$0]!.ready }.sorted { $0.lexicographicallyPrecedes($1) }
        for id in ready {
            while workers[id]!.freeCredit > 0 {
                var shard: Int
                if !w.pending.isEmpty {
                    shard = w.pending.removeFirst()
                } else if let s = stragglerShard(for: id, work: w) {
                    shard = s
                } else {
                    break
                }
                work = w
                lease(shard, to: id, work: w)
                w = work!
            }
        }
        work = w
    }

    private func stragglerShard(for worker: [UInt8], work w: StepWork) -> Int? {
        let policy = settings.straggler
        let sorted = taskSeconds.suffix(200).sorted()
        let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        let minimumAge = max(policy.minimumAgeSeconds, median * policy.duplicateAfterMedians)
        let now = Self.now()
        let candidates = leases.values
            .filter { w.results[$0.shard] == nil && $0.worker != worker && now - $0.issuedAt > minimumAge }
            .filter { l in leases.values.filter { $0.shard == l.shard }.count < policy.maxCopies }
            .filter { l in !leases.values.contains { $0.shard == l.shard && $0.worker == worker } }
            .sorted { $0.issuedAt < $1.issuedAt }
        return candidates.first?.shard
    }

    private func lease(_ shard: Int, to identity: [UInt8], work w: StepWork) {
        let id = nextLease
        nextLease += 1
        let now = Self.now()
        leases[id] = Lease(id: id, shard: shard, worker: identity, issuedAt: now, progressAt: now)
        workers[identity]!.leases.insert(id)
        workers[identity]!.freeCredit -= 1
        let needsParams = workers[identity]!.paramsVersion != w.version
        workers[identity]!.paramsVersion = w.version
        counters.add("famol_tasks_leased_total")
        let assign = WireMessage.AssignGrad(leaseID: id, epoch: UInt32(w.epoch), step: UInt32(w.step), shard: UInt32(shard),
                                            paramsVersion: UInt64(w.version), examples: w.slices[shard].map { UInt32($0) })
        send(to: identity, .assignGrad(assign), frames: needsParams ? [w.parameters] : [])
    }
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16).leftPad2 }.joined() }

extension String {
    var leftPad2: String { count >= 2 ? self : "0" + self }
}
