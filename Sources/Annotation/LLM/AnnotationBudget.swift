import Foundation

/// A call and token budget shared by all threads of a run; `reserveCall` says no once it is
/// spent, and the run stops taking new work.
public final class AnnotationBudget: @unchecked Sendable {
    public let maxCalls: Int?
    public let maxTokens: Int?
    private let lock = NSLock()
    public private(set) var calls = 0
    public private(set) var tokens = 0

    public init(maxCalls: Int?, maxTokens: Int?) {
        self.maxCalls = maxCalls
        self.maxTokens = maxTokens
    }

    public var isExhausted: Bool {
        lock.lock()
        defer { lock.unlock() }
        return exhausted
    }

    private var exhausted: Bool {
        (maxCalls.map { calls >= $0 } ?? false) || (maxTokens.map { tokens >= $0 } ?? false)
    }

    /// Takes one call from the budget, or returns false when none is left.
    public func reserveCall() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if exhausted { return false }
        calls += 1
        return true
    }

    public func spend(tokens t: Int) {
        lock.lock()
        tokens += t
        lock.unlock()
    }
}
