/// What one lease of a metered task (an LLM call) may spend: requests and tokens, nil for no
/// limit. The coordinator takes it from the run's budget before leasing, so workers together
/// never overshoot.
public struct LeaseAllowance: Sendable, Equatable {
    public var requests: Int?
    public var tokens: Int?

    public init(requests: Int?, tokens: Int?) {
        self.requests = requests
        self.tokens = tokens
    }

    public static let unlimited = LeaseAllowance(requests: nil, tokens: nil)
}

/// A task's result came back and could not be stored (a full disk): the job stops, and
/// nothing is asked again.
public struct ResultStoreFailed: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
