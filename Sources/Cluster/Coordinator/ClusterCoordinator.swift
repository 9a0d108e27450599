import CZMQ
import Foundation
import Logging
import Ranking

/// The coordinator's side of the cluster: leases tasks (shards of a training step, or LLM
/// calls) to workers over a ROUTER socket and hands back the first valid result of each.
///
/// Protocol logic runs on the socket thread (handlers and ticks, under `lock`); callers only
/// add tasks and wait for their results.
public final class ClusterCoordinator: @unchecked Sendable {
    /// The socket's settings are fixed at `start`; the policies (liveness, stragglers, profile
    /// check, no-worker timeout) may change with each job (`switchJob`).
    public internal(set) var settings: CoordinatorSettings
    public let counters: ClusterCounters
    /// The job being served (changed between jobs by `switchJob`, under `lock`).
    var job: ClusterJob
    /// Training only: the model shape and objective, for parameter counts and empty shards.
    var trainer: Trainer?
    /// Annotation only: stores a result before it is acknowledged (also results of a previous
    /// coordinator that a worker sends again).
    var storeResult: (@Sendable (String) throws -> Void)?
    var runID: String
    var welcome: WireMessage.Welcome
    let profile = NumericProfile.current
    let logger: Logger

    let lock = NSCondition()
    private var socketThread: SocketThread!
    private var zap: ZAPHandler?
    var workers: [[UInt8]: WorkerRecord] = [:]
    var leases: [UInt64: Lease] = [:]
    var tasks: [UInt64: ClusterTask] = [:]
    var pending: [UInt64] = []
    /// Task ids by (params version, shard) and by annotation key, to match results whose lease
    /// was re-issued.
    var gradientTaskIDs: [[Int]: UInt64] = [:]
    var annotationTaskIDs: [String: UInt64] = [:]
    /// Gradient-tree nodes received per parameters version: together they cover the shards
    /// whose tasks completed.
    var stepParts: [Int: [GradientTree.Node: GradientTree.Values]] = [:]
    /// The parameters of the current step: version and frame bytes.
    var parameters: (version: Int, frame: [UInt8])? = nil
    private var nextTask: UInt64 = 1
    var nextLease: UInt64 = 1
    private var sequence: UInt64 = 0
    private var warnedPeers = Set<[UInt8]>()
    var lastRefusalLogged = -Double.infinity
    var refusalsNotLogged = 0
    var taskSeconds = RecentDurations()
    /// Set when a result could not be stored: no further call is leased (it would be paid for
    /// and could not be kept either).
    var storeFailure: String?
    private(set) public var boundEndpoint = ""

    public init(settings: CoordinatorSettings, job: ClusterJob, datasetHash: String, trainer: Trainer? = nil,
                storeResult: (@Sendable (String) throws -> Void)? = nil,
                counters: ClusterCounters = ClusterCounters(), logger: Logger) {
        self.settings = settings
        self.job = job
        self.trainer = trainer
        self.storeResult = storeResult
        self.counters = counters
        self.logger = logger
        (runID, welcome) = Self.identify(job, datasetHash: datasetHash, settings: settings)
    }

    /// Binds the ROUTER socket (and the ZAP handler with CURVE) and starts serving.
    public func start() throws {
        let socket = try ZMQSocket(type: ZMQ_ROUTER)
        try socket.set(ZMQ_ROUTER_MANDATORY, 1)
        try socket.set(ZMQ_MAXMSGSIZE, int64: settings.maxMessageBytes)
        try socket.set(ZMQ_SNDHWM, 0)
        try socket.set(ZMQ_RCVHWM, 0)
        if let curve = settings.curve {
            zap = try ZAPHandler(authorized: curve.authorized) { [logger] key, ok in
                if !ok { logger.warning("refused a CURVE client with unlisted key \(key.prefix(8))...") }
            }
            try socket.set(ZMQ_ZAP_DOMAIN, string: "famol")
            try socket.set(ZMQ_CURVE_SERVER, 1)
            try socket.set(ZMQ_CURVE_SECRETKEY, string: curve.server.secretKey!)
        }
        try socket.bind(settings.bind)
        boundEndpoint = socket.lastEndpoint
        // Identity, envelope and data frames; no more bytes in all than one frame may have.
        let limits = MessageLimits(maxFrames: 2 + wireMaxDataFrames, maxBytes: Int(settings.maxMessageBytes))
        socketThread = try SocketThread(socket: socket, tickMilliseconds: max(10, settings.liveness.heartbeatIntervalMS / 2), limits: limits,
                                         monitorConnections: true, handlers: .init(
            onMessage: { [weak self] frames in self?.locked { self?.handle(frames) } },
            onTick: { [weak self] in self?.locked { self?.tick() } },
            onSendFailure: { [weak self] frames, errno in self?.locked { self?.sendFailed(frames, errno) } },
            onOversized: { [weak self] identity, frames, bytes in
                self?.locked { self?.drop(identity, .oversized, "a message of \(frames) frames and \(bytes) bytes") }
            },
            onConnectionEvent: { [counters] event in counters.add("famol_connection_events_total", label: event.rawValue) }
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

    func locked<T>(_ body: () throws -> T) rethrows -> T {
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

    // MARK: tasks (caller threads)

    /// Adds tasks and waits until each has an output; the lock is held except while waiting.
    func runTasks(_ kinds: [ClusterTask.Kind], context: String) throws -> [ClusterTask.Output] {
        lock.lock()
        defer { lock.unlock() }
        var ids: [UInt64] = []
        for kind in kinds {
            let id = nextTask
            nextTask += 1
            tasks[id] = ClusterTask(id: id, kind: kind)
            switch kind {
            case let .gradient(_, _, shard, version, _): gradientTaskIDs[[version, shard]] = id
            case let .annotation(key, _, _): annotationTaskIDs[key] = id
            case .embedding: break
            }
            pending.append(id)
            ids.append(id)
        }
        dispatch()
        var lastUsable = Self.now()
        while ids.contains(where: { tasks[$0]?.output == nil }) {
            _ = lock.wait(until: Date(timeIntervalSinceNow: 0.1))
            // A worker whose whole credit is held by stalled tasks cannot help any more.
            if workers.values.contains(where: \.couldHelp) { lastUsable = Self.now() }
            if Self.now() - lastUsable > settings.noWorkerTimeoutSeconds {
                throw ClusterError("no usable worker (alive with free or progressing tasks) for \(Int(settings.noWorkerTimeoutSeconds)) s during \(context)")
            }
        }
        let outputs = ids.map { tasks[$0]!.output! }
        for id in ids { forget(id) }
        for case .storeFailed(let reason) in outputs { throw ResultStoreFailed(description: reason) }
        for case .failed(let reason) in outputs { throw ClusterError("a task failed \(ClusterTask.failureLimit) times during \(context): \(reason)") }
        return outputs
    }

    private func forget(_ id: UInt64) {
        guard let t = tasks.removeValue(forKey: id) else { return }
        // Copies still out (stragglers, stalls) end here; their workers get the credit back
        // when they answer (see `finishLease`).
        for (leaseID, lease) in leases where lease.task == id {
            leases.removeValue(forKey: leaseID)
            workers[lease.worker]?.leases.remove(leaseID)
            if lease.holdsCredit { workers[lease.worker]?.creditOwed.insert(leaseID) }
        }
        switch t.kind {
        case let .gradient(_, _, shard, version, _): gradientTaskIDs.removeValue(forKey: [version, shard])
        case let .annotation(key, _, _): annotationTaskIDs.removeValue(forKey: key)
        case .embedding: break
        }
        pending.removeAll { $0 == id }
    }

    /// The cluster as a gradient source for `Trainer.train`.
    public var gradientSource: StepGradientSource {
        { [unowned self] parameters, epoch, step, slices in try self.runStep(parameters, epoch: epoch, step: step, slices: slices) }
    }

    func runStep(_ parameters: [Float], epoch: Int, step: Int, slices: [[Int]]) throws -> StepGradients {
        guard let trainer else { throw ClusterError("this coordinator serves no training job") }
        let started = Self.now()
        StepTrace.mark("C0 step start")
        let version = locked { () -> Int in
            let v = (self.parameters?.version ?? -1) + 1
            self.parameters = (v, TensorFrame.bytes(parameters))
            return v
        }
        defer { _ = locked { stepParts.removeValue(forKey: version) } }
        var sums = [LossSums?](repeating: nil, count: slices.count)
        var parts: [GradientTree.Node: GradientTree.Values] = [:]
        // Empty slices need no worker: their result is all zeros, computed here the same way.
        for (s, slice) in slices.enumerated() where slice.isEmpty {
            let r = ShardGradient.compute(ranker: trainer.ranker, parameters: parameters, examples: [], objective: trainer.objective, epoch: epoch)
            sums[s] = r.sums
            parts[GradientTree.Node(level: 0, index: s)] = .leaf(r.gradient)
        }
        let work = slices.indices.filter { sums[$0] == nil }
        let outputs = try runTasks(work.map { .gradient(epoch: epoch, step: step, shard: $0, version: version, examples: slices[$0].map { UInt32($0) }) },
                                   context: "epoch \(epoch + 1) step \(step + 1)")
        StepTrace.mark("C3 step results")
        for (s, output) in zip(work, outputs) {
            if case .gradient(let r) = output { sums[s] = r }
        }
        parts.merge(locked { stepParts[version] ?? [:] }) { here, _ in here }
        counters.add("famol_steps_total")
        counters.time("famol_step_seconds", seconds: Self.now() - started)
        return StepGradients(sums: sums.map { $0! }, parts: parts)
    }

    /// Runs one annotation call on a worker and returns its stored result (JSON). Many threads
    /// may call this at once.
    /// Runs one LLM call on a worker, spending at most `allowance`: its stored result (nil
    /// when the allowance ran out first) and what its failed attempts spent.
    public func annotate(key: String, callJSON: String, allowance: LeaseAllowance) throws -> (json: String?, failedAttempts: Spend) {
        let outputs = try runTasks([.annotation(key: key, callJSON: callJSON, allowance: allowance)], context: "annotation")
        switch outputs[0] {
        case let .annotation(json, spent): return (json, spent)
        case let .allowanceSpent(spent): return (nil, spent)
        default: throw ClusterError("internal: wrong output kind")
        }
    }

    /// Encodes batches of texts on the workers (a job of kind `embed`), each in one forward
    /// pass: the vectors of each batch, in order. Many batches are out at once.
    public func embed(batches: [[String]]) throws -> [[[Float]]] {
        try runTasks(batches.map { .embedding(texts: $0) }, context: "embedding").map { output in
            guard case .embedding(let vectors) = output else { throw ClusterError("internal: wrong output kind") }
            return vectors
        }
    }

    // MARK: socket-thread logic (lock held)

    func send(to identity: [UInt8], _ body: WireMessage.Body, frames: [[UInt8]] = []) {
        sequence += 1
        socketThread.send([identity] + WireCodec.encode(WireMessage(runID: runID, sequence: sequence, body: body, frames: frames)))
    }

    private func handle(_ frames: [[UInt8]]) {
        guard frames.count >= 2 else { return }
        let identity = frames[0]
        switch WireCodec.decode(Array(frames.dropFirst()), expectedRunID: runID) {
        case .failure(let f):
            // A worker still loading the next job beats with the last run's id: alive all the same.
            if f.reason == .wrongRunID, workers[identity] != nil { workers[identity]!.lastSeen = Self.now(); return }
            drop(identity, f.reason, f.detail)
        case .success(let message):
            handle(message, from: identity)
            // Waiters only need waking when a task finished or a worker came or went.
            if case .heartbeat = message.body { return }
        }
        lock.broadcast()
    }

    func drop(_ identity: [UInt8], _ reason: DropReason, _ detail: String) {
        counters.add("famol_dropped_frames_total", label: reason.rawValue)
        if warnedPeers.insert(identity).inserted {
            logger.warning("dropped a message from peer \(hex(identity)): \(detail) (further drops from this peer are only counted)")
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
            // Ready starts a job: what the last one's leases owed or stalled is moot.
            workers[identity]!.creditOwed.removeAll()
            workers[identity]!.stalledGradients.removeAll()
            workers[identity]!.freeCredit = Int(credit) - workers[identity]!.leases.filter { leases[$0]?.holdsCredit == true }.count
            if !wasReady { logger.info("worker \(workers[identity]!.workerID) ready, \(credit) task(s) at once (\(workers.values.filter(\.ready).count) ready)") }
        case let .heartbeat(_, progress):
            // Progress is the worker's count of finished work: when it moves, all its leases
            // are alive; when it stalls, they are re-leased after the stall timeout.
            if workers[identity]!.progress != progress {
                workers[identity]!.progress = progress
                for id in workers[identity]!.leases { leases[id]?.progressAt = now }
            }
            send(to: identity, .pong)
        case .gradResults(let r):
            StepTrace.mark("C2 results decoded")
            gradientResults(r, frames: m.frames, from: identity, now: now)
        case let .annotateResult(leaseID, json):
            annotationResult(leaseID: leaseID, json: json, from: identity, now: now)
        case let .embedResult(leaseID, count, dimensions):
            embeddingResult(leaseID: leaseID, count: Int(count), dimensions: Int(dimensions), frames: m.frames, from: identity, now: now)
        case .taskFailed(let failure):
            taskFailed(failure, from: identity, now: now)
        case .goodbye(let reason):
            removeWorker(identity, why: "said goodbye: \(reason)")
        default:
            drop(identity, .undecodable, "a coordinator-only message from a worker")
        }
        dispatch()
    }

    /// Ends a worker's lease (when it answers) and returns its credit; for a lease already
    /// re-issued after a stall, returns the credit the stall kept (a stalled shard's answer
    /// shows the worker is not stuck).
    func finishLease(_ leaseID: UInt64, of identity: [UInt8], now: Double, succeeded: Bool = true) {
        if let lease = leases[leaseID], lease.worker == identity {
            if succeeded {
                taskSeconds.append(now - lease.issuedAt)  // the straggler median
                counters.time("famol_task_seconds", seconds: now - lease.issuedAt)
            }
            release(leaseID, creditBack: true)
        } else if workers[identity]!.stalledGradients.remove(leaseID) == nil, workers[identity]!.creditOwed.remove(leaseID) != nil {
            workers[identity]!.freeCredit = min(workers[identity]!.freeCredit + 1, workers[identity]!.credit)
        }
    }

    /// Gives task `id` its output; `answeredBy`, the lease that brought it, needs no Cancel.
    func complete(_ id: UInt64, _ output: ClusterTask.Output, answeredBy: UInt64? = nil) {
        tasks[id]!.output = output
        pending.removeAll { $0 == id }
        // Other copies of this task are now moot.
        for (leaseID, lease) in leases where lease.task == id && leaseID != answeredBy { send(to: lease.worker, .cancel(leaseID: leaseID)) }
    }

    /// Ends a lease; its task goes back to the queue if no result and no other copy exists.
    func release(_ leaseID: UInt64, creditBack: Bool) {
        guard let lease = leases.removeValue(forKey: leaseID) else { return }
        if workers[lease.worker] != nil {
            workers[lease.worker]!.leases.remove(leaseID)
            if creditBack && lease.holdsCredit { workers[lease.worker]!.freeCredit += 1 }
        }
        requeueIfOrphaned(lease.task)
    }

    func requeueIfOrphaned(_ id: UInt64) {
        guard let t = tasks[id], t.output == nil, !leases.values.contains(where: { $0.task == id }), !pending.contains(id) else { return }
        pending.insert(id, at: 0)
        counters.add("famol_tasks_requeued_total")
    }

    private func tick() {
        let now = Self.now()
        for (id, w) in workers where now - w.lastSeen > settings.liveness.deadAfterSeconds {
            counters.add("famol_heartbeat_misses_total")
            removeWorker(id, why: "missed \(settings.liveness.liveness) heartbeats")
        }
        for (id, lease) in leases where now - lease.progressAt > settings.straggler.stallTimeoutSeconds {
            logger.warning("lease \(id) stalled for \(Int(settings.straggler.stallTimeoutSeconds)) s; re-leasing it")
            // The worker's credit stays taken (or, for a shard, it gets no more shards): its
            // compute thread is presumably stuck. Told to cancel, it sends no further request
            // for the old lease.
            send(to: lease.worker, .cancel(leaseID: id))
            leases.removeValue(forKey: id)
            workers[lease.worker]?.leases.remove(id)
            if lease.holdsCredit { workers[lease.worker]?.creditOwed.insert(id) } else { workers[lease.worker]?.stalledGradients.insert(id) }
            requeueIfOrphaned(lease.task)
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
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16).leftPad2 }.joined() }

extension String {
    var leftPad2: String { count >= 2 ? self : "0" + self }
}
