/// The most frames a protocol message carries after its envelope (a parameters or gradient
/// frame, with room for one more): more is an attack or a bug, and is discarded unread.
public let wireMaxDataFrames = 2

/// The protocol's version: envelopes with another version are dropped and counted.
public let wireProtocolVersion: UInt32 = 3

/// A protocol message as Swift values; `WireCodec` maps it to and from protobuf-c.
public struct WireMessage: Equatable, Sendable {
    public var runID: String
    public var sequence: UInt64
    public var body: Body
    /// Raw little-endian float32 frames after the envelope (parameters, gradients).
    public var frames: [[UInt8]]

    public init(runID: String, sequence: UInt64 = 0, body: Body, frames: [[UInt8]] = []) {
        self.runID = runID
        self.sequence = sequence
        self.body = body
        self.frames = frames
    }

    public enum Body: Equatable, Sendable {
        case hello(Hello)
        case ready(credit: UInt32)
        case heartbeat(leaseID: UInt64, progress: UInt64)
        case gradResults(GradResults)
        case taskFailed(TaskFailure)
        case goodbye(reason: String)
        case welcome(Welcome)
        case assignGrads(AssignGrads)
        case cancel(leaseID: UInt64)
        case pong
        case shutdown(reason: String)
        case refuse(reason: String)
        case assignAnnotate(leaseID: UInt64, callJSON: String, allowance: LeaseAllowance)
        case annotateResult(leaseID: UInt64, resultJSON: String)
        case ack(key: String)
        case assignEmbed(leaseID: UInt64, texts: [String])
        /// Its float32 frame holds `count` x `dimensions` values.
        case embedResult(leaseID: UInt64, count: UInt32, dimensions: UInt32)
    }

    public struct Hello: Equatable, Sendable {
        public var workerID: String
        public var incarnation: UInt64
        public var capabilities: [String]
        public var credit: UInt32
        public var build: String
        public var numericProfile: String
        public init(workerID: String, incarnation: UInt64, capabilities: [String], credit: UInt32, build: String, numericProfile: String) {
            self.workerID = workerID
            self.incarnation = incarnation
            self.capabilities = capabilities
            self.credit = credit
            self.build = build
            self.numericProfile = numericProfile
        }
    }

    public struct Welcome: Equatable, Sendable {
        public var heartbeatIntervalMS: UInt32
        public var liveness: UInt32
        public var configHash: String
        public var datasetHash: String
        public var jobJSON: String
        public init(heartbeatIntervalMS: UInt32, liveness: UInt32, configHash: String, datasetHash: String, jobJSON: String) {
            self.heartbeatIntervalMS = heartbeatIntervalMS
            self.liveness = liveness
            self.configHash = configHash
            self.datasetHash = datasetHash
            self.jobJSON = jobJSON
        }
    }
}

/// A task a worker could not finish: what the coordinator should do about it, and what the
/// attempt spent (LLM requests are billed whether or not they were answered).
public struct TaskFailure: Equatable, Sendable {
    public enum Kind: Sendable, CaseIterable {
        /// Transient: lease the task again.
        case retry
        /// This worker cannot run this job's tasks (a data or protocol mismatch): drop it.
        case workerUnusable
        /// The worker lacks the parameters of the task's version: send them with the next task.
        case missingParameters
        /// Retrying anywhere will not help (a refused API key, an endpoint that cannot keep up).
        case failedForGood
        /// The lease's request allowance ran out: the run's budget is spent.
        case allowanceSpent
        /// The coordinator cancelled the lease before it finished.
        case cancelled
    }

    public var leaseID: UInt64
    public var kind: Kind
    public var reason: String
    public var requestsSent: UInt32
    public var tokensSpent: UInt64

    public init(leaseID: UInt64, kind: Kind, reason: String, requestsSent: UInt32 = 0, tokensSpent: UInt64 = 0) {
        self.leaseID = leaseID
        self.kind = kind
        self.reason = reason
        self.requestsSent = requestsSent
        self.tokensSpent = tokensSpent
    }
}

/// Why an inbound message was dropped; each reason has its own counter.
public enum DropReason: String, Sendable, CaseIterable {
    case undecodable, badChecksum = "bad_checksum", wrongVersion = "wrong_version", wrongRunID = "wrong_run_id"
    case frameMismatch = "frame_mismatch", unknownPeer = "unknown_peer"
    /// More frames or bytes than any protocol message has: discarded as it was read.
    case oversized
}
