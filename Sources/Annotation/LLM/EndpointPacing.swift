import Foundation

/// How many requests an endpoint that is falling behind gets at once, and when to give up on
/// it. A timed-out request keeps the server busy, so sending its retry beside it only buries
/// the server deeper: each timeout or 429 halves the requests in flight, each quick answer adds
/// one back, and `giveUpAfter` requests in a row without an answer stop the run.
public struct PacingPolicy: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case answered(seconds: Double)
        /// Timed out, or throttled (429, 503): the endpoint cannot keep up at this rate.
        case overloaded
        /// Any other failure: says nothing about the endpoint's load.
        case failed
    }

    public enum Decision: Sendable, Equatable {
        case proceed
        case giveUp(String)
    }

    public var giveUpAfter: Int
    public var timeoutSeconds: Double
    /// Requests allowed in flight; nil until the endpoint first falls behind.
    public private(set) var limit: Int? = nil
    public private(set) var overloadedInARow = 0

    public init(giveUpAfter: Int, timeoutSeconds: Double) {
        self.giveUpAfter = giveUpAfter
        self.timeoutSeconds = timeoutSeconds
    }

    /// Whether one more request may start with `inFlight` already sent.
    public func mayStart(inFlight: Int) -> Bool { limit.map { inFlight < $0 } ?? true }

    /// Takes a request's outcome; `inFlight` counts the requests still out (this one excluded).
    public mutating func record(_ outcome: Outcome, inFlight: Int) -> Decision {
        switch outcome {
        case .answered(let seconds):
            overloadedInARow = 0
            // Quick answers (under a quarter of the timeout) earn back one request at a time.
            if let l = limit, seconds < timeoutSeconds / 4 { limit = l + 1 }
        case .overloaded:
            overloadedInARow += 1
            limit = max(1, min(limit ?? Int.max, inFlight + 1) / 2)
            if overloadedInARow >= giveUpAfter {
                return .giveUp("the endpoint did not keep up: \(overloadedInARow) requests in a row timed out (after \(timeoutSeconds) s) or were throttled, with no answer between them; famol stopped rather than pay for more. Try again later, with a smaller --concurrency or a longer --timeout")
            }
        case .failed:
            break
        }
        return .proceed
    }
}

/// A `PacingPolicy` shared by every thread that sends through one `ChatClient`.
final class EndpointPacer: @unchecked Sendable {
    private var policy: PacingPolicy
    private var inFlight = 0
    private var gaveUp: String? = nil
    private let condition = NSCondition()

    init(policy: PacingPolicy) { self.policy = policy }

    /// Waits for room for one request; throws once the policy gave up on the endpoint.
    func start() throws {
        condition.lock()
        defer { condition.unlock() }
        while gaveUp == nil && !policy.mayStart(inFlight: inFlight) { condition.wait() }
        if let gaveUp { throw ChatError(description: gaveUp, retryable: false) }
        inFlight += 1
    }

    /// Gives back the room of a request that was not sent after all.
    func notSent() {
        condition.lock()
        inFlight -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Ends a request; throws when this outcome made the policy give up.
    func finish(_ outcome: PacingPolicy.Outcome) throws {
        condition.lock()
        defer { condition.unlock() }
        inFlight -= 1
        condition.broadcast()
        if case .giveUp(let why) = policy.record(outcome, inFlight: inFlight), gaveUp == nil { gaveUp = why }
        if let gaveUp, outcome == .overloaded { throw ChatError(description: gaveUp, retryable: false) }
    }
}
