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
    /// Requests promised to calls running elsewhere, not yet settled.
    private var allowanceRequests = 0
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

    /// Requests the budget has left (nil: no request budget).
    public var requestsLeft: Int? {
        lock.lock()
        defer { lock.unlock() }
        return maxRequests.map { max(0, $0 - requests - allowanceRequests) }
    }

    /// Takes one request and `tokens` (an upper estimate: prompt and max_tokens) from the
    /// budget, or returns false when they do not fit.
    public func reserveRequest(tokens estimate: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if let m = maxRequests, requests + allowanceRequests >= m { refused = true; return false }
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
    /// request themselves.
    public func reserveCall() -> Bool { reserveRequest(tokens: 0) }

    public func spend(tokens t: Int) { settle(reserved: 0, spent: t, sent: true) }

    /// Reserves up to `requests` requests of at most `tokensEach` tokens for one call sent
    /// elsewhere (a cluster worker), which may spend no more than the allowance. When the
    /// budget's rest is held by calls still running, waits for them to settle; nil once nothing
    /// is left.
    public func reserveAllowance(upTo requests: Int, tokensEach: Int) -> AllowanceGrant? {
        lock.lock()
        defer { lock.unlock() }
        while true {
            if refused { return nil }
            var granted = max(1, requests)
            if let m = maxRequests { granted = min(granted, m - self.requests - allowanceRequests) }
            if let m = maxTokens { granted = min(granted, (m - tokens - reservedTokens) / max(1, tokensEach)) }
            if granted >= 1 {
                allowanceRequests += granted
                reservedTokens += granted * tokensEach
                let allowance = RequestAllowance(requests: maxRequests == nil ? nil : granted,
                                                 tokens: maxTokens == nil ? nil : granted * tokensEach)
                return AllowanceGrant(allowance: allowance, requests: granted, tokens: granted * tokensEach)
            }
            if allowanceRequests == 0 && reservedTokens == 0 { refused = true; return nil }
            lock.unlock()
            Thread.sleep(forTimeInterval: 0.02)
            lock.lock()
        }
    }

    /// Takes no new work from here on (a call ran out of its allowance).
    public func refuse() {
        lock.lock()
        refused = true
        lock.unlock()
    }

    /// Replaces an allowance with what the call spent.
    public func settle(_ grant: AllowanceGrant, sent: Int, spentTokens: Int) {
        lock.lock()
        allowanceRequests -= grant.requests
        reservedTokens -= grant.tokens
        self.requests += sent
        tokens += spentTokens
        lock.unlock()
    }
}

/// An allowance and what it holds of the budget until it is settled.
public struct AllowanceGrant: Sendable {
    public var allowance: RequestAllowance
    var requests: Int
    var tokens: Int
}

/// The most HTTP requests and tokens one call may spend (nil: no limit).
public struct RequestAllowance: Sendable, Equatable {
    public var requests: Int?
    public var tokens: Int?

    public init(requests: Int?, tokens: Int?) {
        self.requests = requests
        self.tokens = tokens
    }

    public static let unlimited = RequestAllowance(requests: nil, tokens: nil)
}
