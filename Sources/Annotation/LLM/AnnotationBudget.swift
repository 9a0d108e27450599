import Foundation

/// A request and token budget shared by all threads of a run. Each HTTP request reserves its
/// place and its estimated tokens before it is sent and settles them after, so concurrent
/// requests can never together overshoot it; once it is spent the run stops taking new work.
public final class AnnotationBudget: @unchecked Sendable {
    /// Most HTTP requests (retries and parse retries included); nil: no limit.
    public let maxRequests: Int?
    public let maxTokens: Int?
    private let lock = NSLock()
    public private(set) var requests = 0
    public private(set) var tokens = 0
    private var reservedTokens = 0
    /// A request did not fit: the run takes no new work, even if a smaller one would.
    private var refused = false

    public init(maxRequests: Int?, maxTokens: Int?) {
        self.maxRequests = maxRequests
        self.maxTokens = maxTokens
    }

    public var isExhausted: Bool {
        lock.lock()
        defer { lock.unlock() }
        return refused || (maxRequests.map { requests >= $0 } ?? false) || (maxTokens.map { tokens + reservedTokens >= $0 } ?? false)
    }

    /// Takes one request and `tokens` (an upper estimate: prompt and max_tokens) from the
    /// budget, or returns false when they do not fit.
    public func reserveRequest(tokens estimate: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if let m = maxRequests, requests >= m { refused = true; return false }
        if let m = maxTokens, tokens + reservedTokens + estimate > m { refused = true; return false }
        requests += 1
        reservedTokens += estimate
        return true
    }

    /// Replaces a reservation with what the request cost (`sent` false: it never left).
    public func settle(reserved: Int, spent: Int, sent: Bool) {
        lock.lock()
        reservedTokens -= reserved
        tokens += spent
        if !sent { requests -= 1 }
        lock.unlock()
    }

    /// A whole call taken from the request budget, for executors that do not account per
    /// request themselves (the cluster's workers send their own requests).
    public func reserveCall() -> Bool { reserveRequest(tokens: 0) }

    public func spend(tokens t: Int) { settle(reserved: 0, spent: t, sent: true) }
}
