import FamolConfig
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

    static var settings: [Setting<JudgeSettings>] {
        [
            Setting("embedding.grade_shares", "collection-wide shares graded 3, 2, 1 by the embedded judge") { j, v in
                let s = try v.doubles(count: 3, in: 0...1)
                guard s.reduce(0, +) <= 1 else { throw v.error("the shares must add up to at most 1") }
                j.judgeShares = s
            },
            Setting("embedding.threads", "BLAS threads of the embedded judge", \.embeddingThreads) { try $0.int(min: 1) },
            Setting("embedding.model_dir", "model directory of the embedded judge", \.embeddingModelDir) { try $0.string() },
            Setting("embedding.max_tokens", "truncation of each text, in tokens", flag: "--embedding-max-tokens", \.embeddingMaxTokens) { try $0.int(min: 8) },
            Setting("openai.endpoint", "chat-completions base URL", \.openai.endpoint) { try $0.string() },
            Setting("openai.model", "model name", \.openai.model) { try $0.string() },
            Setting("openai.strategies", "annotation strategies to compare", \.openai.strategies) { try $0.strings() },
            Setting("openai.api_key_env", "environment variable with the API key", \.openai.apiKeyEnv) { try $0.string() },
            Setting("openai.temperature", "sampling temperature", \.openai.temperature) { try $0.double(in: 0...2) },
            Setting("openai.max_tokens", "completion tokens per call", \.openai.maxTokens) { try $0.int(min: 1) },
            Setting("openai.concurrency", "calls in flight per worker", \.openai.concurrency) { try $0.int(min: 1) },
            Setting("openai.timeout", "seconds per request", \.openai.timeout) { try $0.double(in: 0.1...3600) },
        ]
    }
}
