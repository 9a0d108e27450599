import Annotation
import ArgumentParser
import Cluster
import ClusterAnnotation
import Foundation
import Ranking

/// Options of the LLM judge.
struct LLMOptions: ParsableArguments {
    @Option(help: "Chat-completions base URL, e.g. http://127.0.0.1:8080/v1.") var endpoint: String?
    @Option(help: "Model name sent to the endpoint.") var model: String?
    @Option(help: "Strategy: pointann, listann, listsel or listrank.") var strategy: Strategy = .pointann
    @Option(help: "Environment variable holding the API key (default OPENAI_API_KEY).") var apiKeyEnv: String?
    @Option(help: "File holding the API key (instead of the environment).") var apiKeyFile: String?
    @Option(help: "Sampling temperature (default 0).") var temperature: Double?
    @Option(help: "Completion tokens per call (default 200).") var maxTokens: Int?
    @Option(help: "Samples per call (voting when more than one).") var samples = 1
    @Option(help: "Vote over samples: majority or mean.") var vote: LLMAnnotationSettings.Vote = .majority
    @Option(help: "Calls in flight at once (default 4).") var concurrency: Int?
    @Option(help: "Seconds per request before it times out (default 60).") var timeout: Double?
    @Option(help: "Retries of connection errors, 429 and 5xx (exponential backoff with jitter).") var retries = 4
    @Option(help: "Retries of output that does not parse, before an abstention is stored.") var parseRetries = 2
    @Option(help: "Structured output: auto, json_schema, json_object (llama.cpp's Python server) or off.")
    var structuredOutput: StructuredOutput = .auto
    @Option(help: "Words of each document in a prompt.") var documentWords = 60
    @Option(help: "Documents per list call (ListRank's window).") var window = 10
    @Option(help: "ListRank window step.") var step = 5
    @Option(help: "Stop when this many requests in a row time out or are throttled with no answer between them: the endpoint cannot keep up.")
    var giveUpAfter = 8
    @Option(help: "Stop before sending more than this many HTTP requests (retries and parse retries included, on a cluster too).")
    var budgetCalls: Int?
    @Option(help: "Stop before this many tokens could be exceeded (prompt + completion; each request reserves its prompt and --max-tokens).")
    var budgetTokens: Int?
    @Flag(help: "Ask again, once, the calls an earlier run sent and never got an answer for (the endpoint may have billed them).")
    var retryUnanswered = false
    @Option(help: "Bands file ('query frequency [band]'): the budget is spent on low-frequency queries first.") var bands: String?
    @Option(help: "Only the first N queries (in budget order).") var maxQueries: Int?
    @Option(help: "Prompts directory (default: the repository's prompts/).") var prompts: String?

    /// The flags given, over the config file's `openai.*` settings.
    func apply(to o: inout JudgeSettings.OpenAISettings) {
        if let endpoint { o.endpoint = endpoint }
        if let model { o.model = model }
        if let apiKeyEnv { o.apiKeyEnv = apiKeyEnv }
        if let temperature { o.temperature = temperature }
        if let maxTokens { o.maxTokens = maxTokens }
        if let concurrency { o.concurrency = concurrency }
        if let timeout { o.timeout = timeout }
    }
}

extension Strategy: ExpressibleByArgument {}
extension StructuredOutput: ExpressibleByArgument {}
extension LLMAnnotationSettings.Vote: ExpressibleByArgument {}

extension AnnotateCommand {
    /// The LLM judge as one job (LLMAnnotationJob): in process, or with --bind its calls on
    /// this command's own cluster; --write-spec writes the job and stops.
    func runLLM(settings resolved: AnnotateSettings) throws {
        let openai = resolved.judging.openai
        guard let endpoint = openai.endpoint, let model = openai.model else {
            throw ValidationError("--judge openai needs --endpoint URL and --model NAME")
        }
        guard llm.giveUpAfter >= 1, llm.retries >= 0, llm.parseRetries >= 0, openai.concurrency >= 1, openai.timeout > 0 else {
            throw ValidationError("--give-up-after and --concurrency must be at least 1, --retries and --parse-retries at least 0, --timeout above 0")
        }
        var chat = ChatSettings(endpoint: endpoint, model: model)
        chat.apiKeyEnvironment = openai.apiKeyEnv
        chat.apiKeyFile = llm.apiKeyFile
        chat.temperature = openai.temperature
        chat.maxTokens = openai.maxTokens
        chat.timeoutSeconds = openai.timeout
        chat.retries = llm.retries
        chat.giveUpAfterOverloaded = llm.giveUpAfter
        chat.structuredOutput = llm.structuredOutput
        guard let promptDir = llm.prompts ?? Prompt.defaultDirectory() else {
            throw InputError(file: "--prompts", "prompts directory not found", hint: "give --prompts DIR (the repository's prompts/)")
        }
        var job = LLMAnnotationJob(chat: chat, prompts: promptDir)
        job.collection = try annotationCandidates(resolved)
        (job.strategy, job.samples, job.vote, job.concurrency) = (llm.strategy, llm.samples, llm.vote.rawValue, openai.concurrency)
        (job.documentWords, job.window, job.step, job.parseRetries) = (llm.documentWords, llm.window, llm.step, llm.parseRetries)
        (job.budgetCalls, job.budgetTokens, job.retryUnanswered) = (llm.budgetCalls, llm.budgetTokens, llm.retryUnanswered)
        (job.bands, job.maxQueries) = (llm.bands, llm.maxQueries)
        if let writeSpec {
            try AtomicFile.write(job.json + "\n", to: writeSpec)
            return print("spec written to \(writeSpec)")
        }
        // LLM requests, tokens, cache hits, abstentions and the budget left, in process or on a
        // cluster (the workers' own requests are on their --metrics-port).
        let metrics = try cluster.metricsPort.map { try MetricsServer(host: cluster.metricsHost, port: $0) { FamolMetrics.text() } }
        if let metrics { print("metrics on http://\(cluster.metricsHost):\(metrics.port)/metrics") }
        defer { metrics?.stop() }
        guard let bind = cluster.bind else {
            return try job.run(outputDirectory: out, cluster: nil, workerStores: nil) { print($0) }
        }
        let options = cluster
        try job.run(outputDirectory: out, cluster: { annotationJob, policies, store in
            var settings = try options.settings(bind: bind)
            settings.straggler.stallTimeoutSeconds = options.stallTimeout
            policies(&settings)
            let c = ClusterCoordinator(settings: settings, job: .annotate(annotationJob), datasetHash: "", storeResult: store, logger: Log.famol)
            try c.start()
            print("coordinator on \(c.boundEndpoint), waiting for \(options.minWorkers) worker(s)")
            do { try c.waitForWorkers(options.minWorkers) } catch {
                c.stop(reason: "no workers")
                throw error
            }
            return (c, options.minWorkers, { c.stop(reason: "annotation finished") })
        }, workerStores: workerStoreDirectory) { print($0) }
    }

    /// The directory `famol local` gives its workers for their own stores.
    var workerStoreDirectory: String { out + "/workers" }
}
