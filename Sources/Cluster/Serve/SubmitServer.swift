import CZMQ
import Foundation
import Logging

/// The submit socket of `famol serve`: clients queue jobs on it and hear about them until they
/// end. A ROUTER in a context of its own, so that with CURVE it has its own ZAP handler; jobs
/// run one at a time, in the order they came.
public final class SubmitServer: @unchecked Sendable {
    /// A queued job: its number, the client to tell, and what it asked for.
    public struct Submission: Sendable {
        public let job: Int
        public let client: [UInt8]
        public let request: SubmitRequest
    }

    private let context = ZMQContext()
    private var thread: SocketThread!
    private var zap: ZAPHandler?
    private let condition = NSCondition()
    private var queue: [Submission] = []
    private var running: Submission?
    private var nextJob = 1
    private let logger: Logger
    public private(set) var boundEndpoint = ""

    /// Largest request: a spec is a few kilobytes.
    public static let maxRequestBytes = 1 << 20

    public init(bind: String, curve: (server: CurveKeyPair, authorized: Set<String>)?, logger: Logger) throws {
        self.logger = logger
        let socket = try ZMQSocket(type: ZMQ_ROUTER, context: context)
        try socket.set(ZMQ_MAXMSGSIZE, int64: Int64(Self.maxRequestBytes))
        if let curve {
            zap = try ZAPHandler(authorized: curve.authorized, context: context) { [logger] key, ok in
                if !ok { logger.warning("refused a submitting client with unlisted key \(key.prefix(8))...") }
            }
            try socket.set(ZMQ_ZAP_DOMAIN, string: "famol")
            try socket.set(ZMQ_CURVE_SERVER, 1)
            try socket.set(ZMQ_CURVE_SECRETKEY, string: curve.server.secretKey!)
        }
        try socket.bind(bind)
        boundEndpoint = socket.lastEndpoint
        thread = try SocketThread(socket: socket, tickMilliseconds: 2000, limits: MessageLimits(maxFrames: 2, maxBytes: Self.maxRequestBytes),
                                  handlers: .init(onMessage: { [unowned self] frames in self.received(frames) },
                                                  onTick: { [unowned self] in self.tellWaitingClients() },
                                                  onOversized: { [logger] _, frames, bytes in
                                                      logger.warning("dropped a submit message of \(frames) frames and \(bytes) bytes")
                                                  }))
        thread.start(name: "famol-submit")
    }

    private func received(_ frames: [[UInt8]]) {
        guard frames.count == 2 else { return }
        let client = frames[0]
        guard let request = try? JSONDecoder().decode(SubmitRequest.self, from: Data(frames[1])) else {
            var e = SubmitEvent(event: .failed, job: 0)
            e.error = "not a famol submit request (JSON with kind and spec)"
            e.exitCode = 64
            return send(e, to: client)
        }
        condition.lock()
        let submission = Submission(job: nextJob, client: client, request: request)
        nextJob += 1
        queue.append(submission)
        let ahead = queue.count - 1 + (running == nil ? 0 : 1)
        condition.signal()
        condition.unlock()
        logger.info("job \(submission.job) queued: \(request.kind) (\(ahead) ahead)")
        var e = SubmitEvent(event: .queued, job: submission.job)
        e.ahead = ahead
        send(e, to: client)
    }

    /// Every few seconds: each waiting client hears where its job stands.
    private func tellWaitingClients() {
        condition.lock()
        let waiting = queue, current = running
        condition.unlock()
        if let current { send(SubmitEvent(event: .running, job: current.job), to: current.client) }
        for (i, s) in waiting.enumerated() {
            var e = SubmitEvent(event: .queued, job: s.job)
            e.ahead = i + (current == nil ? 0 : 1)
            send(e, to: s.client)
        }
    }

    /// The next job, waiting up to `timeout` seconds; it is the running one until `finished`.
    public func next(timeout: Double) -> Submission? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty {
            if !condition.wait(until: deadline) { return nil }
        }
        running = queue.removeFirst()
        return running
    }

    public func finished() {
        condition.lock()
        running = nil
        condition.unlock()
    }

    public func send(_ event: SubmitEvent, to client: [UInt8]) {
        thread.send([client, event.encoded])
    }

    public func stop() {
        thread.stop()
        zap?.stop()
    }
}
