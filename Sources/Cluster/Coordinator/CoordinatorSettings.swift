import Ranking

/// How the coordinator listens, whom it admits and when it gives up on a worker.
public struct CoordinatorSettings: Sendable {
    public var bind: String
    public var minWorkers: Int = 1
    public var liveness = LivenessPolicy()
    public var straggler = StragglerPolicy()
    /// Refuse workers whose numeric profile differs from the coordinator's.
    public var deterministic = true
    /// CURVE: the server's key pair and the admitted workers' public keys.
    public var curve: (server: CurveKeyPair, authorized: Set<String>)? = nil
    public var maxMessageBytes: Int64 = 256 << 20
    /// A step with no live worker for this long fails the run instead of waiting forever.
    public var noWorkerTimeoutSeconds: Double = 120

    public init(bind: String) { self.bind = bind }
}

/// A cluster failure the user must act on.
public struct ClusterError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One worker as the coordinator sees it.
struct WorkerRecord {
    var identity: [UInt8]
    var workerID: String
    var incarnation: UInt64
    var ready = false
    /// Calls (annotation, embedding) it said it can hold, and how many of those are free.
    /// Gradient shards take no credit: each step's shards go to the workers in one message each.
    var credit = 0
    var freeCredit = 0
    /// Credit-holding leases that ended without an answer (re-issued after a stall, or moot
    /// once another copy answered): their credit comes back when the worker answers them.
    var creditOwed = Set<UInt64>()
    /// Gradient leases re-issued after a stall: while any is unanswered the worker is
    /// presumably stuck and gets no further shard.
    var stalledGradients = Set<UInt64>()
    var lastSeen: Double
    /// The parameters version the worker holds, to skip resending them.
    var paramsVersion: Int = -1
    var leases = Set<UInt64>()
    /// The last progress counter its heartbeats carried.
    var progress: UInt64 = 0

    /// Whether it can still help the task at hand: it has work out, or room for a call or a shard.
    var couldHelp: Bool { ready && (!leases.isEmpty || (freeCredit > 0 && stalledGradients.isEmpty)) }
}

/// A leased copy of a task on one worker.
struct Lease {
    var id: UInt64
    var task: UInt64
    var worker: [UInt8]
    var issuedAt: Double
    var progressAt: Double
    /// Whether it takes one of the worker's credit (calls do; gradient shards do not).
    var holdsCredit: Bool
}

/// A unit of work the coordinator leases: one shard of a training step, or one LLM call.
struct ClusterTask {
    enum Kind {
        case gradient(epoch: Int, step: Int, shard: Int, version: Int, examples: [UInt32])
        case annotation(key: String, callJSON: String, allowance: LeaseAllowance)
        /// One batch of texts for the embedded encoder.
        case embedding(texts: [String])

        /// Whether a lease of it takes one of the worker's credit: calls do; gradient shards
        /// travel a step at a time in one message per worker.
        var takesCredit: Bool {
            if case .gradient = self { return false }
            return true
        }
    }
    enum Output {
        /// A shard's loss sums; its gradient is under a node in the coordinator's `stepParts`.
        case gradient(LossSums)
        /// The stored result, and what failed attempts before it spent.
        case annotation(String, failedAttempts: Spend)
        /// The call's request allowance ran out before an answer.
        case allowanceSpent(Spend)
        /// The batch's embeddings, in the order of its texts.
        case embedding([[Float]])
        /// Workers failed it `failureLimit` times: the caller gets the last reason.
        case failed(String)
        /// Its answer came back and could not be stored: the run stops, nothing is asked again.
        case storeFailed(String)
    }
    static let failureLimit = 3
    var id: UInt64
    var kind: Kind
    var output: Output?
    var failures = 0
    /// LLM requests and tokens its failed attempts reported.
    var spent = Spend()

    /// What an annotation task's next lease may still spend.
    var remainingAllowance: LeaseAllowance {
        guard case let .annotation(_, _, a) = kind else { return .unlimited }
        return LeaseAllowance(requests: a.requests.map { $0 - spent.requests }, tokens: a.tokens.map { $0 - spent.tokens })
    }
}

/// LLM requests sent and the tokens their replies reported.
public struct Spend: Sendable, Equatable {
    public var requests = 0
    public var tokens = 0
    public init(requests: Int = 0, tokens: Int = 0) {
        self.requests = requests
        self.tokens = tokens
    }
}
