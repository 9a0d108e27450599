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
public struct BudgetExhausted: Error, Sendable { public init() {} }

/// The call was cancelled (its lease re-issued or its run over) before its next request.
public struct CallCancelled: Error, Sendable { public init() {} }

/// Requests recorded in the annotation store's ledger (when there is one) and charged to a
/// budget; a cancelled call sends no further request.
public struct StoreRequestAccounting: RequestAccounting {
    public let store: AnnotationStore?
    public let budget: AnnotationBudget
    public var isCancelled: @Sendable () -> Bool = { false }

    public init(store: AnnotationStore?, budget: AnnotationBudget, isCancelled: @escaping @Sendable () -> Bool = { false }) {
        self.store = store
        self.budget = budget
        self.isCancelled = isCancelled
    }

    public func willSend(key: String, estimatedTokens: Int) throws -> RequestTicket? {
        if isCancelled() { throw CallCancelled() }
        guard budget.reserveRequest(tokens: estimatedTokens) else { return nil }
        do {
            return RequestTicket(id: try store?.recordSending(key: key) ?? 0, reservedTokens: estimatedTokens)
        } catch {
            budget.settle(reserved: estimatedTokens, spent: 0, sent: false)
            throw error
        }
    }

    public func didFinish(_ ticket: RequestTicket, outcome: String, promptTokens: Int, completionTokens: Int) throws {
        budget.settle(reserved: ticket.reservedTokens, spent: promptTokens + completionTokens, sent: true)
        try store?.recordFinished(ticket.id, outcome: outcome, promptTokens: promptTokens, completionTokens: completionTokens)
    }
}
