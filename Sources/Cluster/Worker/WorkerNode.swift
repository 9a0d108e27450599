import Annotation
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
    enum LoadedJob {
        case train(Trainer)
        case annotate(ChatCallExecutor, credit: Int)
        case embed(MiniLMEncoder)
    }
    var job: (configHash: String, loaded: LoadedJob)? = nil
    private var localStore: AnnotationStore? = nil
    private var storeFailure: String? = nil
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
            case .assignGrad(let a):
                compute(a, frames: m.frames)
            case let .assignAnnotate(leaseID, json, allowance):
                annotate(leaseID: leaseID, callJSON: json, allowance: allowance)
            case let .assignEmbed(leaseID, texts):
                embed(leaseID: leaseID, texts: texts)
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
        send(.hello(.init(workerID: settings.workerID, incarnation: incarnation, capabilities: ["grad", "annotate", "embed"],
                          credit: UInt32(settings.credit), build: "famol-worker 1", numericProfile: NumericProfile.current)))
    }

    // MARK: compute thread

    /// Loads the job of a Welcome (unless already loaded) and checks its data hash.
    private func accept(_ w: WireMessage.Welcome, runID: String) -> WorkerExit? {
        if job?.configHash != w.configHash {
            do {
                switch try ClusterJob.decode(json: w.jobJSON) {
                case .train(let spec):
                    let hash = try spec.datasetHash(remap: remap)
                    guard hash == w.datasetHash else {
                        let reason = "dataset hash \(hash.prefix(12)) differs from the coordinator's \(w.datasetHash.prefix(12)): this host's copies of \(spec.trainingFiles.map(remap).joined(separator: ", ")) are not the coordinator's"
                        send(.goodbye(reason: reason))
                        return .failed(reason)
                    }
                    let (trainer, _) = try TrainingJob.loadTrainer(spec, remap: remap)
                    job = (w.configHash, .train(trainer))
                case .annotate(let a):
                    // A store that cannot be opened (a full disk) fails each call before it is
                    // sent, so the coordinator stops the run at once and says why.
                    var local: AnnotationStore? = nil
                    storeFailure = nil
                    do { local = try settings.storePath.map { try AnnotationStore(path: $0) } } catch { storeFailure = "\(error)" }
                    localStore = local
                    let executor = ChatCallExecutor(client: try ChatClient(settings: a.chat), prompts: try a.loadedPrompts(),
                                                    parseRetries: a.parseRetries,
                                                    accounting: local.map { StoreRequestAccounting(store: $0, budget: AnnotationBudget(maxRequests: nil, maxTokens: nil)) })
                    // The job's per-worker concurrency is the limit on calls in flight; `--credit` is
                    // for training tasks (its default of 2 would double `--concurrency 1`).
                    job = (w.configHash, .annotate(executor, credit: max(1, a.concurrency)))
                case .embed(let e):
                    job = (w.configHash, .embed(try e.loadEncoder()))
                }
                parameters = nil
            } catch {
                let reason = "cannot load the job: \(error)"
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
        if case .annotate(_, let c)? = job?.loaded { credit = c }
        send(.ready(credit: UInt32(credit)))
        return nil
    }

    /// Runs one LLM call on its own thread (the coordinator's credit bounds how many), within
    /// the lease's allowance, until it ends or its lease is cancelled.
    private func annotate(leaseID: UInt64, callJSON: String, allowance: RequestAllowance) {
        guard case .annotate(let executor, _)? = job?.loaded,
              let call = try? JSONDecoder().decode(AnnotationCall.self, from: Data(callJSON.utf8)) else {
            _ = locked { openLeases.remove(leaseID) }
            return send(.taskFailed(.init(leaseID: leaseID, kind: .workerUnusable, reason: "not an annotation call for this job")))
        }
        if let storeFailure {
            _ = locked { openLeases.remove(leaseID) }
            return send(.taskFailed(.init(leaseID: leaseID, kind: .failedForGood, reason: "this worker's store: \(storeFailure)")))
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
        let spent = AnnotationBudget(maxRequests: allowance.requests, maxTokens: allowance.tokens)
        var bounded = executor
        bounded.accounting = StoreRequestAccounting(store: localStore, budget: spent,
                                                    isCancelled: { [self] in locked { cancelled.contains(leaseID) } })
        Thread.detachNewThread { [self, bounded] in
            defer { lock.lock(); inFlight -= 1; cancelled.remove(leaseID); openLeases.remove(leaseID); lock.unlock() }
            do {
                let result = try bounded.execute(call)
                // Kept here before it is sent: a coordinator that dies before storing it (and
                // takes this worker with it) leaves it where the next run finds it.
                try localStore?.put(result)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let json = String(decoding: try encoder.encode(result), as: UTF8.self)
                lock.lock()
                unacked[result.key] = json
                lock.unlock()
                setProgress(lease: 0, advance: 1)
                send(.annotateResult(leaseID: leaseID, resultJSON: json))
            } catch {
                setProgress(lease: 0, advance: 1)
                send(.taskFailed(.init(leaseID: leaseID, kind: Self.failureKind(of: error), reason: "\(error)",
                                       requestsSent: UInt32(clamping: spent.requests), tokensSpent: UInt64(clamping: spent.tokens))))
            }
        }
    }

    /// What a failed call means for the run.
    static func failureKind(of error: Error) -> TaskFailure.Kind {
        switch error {
        case is BudgetExhausted: return .allowanceSpent
        case is CallCancelled: return .cancelled
        case let e as ChatError: return e.retryable ? .retry : .failedForGood
        case is AnnotationStore.StoreError: return .failedForGood  // this host's disk: stop, say why
        default: return .retry
        }
    }

    private func remap(_ path: String) -> String {
        guard let dir = settings.dataDirectory else { return path }
        return dir + "/" + (path.split(separator: "/").last.map(String.init) ?? path)
    }

    private func compute(_ a: WireMessage.AssignGrad, frames: [[UInt8]]) {
        guard case .train(let trainer)? = job?.loaded else {
            return send(.taskFailed(.init(leaseID: a.leaseID, kind: .retry, reason: "no job loaded yet")))
        }
        tasksStarted += 1
        applyFaults()
        let count = trainer.ranker.layout.parameterCount
        if let frame = frames.first {
            guard let values = TensorFrame.floats(frame, count: count) else {
                return send(.taskFailed(.init(leaseID: a.leaseID, kind: .workerUnusable, reason: "parameter frame has \(frame.count) bytes, expected \(count * 4)")))
            }
            parameters = (a.paramsVersion, values)
        }
        guard let p = parameters, p.version == a.paramsVersion else {
            return send(.taskFailed(.init(leaseID: a.leaseID, kind: .missingParameters, reason: "no parameters for version \(a.paramsVersion)")))
        }
        guard a.examples.allSatisfy({ Int($0) < trainer.examples.count }) else {
            return send(.taskFailed(.init(leaseID: a.leaseID, kind: .workerUnusable, reason: "example index out of range")))
        }
        setProgress(lease: a.leaseID, advance: 1)
        let r = ShardGradient.compute(ranker: trainer.ranker, parameters: p.values, examples: a.examples.map { trainer.examples[Int($0)] },
                                      objective: trainer.objective, epoch: Int(a.epoch))
        if settings.faults.delayMS > 0 { Thread.sleep(forTimeInterval: Double(settings.faults.delayMS) / 1000) }
        setProgress(lease: 0, advance: 1)
        let result = WireMessage.GradResult(leaseID: a.leaseID, epoch: a.epoch, step: a.step, shard: a.shard, paramsVersion: a.paramsVersion,
                                            loss: r.loss, clickLoss: r.clickLoss, labelLoss: r.labelLoss, queries: UInt32(r.queries))
        var encoded = WireCodec.encode(WireMessage(runID: currentRunID, sequence: 0, body: .gradResult(result), frames: [TensorFrame.bytes(r.gradient)]))
        if let n = settings.faults.corruptAfter, tasksStarted > n { encoded[1][0] ^= 0xFF }
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
