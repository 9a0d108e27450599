import Foundation
import Ranking

/// One LLM call: a strategy's prompt over a query and some of its documents, one sample.
/// Its key covers everything that decides the answer.
public struct AnnotationCall: Sendable, Codable, Equatable {
    public var key: String
    public var strategy: Strategy
    public var queryID: String
    public var queryText: String
    public var documentIDs: [String]
    public var documentTexts: [String]
    public var sample: Int

    public init(strategy: Strategy, prompt: Prompt, model: String, temperature: Double, sample: Int,
                queryID: String, queryText: String, documentIDs: [String], documentTexts: [String]) {
        self.strategy = strategy
        self.queryID = queryID
        self.queryText = queryText
        self.documentIDs = documentIDs
        self.documentTexts = documentTexts
        self.sample = sample
        let parts = [strategy.rawValue, prompt.version, model, String(temperature), String(sample),
                     SHA256.hex(Array(queryText.utf8))] + documentTexts.map { SHA256.hex(Array($0.utf8)) }
        key = SHA256.hex(Array(parts.joined(separator: "\u{1F}").utf8))
    }
}

/// Runs calls against a model: here through a `ChatClient`, in the cluster on a worker.
public protocol CallExecutor: Sendable {
    /// The answer to a call, parsed, or an abstention after the parse retries; throws when the
    /// endpoint fails for good (`BudgetExhausted` when the budget stopped it).
    func execute(_ call: AnnotationCall) throws -> StoredAnnotation
    /// Records and budgets each HTTP request itself (else the caller budgets whole calls).
    var accountsForRequests: Bool { get }
}

extension CallExecutor {
    public var accountsForRequests: Bool { false }
}

/// Executes calls with a chat client: renders the prompt, asks, parses, and retries output
/// that does not parse up to `parseRetries` times before abstaining. A retry samples at a
/// higher temperature: the same request at temperature 0 would buy the same wrong answer.
public struct ChatCallExecutor: CallExecutor {
    public let client: ChatClient
    public let prompts: [Strategy: Prompt]
    public var parseRetries: Int
    /// Where each request is recorded before it is sent (in process: the store's ledger).
    public var accounting: RequestAccounting?

    public init(client: ChatClient, prompts: [Strategy: Prompt], parseRetries: Int = 2, accounting: RequestAccounting? = nil) {
        self.client = client
        self.prompts = prompts
        self.parseRetries = parseRetries
        self.accounting = accounting
    }

    public var accountsForRequests: Bool { accounting != nil }

    /// The temperature of parse retry `r` (0: the first request): +0.4 per retry, at most 1.
    public static func retryTemperature(_ base: Double, retry r: Int) -> Double {
        r == 0 ? base : min(1, max(base, 0) + 0.4 * Double(r))
    }

    public func execute(_ call: AnnotationCall) throws -> StoredAnnotation {
        let prompt = prompts[call.strategy]!
        let user = prompt.render(query: call.queryText, documents: call.documentTexts)
        var promptTokens = 0, completionTokens = 0, requests = 0
        var lastText = ""
        for retry in 0...parseRetries {
            let reply = try client.complete(system: prompt.system, user: user, schema: call.strategy.schema(count: call.documentIDs.count),
                                            key: call.key, accounting: accounting,
                                            temperature: Self.retryTemperature(client.settings.temperature, retry: retry))
            requests += reply.requests
            promptTokens += reply.promptTokens
            completionTokens += reply.completionTokens
            lastText = reply.text
            if let labels = call.strategy.parse(reply.text, count: call.documentIDs.count) {
                return StoredAnnotation(key: call.key, strategy: call.strategy.rawValue, queryID: call.queryID, documentIDs: call.documentIDs,
                                        labels: labels, raw: reply.text, promptTokens: promptTokens, completionTokens: completionTokens, attempts: requests)
            }
        }
        return StoredAnnotation(key: call.key, strategy: call.strategy.rawValue, queryID: call.queryID, documentIDs: call.documentIDs,
                                labels: nil, raw: lastText, promptTokens: promptTokens, completionTokens: completionTokens, attempts: requests)
    }
}
