import Foundation

/// What a worker needs to run annotation calls: the endpoint settings (never the API key: each
/// worker reads its own from its environment or file) and the prompts by strategy.
public struct AnnotationJob: Sendable, Codable, Equatable {
    public var chat: ChatSettings
    public var prompts: [String: String]
    public var parseRetries: Int
    /// Calls a worker keeps in flight.
    public var concurrency: Int

    public init(chat: ChatSettings, prompts: [Strategy: Prompt], promptTexts: [Strategy: String], parseRetries: Int, concurrency: Int) {
        self.chat = chat
        self.prompts = Dictionary(uniqueKeysWithValues: promptTexts.map { ($0.key.rawValue, $0.value) })
        self.parseRetries = parseRetries
        self.concurrency = concurrency
    }

    public func loadedPrompts() throws -> [Strategy: Prompt] {
        var out: [Strategy: Prompt] = [:]
        for (name, text) in prompts {
            guard let s = Strategy(rawValue: name) else { continue }
            out[s] = try Prompt(name: name, text: text)
        }
        return out
    }
}
