import Foundation
import Metrics
import Ranking

/// Settings of an OpenAI-compatible chat-completions endpoint (llama.cpp server, vLLM,
/// Ollama, hosted APIs). The API key comes from an environment variable or a file, never from
/// arguments, and is never logged.
public struct ChatSettings: Sendable, Codable, Equatable {
    public var endpoint: String
    public var model: String
    public var apiKeyEnvironment: String? = "OPENAI_API_KEY"
    public var apiKeyFile: String? = nil
    public var temperature: Double = 0
    public var maxTokens: Int = 256
    public var timeoutSeconds: Double = 60
    /// Retries of connection errors, 429 and 5xx, with exponential backoff and jitter.
    public var retries: Int = 4
    public var backoffSeconds: Double = 0.5
    public var maxBackoffSeconds: Double = 8
    /// Requests in a row that time out or are throttled, with no answer between them, before
    /// the run stops: the endpoint cannot keep up (see `PacingPolicy`).
    public var giveUpAfterOverloaded: Int = 8
    /// How to ask for JSON that fits the strategy's schema.
    public var structuredOutput: StructuredOutput = .auto

    public init(endpoint: String, model: String) {
        self.endpoint = endpoint
        self.model = model
    }
}

/// `response_format` styles. Servers differ: OpenAI and vLLM take `json_schema`; llama.cpp's
/// Python server takes `json_object` with a `schema`. `auto` starts with `json_schema` and steps
/// down (to `json_object`, then to plain text and the tolerant parser) when the server rejects it.
public enum StructuredOutput: String, Sendable, Codable, CaseIterable {
    case auto, jsonSchema = "json_schema", jsonObject = "json_object", off
}

/// One completion: its text, the tokens it cost and the HTTP requests it took (retries of
/// 5xx, 429 and lost connections included: each may have been paid for).
public struct ChatReply: Sendable, Equatable {
    public var text: String
    public var promptTokens: Int
    public var completionTokens: Int
    public var requests = 1
}

/// A failure that retrying will not fix (bad key, unknown model, refused request), or retries
/// that ran out.
public struct ChatError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public var retryable: Bool
    /// Seconds to wait before the next request (a 429's or 503's Retry-After, or after a timeout).
    public var retryAfter: Double? = nil
}

/// A blocking client for `POST {endpoint}/chat/completions`; safe to use from many threads.
public final class ChatClient: @unchecked Sendable {
    public let settings: ChatSettings
    private let apiKey: String?
    private let lock = NSLock()
    private var structured: StructuredOutput
    private let pacer: EndpointPacer

    public init(settings: ChatSettings) throws {
        self.settings = settings
        pacer = EndpointPacer(policy: PacingPolicy(giveUpAfter: max(1, settings.giveUpAfterOverloaded), timeoutSeconds: settings.timeoutSeconds))
        if let file = settings.apiKeyFile {
            guard let key = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw InputError(file: file, "cannot read the API key file")
            }
            apiKey = key.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            apiKey = settings.apiKeyEnvironment.flatMap { ProcessInfo.processInfo.environment[$0] }
        }
        structured = settings.structuredOutput
    }

    var url: String {
        var base = settings.endpoint
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/chat/completions"
    }

    /// Sends one chat completion, retrying transient failures. With `accounting`, each HTTP
    /// request is recorded (and budgeted) under `key` before it is sent and settled after;
    /// `temperature` overrides the settings' (a parse retry samples anew).
    public func complete(system: String, user: String, schema: [String: Any]?, key: String = "",
                         accounting: RequestAccounting? = nil, temperature: Double? = nil) throws -> ChatReply {
        var attempt = 0
        while true {
            do {
                var reply = try send(system: system, user: user, schema: schema, key: key, accounting: accounting,
                                     temperature: temperature ?? settings.temperature)
                reply.requests += attempt
                return reply
            } catch let e as ChatError where e.retryable && attempt < settings.retries {
                LLMMetrics.retries.increment()
                let backoff = min(settings.maxBackoffSeconds, settings.backoffSeconds * pow(2, Double(attempt)))
                Thread.sleep(forTimeInterval: max(e.retryAfter ?? 0, backoff * Double.random(in: 0.5...1.0)))
                attempt += 1
            } catch let e as ChatError where e.retryable {
                throw ChatError(description: "\(e.description) (after \(attempt + 1) attempts)", retryable: true)
            }
        }
    }

    /// An upper estimate of a request's tokens, reserved from a token budget before it is sent:
    /// about 4 characters per prompt token, plus every completion token it may return.
    public static func estimatedTokens(system: String, user: String, maxTokens: Int) -> Int {
        (system.utf8.count + user.utf8.count) / 3 + 16 + maxTokens
    }

    private func send(system: String, user: String, schema: [String: Any]?, key: String, accounting: RequestAccounting?,
                      temperature: Double) throws -> ChatReply {
        lock.lock()
        let style = schema == nil ? .off : (structured == .auto ? .jsonSchema : structured)
        lock.unlock()
        var body: [String: Any] = [
            "model": settings.model, "temperature": temperature, "max_tokens": settings.maxTokens,
            "messages": [["role": "system", "content": system], ["role": "user", "content": user]],
        ]
        switch (style, schema) {
        case (.jsonSchema, let schema?):
            body["response_format"] = ["type": "json_schema", "json_schema": ["name": "judgment", "schema": schema, "strict": true]]
        case (.jsonObject, let schema?):
            body["response_format"] = ["type": "json_object", "schema": schema]
        default: break
        }
        var headers = ["Content-Type: application/json"]
        if let apiKey { headers.append("Authorization: Bearer \(apiKey)") }
        let payload = Array(try JSONSerialization.data(withJSONObject: body))
        // Room at the endpoint first, then the ledger: a request waiting here is not yet sent.
        try pacer.start()
        var ticket: RequestTicket? = nil
        if let accounting {
            do {
                guard let t = try accounting.willSend(key: key, estimatedTokens: Self.estimatedTokens(system: system, user: user, maxTokens: settings.maxTokens)) else {
                    throw BudgetExhausted()
                }
                ticket = t
            } catch {
                pacer.notSent()
                throw error
            }
        }
        let started = DispatchTime.now().uptimeNanoseconds
        // Whatever happens next, the request was sent: settle it before anything else.
        func settle(_ outcome: String, _ prompt: Int = 0, _ completion: Int = 0) throws {
            LLMMetrics.request(outcome: outcome, seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9,
                               promptTokens: prompt, completionTokens: completion)
            if let accounting, let ticket { try accounting.didFinish(ticket, outcome: outcome, promptTokens: prompt, completionTokens: completion) }
        }
        let response: HTTPPost.Response
        do {
            response = try HTTPPost.send(url: url, headers: headers, body: payload, timeoutSeconds: settings.timeoutSeconds)
        } catch let e as HTTPPost.TransportError {
            try settle("transport error: \(e.description)")
            try pacer.finish(e.timedOut ? .overloaded : .failed)
            // A timed-out request kept the server busy: wait before sending the next one.
            throw ChatError(description: "cannot reach \(settings.endpoint): \(e.description)", retryable: true,
                            retryAfter: min(settings.maxBackoffSeconds, settings.timeoutSeconds / 4))
        }
        let status = response.status
        let data = Data(response.body)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        if status == 429 || status == 503 {
            try settle("HTTP \(status)")
            try pacer.finish(.overloaded)
        } else {
            try pacer.finish(status == 200 ? .answered(seconds: seconds) : .failed)
        }
        if (status == 400 || status == 500) && style != .off && settings.structuredOutput == .auto
            && String(decoding: data, as: UTF8.self).lowercased().contains("response_format") {
            try settle("HTTP \(status): response_format refused")
            lock.lock()
            structured = style == .jsonSchema ? .jsonObject : .off  // step down for the rest of the run
            lock.unlock()
            var reply = try send(system: system, user: user, schema: schema, key: key, accounting: accounting, temperature: temperature)
            reply.requests += 1  // the refused request was sent too
            return reply
        }
        if status == 429 || status >= 500 {
            if status != 429 && status != 503 { try settle("HTTP \(status)") }
            throw ChatError(description: "HTTP \(status) from \(settings.endpoint)", retryable: true,
                            retryAfter: response.retryAfterSeconds.map { min($0, 300) })
        }
        guard status == 200 else {
            try settle("HTTP \(status)")
            let snippet = String(decoding: data.prefix(300), as: UTF8.self)
            throw ChatError(description: "HTTP \(status) from \(settings.endpoint): \(snippet)", retryable: false)
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let choices = json["choices"] as? [[String: Any]], let message = choices.first?["message"] as? [String: Any] else {
            try settle("not a chat completion")
            throw ChatError(description: "the reply from \(settings.endpoint) is not a chat completion", retryable: true)
        }
        let usage = json["usage"] as? [String: Any]
        let reply = ChatReply(text: message["content"] as? String ?? "",
                              promptTokens: (usage?["prompt_tokens"] as? NSNumber)?.intValue ?? 0,
                              completionTokens: (usage?["completion_tokens"] as? NSNumber)?.intValue ?? 0)
        try settle("answered", reply.promptTokens, reply.completionTokens)
        return reply
    }
}

/// What an LLM endpoint costs, as Prometheus sees it (swift-metrics; no-ops until an
/// executable installs a backend).
enum LLMMetrics {
    static let retries = Counter(label: "famol_llm_retries_total")

    /// One HTTP request: its outcome (answered, HTTP 500, timeout, ...), its time and tokens.
    static func request(outcome: String, seconds: Double, promptTokens: Int, completionTokens: Int) {
        Counter(label: "famol_llm_requests_total", dimensions: [("outcome", kind(of: outcome))]).increment()
        Metrics.Timer(label: "famol_llm_request_seconds").recordNanoseconds(Int64(seconds * 1e9))
        if promptTokens > 0 { Counter(label: "famol_llm_tokens_total", dimensions: [("kind", "prompt")]).increment(by: Int64(promptTokens)) }
        if completionTokens > 0 { Counter(label: "famol_llm_tokens_total", dimensions: [("kind", "completion")]).increment(by: Int64(completionTokens)) }
    }

    /// A small, fixed set of label values: the outcome's first words.
    static func kind(of outcome: String) -> String {
        if outcome == "answered" { return "answered" }
        if outcome.hasPrefix("HTTP ") { return "http_" + outcome.dropFirst(5).prefix(3) }
        if outcome.contains("timed out") || outcome.contains("Timeout") { return "timeout" }
        if outcome.hasPrefix("transport error") { return "transport_error" }
        return "other"
    }
}
