import Annotation
import FamolConfig

/// Settings of one LLM annotation job that `famol annotate` takes besides the judge's
/// endpoint and model (`JudgeSettings.OpenAISettings`): the strategy, voting, retries, prompt
/// shape and budget. Study and demo pass over these keys.
struct LLMJobSettings {
    var strategy = Strategy.pointann
    var samples = 1
    var vote = LLMAnnotationSettings.Vote.majority
    var retries = 4
    var parseRetries = 2
    var structuredOutput = StructuredOutput.auto
    var documentWords = 60
    var window = 10
    var step = 5
    var giveUpAfter = 8
    var budgetCalls: Int? = nil
    var budgetTokens: Int? = nil
    var bands: String? = nil
    var maxQueries: Int? = nil
    var prompts: String? = nil
    var apiKeyFile: String? = nil

    private static func names<T: CaseIterable & RawRepresentable>(_: T.Type) -> String where T.RawValue == String {
        T.allCases.map(\.rawValue).joined(separator: ", ")
    }

    static var settings: [Setting<LLMJobSettings>] {
        [
            Setting("openai.strategy", "strategy: \(names(Strategy.self))", \.strategy) { try $0.choice(Strategy.self, names(Strategy.self)) },
            Setting("openai.samples", "samples per call (voting when more than one)", \.samples) { try $0.int(min: 1) },
            Setting("openai.vote", "vote over samples: \(names(LLMAnnotationSettings.Vote.self))", \.vote) {
                try $0.choice(LLMAnnotationSettings.Vote.self, names(LLMAnnotationSettings.Vote.self))
            },
            Setting("openai.retries", "retries of connection errors, 429 and 5xx (exponential backoff with jitter)", \.retries) { try $0.int(min: 0) },
            Setting("openai.parse_retries", "retries of output that does not parse, before an abstention is stored", \.parseRetries) {
                try $0.int(min: 0)
            },
            Setting("openai.structured_output", "structured output: auto, json_schema, json_object (llama.cpp's Python server) or off",
                    \.structuredOutput) { try $0.choice(StructuredOutput.self, names(StructuredOutput.self)) },
            Setting("openai.document_words", "words of each document in a prompt", \.documentWords) { try $0.int(min: 1) },
            Setting("openai.window", "documents per list call (ListRank's window)", \.window) { try $0.int(min: 1) },
            Setting("openai.step", "ListRank window step", \.step) { try $0.int(min: 1) },
            Setting("openai.give_up_after", "stop when this many requests in a row time out or are throttled with no answer between them",
                    \.giveUpAfter) { try $0.int(min: 1) },
            Setting("openai.budget_calls", "stop before sending more than this many HTTP requests (retries included, on a cluster too)",
                    \.budgetCalls) { try $0.int(min: 0) },
            Setting("openai.budget_tokens", "stop before this many tokens could be exceeded (each request reserves its prompt and max_tokens)",
                    \.budgetTokens) { try $0.int(min: 0) },
            Setting("openai.bands", "bands file ('query frequency [band]'): the budget goes to low-frequency queries first", \.bands) {
                try $0.string()
            },
            Setting("openai.max_queries", "only the first N queries (in budget order)", \.maxQueries) { try $0.int(min: 1) },
            Setting("openai.prompts", "prompts directory (default: next to the binary, the installed share directory or FAMOL_PROMPTS)",
                    \.prompts) { try $0.string() },
            Setting("openai.api_key_file", "file holding the API key (instead of the environment)", \.apiKeyFile) { try $0.string() },
        ]
    }
}
