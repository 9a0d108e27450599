/// Accounts for every HTTP request a call sends: recorded, and charged to the budget, before
/// it leaves; settled from the reply after. A request the process dies during stays recorded.
public protocol RequestAccounting: Sendable {
    /// Records a request for `key` about to be sent; nil when the budget has no room for it.
    func willSend(key: String, estimatedTokens: Int) throws -> RequestTicket?
    /// Settles it: "answered", or why it failed, with the tokens the reply's usage reports.
    func didFinish(_ ticket: RequestTicket, outcome: String, promptTokens: Int, completionTokens: Int) throws
}

public struct RequestTicket: Sendable {
    public var id: Int64
    public var reservedTokens: Int
}

/// The budget ran out before a request could be sent: nothing was sent.
public struct BudgetExhausted: Error, Sendable {}

/// Requests recorded in the annotation store's ledger and charged to a budget.
public struct StoreRequestAccounting: RequestAccounting {
    public let store: AnnotationStore
    public let budget: AnnotationBudget

    public init(store: AnnotationStore, budget: AnnotationBudget) {
        self.store = store
        self.budget = budget
    }

    public func willSend(key: String, estimatedTokens: Int) throws -> RequestTicket? {
        guard budget.reserveRequest(tokens: estimatedTokens) else { return nil }
        do {
            return RequestTicket(id: try store.recordSending(key: key), reservedTokens: estimatedTokens)
        } catch {
            budget.settle(reserved: estimatedTokens, spent: 0, sent: false)
            throw error
        }
    }

    public func didFinish(_ ticket: RequestTicket, outcome: String, promptTokens: Int, completionTokens: Int) throws {
        budget.settle(reserved: ticket.reservedTokens, spent: promptTokens + completionTokens, sent: true)
        try store.recordFinished(ticket.id, outcome: outcome, promptTokens: promptTokens, completionTokens: completionTokens)
    }
}
