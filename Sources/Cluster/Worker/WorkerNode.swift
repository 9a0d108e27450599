import CZMQ
import Foundation
import Logging
import Ranking

/// How a worker connects and what it may do.
public struct WorkerSettings: Sendable {
    public var connect: String
    public var workerID: String
    public var credit = 1
    /// CURVE: the coordinator's public key and this worker's key pair.
    public var curve: (serverPublicKey: String, own: CurveKeyPair)? = nil
    /// Where this host keeps the run's data files; the coordinator's paths are looked up by
    /// file name in it. nil uses the coordinator's paths as they are.
    public var dataDirectory: String? = nil
    public var faults = FaultPlan()
    public var maxMessageBytes: Int64 = 256 << 20
    /// Hello is re-sent this often until a Welcome arrives.
    public var helloIntervalSeconds: Double = 1
    /// Touched on every heartbeat while the worker belongs to a run: a liveness probe checks
    /// its age.
    public var healthFile: String? = nil
    /// The worker's own annotation store: each HTTP request it sends is recorded there before
    /// it is sent, and each answer before it goes to the coordinator, so a coordinator that
    /// starts later finds both (`famol local` puts it in the run directory).
    public var storePath: String? = nil
    /// The job kinds this worker runs (its Hello's capabilities): training unless more are
    /// registered (`famol-worker` adds the annotation kinds).
    public var jobKinds: [WorkerJobKind] = [.train]

    public init(connect: String, workerID: String) {
        self.connect = connect
        self.workerID = workerID
    }
}

/// Why a worker stopped.
public enum WorkerExit: Sendable, Equatable {
    case shutdown(String)
    case refused(String)
    case failed(String)
}

/// A worker: a DEALER socket thread that says Hello, heart-beats and relays tasks, and the
/// calling thread that computes them. A hung computation cannot silence the heartbeats, and the
/// heartbeats carry progress so the coordinator can tell a stuck task from a slow one.
public final class WorkerNode: @unchecked Sendable {
    public let settings: WorkerSettings
    let logger: Logger
    private let inbox = BlockingQueue<WireMessage>()
    private let lock = NSLock()
    private var socketThread: SocketThread!
    // Shared with the socket thread, under `lock`:
    private var runID: String? = nil
    private var welcomed = false
    private var liveness = LivenessPolicy()
    private var lastHeard = 0.0
    private var lastHello = 0.0
    private var lastBeat = 0.0
    private var lastHealthTouch = 0.0
    private var currentLease: UInt64 = 0
    private var progress: UInt64 = 0
    private var sequence: UInt64 = 0
    private let incarnation = UInt64(Date().timeIntervalSince1970 * 1e6) ^ UInt64(getpid())
    /// Annotation results not yet acknowledged (stored) by the coordinator, by key: sent again
    /// to a restarted coordinator, so an answer already paid for is never lost.
    private var unacked: [String: String] = [:]
    /// Annotation calls running now.
    private var inFlight = 0
    /// Annotation leases received and not yet finished; those the coordinator cancelled are not
    /// started, or abandoned before their next request. Lease ids restart with each coordinator,
    /// so both sets hold only open leases and are emptied when a new run is joined.
    private var openLeases: Set<UInt64> = []
    private var cancelled: Set<UInt64> = []
    // Compute-thread state:
    var job: (configHash: String, loaded: LoadedWorkerJob)? = nil
    private var parameters: (version: UInt64, values: [Float])? = nil
    var tasksStarted = 0

    public init(settings: WorkerSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Connects and serves until Shutdown, a refusal or a fatal error.
    public func run() throws -> WorkerExit {
        pinBLASToOneThread()
        let socket = try ZMQSocket(type: ZMQ_DEALER)
        try socket.set(ZMQ_MAXMSGSIZE, int64: settings.maxMessageBytes)
        try socket.set(ZMQ_SNDHWM, 0)
        try socket.set(ZMQ_RCVHWM, 0)
        if let curve = settings.curve {
            try socket.set(ZMQ_CURVE_SERVERKEY, string: curve.serverPublicKey)
            try socket.set(ZMQ_CURVE_PUBLICKEY, string: curve.own.publicKey)
            try socket.set(ZMQ_CURVE_SECRETKEY, string: curve.own.secretKey!)
        }
        try socket.connect(settings.connect)
        let limits = MessageLimits(maxFrames: 1 + wireMaxDataFrames, maxBytes: Int(settings.maxMessageBytes))
        socketThread = try SocketThread(socket: socket, tickMilliseconds: 50, limits: limits, handlers: .init(
            onMessage: { [unowned self] frames in self.received(frames) },
            onTick: { [unowned self] in self.tick() }
        ))
        socketThread.start(name: "famol-dealer")
        defer { socketThread.stop() }
        sendHello()
        while true {
            guard let m = inbox.take(timeout: 0.5) else { continue }
            switch m.body {
            case .welcome(let w):
                if let exit = accept(w, runID: m.runID) { return exit }
            case .assignGrads(let a):
                StepTrace.mark("W1 compute start")
                compute(a, frames: m.frames)
            case let .assignAnnotate(leaseID, json, allowance):
                runCall(leaseID: leaseID, callJSON: json, allowance: allowance)
            case let .assignEmbed(leaseID, texts):
                encode(leaseID: leaseID, texts: texts)
            case .shutdown(let reason):
                return .shutdown(reason)
            case .refuse(let reason):
                return .refused(reason)
            default:
                break
            }
        }
    }

    // MARK: socket thread

    private func received(_ frames: [[UInt8]]) {
        guard case .success(let m) = WireCodec.decode(frames, expectedRunID: nil) else { return }
        lock.lock()
        defer { lock.unlock() }
        switch m.body {
        case .welcome, .refuse: break  // answers to our Hello: they name the run
        default: if m.runID != runID { return }  // another run's leftovers
        }
        lastHeard = Self.now()
        switch m.body {
        case .pong: break
        case .cancel(let leaseID): if openLeases.contains(leaseID) { cancelled.insert(leaseID) }  // a finished lease needs nothing
        case let .assignAnnotate(leaseID, _, _):
            openLeases.insert(leaseID)
            inbox.put(m)
        case .ack(let key): unacked.removeValue(forKey: key)
        default: inbox.put(m)
        }
    }

    private func tick() {
        lock.lock()
        let now = Self.now()
        if welcomed && now - lastHeard > liveness.deadAfterSeconds {
            // The coordinator went quiet (died or restarted): introduce ourselves again.
            welcomed = false
            logger.warning("coordinator silent for \(liveness.deadAfterSeconds) s; saying Hello again")
        }
        let isWelcomed = welcomed
        let beat = WireMessage.Body.heartbeat(leaseID: currentLease, progress: progress)
        let helloDue = !isWelcomed && now - lastHello > settings.helloIntervalSeconds
        // Beat at the coordinator's interval, not at every tick: each beat wakes its waiters.
        let heartbeatDue = isWelcomed && now - lastBeat >= Double(liveness.heartbeatIntervalMS) / 1000
        if heartbeatDue { lastBeat = now }
        lock.unlock()
        if helloDue { sendHello() } else if heartbeatDue {
            send(beat)
            if let path = settings.healthFile, Self.now() - lastHealthTouch > 1 {
                lastHealthTouch = Self.now()
                _ = FileManager.default.createFile(atPath: path, contents: nil)
            }
        }
    }

    func send(_ body: WireMessage.Body, frames: [[UInt8]] = []) {
        lock.lock()
        sequence += 1
        let m = WireMessage(runID: runID ?? "", sequence: sequence, body: body, frames: frames)
        lock.unlock()
        socketThread.send(WireCodec.encode(m))
    }

    private func sendHello() {
        lock.lock()
        lastHello = Self.now()
        lock.unlock()
        send(.hello(.init(workerID: settings.workerID, incarnation: incarnation, capabilities: settings.jobKinds.map(\.name),
                          credit: UInt32(settings.credit), build: "famol-worker 1", numericProfile: NumericProfile.current)))
    }

    // MARK: compute thread

    /// Loads the job of a Welcome (unless already loaded) and checks its data hash.
    private func accept(_ w: WireMessage.Welcome, runID: String) -> WorkerExit? {
        if job?.configHash != w.configHash {
            do {
                let next = try ClusterJob.decode(json: w.jobJSON)
                guard let kind = settings.jobKinds.first(where: { $0.name == next.kind }) else {
                    throw WorkerJobRefused(description: "this worker runs \(settings.jobKinds.map(\.name).joined(separator: ", ")) jobs, not '\(next.kind)'")
                }
                let directory = settings.dataDirectory
                let remap: @Sendable (String) -> String = { Self.remap($0, into: directory) }
                job = (w.configHash, try kind.load(next, WorkerJobContext(datasetHash: w.datasetHash, remap: remap, storePath: settings.storePath)))
                parameters = nil
            } catch {
                let reason = error is WorkerJobRefused ? "\(error)" : "cannot load the job: \(error)"
                send(.goodbye(reason: reason))
                return .failed(reason)
            }
        }
        lock.lock()
        let isNew = !welcomed || self.runID != runID
        if self.runID != runID { cancelled.removeAll() }  // the old coordinator's lease ids mean nothing now
        self.runID = runID
        welcomed = true  // heartbeats flow from here on
        lastHeard = Self.now()
        liveness = LivenessPolicy(heartbeatIntervalMS: Int(w.heartbeatIntervalMS), liveness: Int(w.liveness))
        lock.unlock()
        // A new coordinator (restarted) learns of answers still in flight before it plans any
        // call: wait for them, then send every unacknowledged result, then say Ready.
        while locked({ inFlight }) > 0 { Thread.sleep(forTimeInterval: 0.05) }
        let resend = locked { unacked }
        if isNew { logger.info("joined run \(runID)", metadata: ["run": "\(runID)"]) }
        for (_, json) in resend.sorted(by: { $0.key < $1.key }) { send(.annotateResult(leaseID: 0, resultJSON: json)) }
        var credit = settings.credit
        // A metered job's concurrency is the limit on calls in flight; `--credit` is for
        // embedding batches (its default of 2 would double `--concurrency 1`).
        if case .meteredCalls(let runner)? = job?.loaded { credit = max(1, runner.concurrency) }
        send(.ready(credit: UInt32(credit)))
        return nil
    }

    /// Runs one metered call (an LLM call) on its own thread (the coordinator's credit bounds
    /// how many), within the lease's allowance, until it ends or its lease is cancelled.
    private func runCall(leaseID: UInt64, callJSON: String, allowance: LeaseAllowance) {
        guard case .meteredCalls(let runner)? = job?.loaded else {
            _ = locked { openLeases.remove(leaseID) }
            return send(.taskFailed(.init(leaseID: leaseID, kind: .workerUnusable, reason: "not a call of this worker's job")))
        }
        if let unusable = runner.unusable {
            _ = locked { openLeases.remove(leaseID) }
            return send(.taskFailed(.init(leaseID: leaseID, kind: .failedForGood, reason: unusable)))
        }
        if locked({ cancelled.contains(leaseID) }) {
            lock.lock()
            cancelled.remove(leaseID)
            openLeases.remove(leaseID)
            lock.unlock()
            return send(.taskFailed(.init(leaseID: leaseID, kind: .cancelled, reason: "cancelled before it started")))
        }
        tasksStarted += 1
        applyFaults()
        lock.lock()
        inFlight += 1
        lock.unlock()
        Thread.detachNewThread { [self] in
            defer { lock.lock(); inFlight -= 1; cancelled.remove(leaseID); openLeases.remove(leaseID); lock.unlock() }
            let outcome = runner.run(callJSON: callJSON, allowance: allowance, isCancelled: { [self] in locked { cancelled.contains(leaseID) } })
            setProgress(lease: 0, advance: 1)
            switch outcome {
            case let .answered(key, json):
                lock.lock()
                unacked[key] = json
                lock.unlock()
                send(.annotateResult(leaseID: leaseID, resultJSON: json))
            case let .failed(kind, reason, spent):
                send(.taskFailed(.init(leaseID: leaseID, kind: kind, reason: reason,
                                       requestsSent: UInt32(clamping: spent.requests), tokensSpent: UInt64(clamping: spent.tokens))))
            }
        }
    }

    /// Encodes one batch in one pass and sends the vectors back in one float32 frame.
    private func encode(leaseID: UInt64, texts: [String]) {
        guard case .textBatches(let encoder)? = job?.loaded else {
            return send(.taskFailed(.init(leaseID: leaseID, kind: .retry, reason: "no embedding job loaded yet")))
        }
        tasksStarted += 1
        applyFaults()
        setProgress(lease: leaseID, advance: 1)
        let vectors = encoder.encode(batch: texts)
        setProgress(lease: 0, advance: 1)
        let dimensions = vectors.first?.count ?? 0
        send(.embedResult(leaseID: leaseID, count: UInt32(vectors.count), dimensions: UInt32(dimensions)),
             frames: [TensorFrame.bytes(vectors.flatMap { $0 })])
    }

    static func remap(_ path: String, into directory: String?) -> String {
        guard let directory else { return path }
        return directory + "/" + (path.split(separator: "/").last.map(String.init) ?? path)
    }

    /// Computes a step's shards in order and answers with one message: their sums and one
    /// frame of their gradients. A shard that cannot be computed fails alone.
    private func compute(_ a: WireMessage.AssignGrads, frames: [[UInt8]]) {
        let failAll = { (kind: TaskFailure.Kind, reason: String) in
            for shard in a.shards { self.send(.taskFailed(.init(leaseID: shard.leaseID, kind: kind, reason: reason))) }
        }
        guard case .gradients(let trainer)? = job?.loaded else { return failAll(.retry, "no job loaded yet") }
        let count = trainer.ranker.layout.parameterCount
        if let frame = frames.first {
            guard let values = TensorFrame.floats(frame, count: count) else {
                return failAll(.workerUnusable, "parameter frame has \(frame.count) bytes, expected \(count * 4)")
            }
            parameters = (a.paramsVersion, values)
        }
        guard let p = parameters, p.version == a.paramsVersion else {
            return failAll(.missingParameters, "no parameters for version \(a.paramsVersion)")
        }
        var sums: [WireMessage.GradResults.Sums] = []
        var gradients: [Int: [Float]] = [:]
        for shard in a.shards {
            tasksStarted += 1
            applyFaults()
            guard shard.examples.allSatisfy({ Int($0) < trainer.examples.count }) else {
                send(.taskFailed(.init(leaseID: shard.leaseID, kind: .workerUnusable, reason: "example index out of range")))
                continue
            }
            setProgress(lease: shard.leaseID, advance: 1)
            let r = ShardGradient.compute(ranker: trainer.ranker, parameters: p.values, examples: shard.examples.map { trainer.examples[Int($0)] },
                                          objective: trainer.objective, epoch: Int(a.epoch))
            if settings.faults.delayMS > 0 { Thread.sleep(forTimeInterval: Double(settings.faults.delayMS) / 1000) }
            setProgress(lease: 0, advance: 1)
            sums.append(.init(leaseID: shard.leaseID, shard: shard.shard, loss: r.loss, clickLoss: r.clickLoss, labelLoss: r.labelLoss,
                              queries: UInt32(r.queries)))
            gradients[Int(shard.shard)] = r.gradient
        }
        guard !sums.isEmpty else { return }
        // One node per block of consecutive shards: the bits the coordinator would sum to.
        let (nodes, frame) = GradientFrame.encode(trainer.gradientTree.parts(gradients))
        let results = WireMessage.GradResults(epoch: a.epoch, step: a.step, paramsVersion: a.paramsVersion, shards: sums, nodes: nodes)
        var encoded = WireCodec.encode(WireMessage(runID: currentRunID, sequence: 0, body: .gradResults(results), frames: [frame]))
        if let n = settings.faults.corruptAfter, tasksStarted > n { encoded[1][0] ^= 0xFF }
        StepTrace.mark("W2 compute end")
        socketThread.send(encoded)
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private var currentRunID: String {
        lock.lock()
        defer { lock.unlock() }
        return runID ?? ""
    }

    func setProgress(lease: UInt64, advance: UInt64) {
        lock.lock()
        currentLease = lease
        progress += advance
        lock.unlock()
    }

    /// The fault-injection seam: crash or hang on purpose, mid-task.
    func applyFaults() {
        let f = settings.faults
        if let n = f.crashAfter, tasksStarted > n {
            // Calls already sent to an LLM finish first: a kill while a request is in flight
            // would lose an answer the server was paid for (that case costs one call again).
            while locked({ inFlight }) > 0 { Thread.sleep(forTimeInterval: 0.05) }
            Thread.sleep(forTimeInterval: 0.2)
            logger.warning("fault injection: SIGKILL on task \(tasksStarted)")
            kill(getpid(), SIGKILL)
        }
        if let n = f.hangAfter, tasksStarted > n {
            logger.warning("fault injection: compute thread hangs on task \(tasksStarted)")
            while true { Thread.sleep(forTimeInterval: 3600) }
        }
    }
}
