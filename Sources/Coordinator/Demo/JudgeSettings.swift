import Ranking

/// Settings of the judges a study can run: the embedded model and an OpenAI-compatible LLM.
struct JudgeSettings {
    var embeddingThreads = 2
    var embeddingModelDir: String? = nil
    var embeddingMaxTokens = 256
    var openai = OpenAISettings()

    struct OpenAISettings {
        var endpoint: String? = nil
        var model: String? = nil
        var strategies = ["pointann", "listann", "listsel", "listrank"]
        var apiKeyEnv = "OPENAI_API_KEY"
        var temperature = 0.0
        var maxTokens = 200
        var concurrency = 4
        var timeout = 60.0
    }

    /// Shares of the candidates over the whole collection that the embedded judge grades 3,
    /// 2 and 1 (global thresholds: a list with nothing similar enough gets all zeros).
    var judgeShares = [0.05, 0.07, 0.10]

    static let configKeys: [(String, String)] = [
        ("embedding.grade_shares", "collection-wide shares graded 3, 2, 1 by the embedded judge"),
        ("embedding.threads", "BLAS threads of the embedded judge"), ("embedding.model_dir", "model directory"), ("embedding.max_tokens", "truncation"),
        ("openai.endpoint", "chat-completions base URL"), ("openai.model", "model name"), ("openai.strategies", "annotation strategies to compare"),
        ("openai.api_key_env", "environment variable with the API key"), ("openai.temperature", "sampling temperature"),
        ("openai.max_tokens", "completion tokens per call"), ("openai.concurrency", "calls in flight per worker"), ("openai.timeout", "seconds per request"),
    ]

    /// Applies one judge setting; false when the key is not one of them.
    mutating func apply(_ key: String, _ v: ConfigValue) throws -> Bool {
        switch key {
        case "embedding.grade_shares":
            let s = try v.doubles(count: 3, in: 0...1)
            guard s.reduce(0, +) <= 1 else { throw v.error("the shares must add up to at most 1") }
            judgeShares = s
        case "embedding.threads": embeddingThreads = try v.int(min: 1)
        case "embedding.model_dir": embeddingModelDir = try v.string()
        case "embedding.max_tokens": embeddingMaxTokens = try v.int(min: 8)
        case "openai.endpoint": openai.endpoint = try v.string()
        case "openai.model": openai.model = try v.string()
        case "openai.strategies": openai.strategies = try v.strings()
        case "openai.api_key_env": openai.apiKeyEnv = try v.string()
        case "openai.temperature": openai.temperature = try v.double()
        case "openai.max_tokens": openai.maxTokens = try v.int(min: 1)
        case "openai.concurrency": openai.concurrency = try v.int(min: 1)
        case "openai.timeout": openai.timeout = try v.double()
        default: return false
        }
        return true
    }
}
