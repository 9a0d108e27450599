import Annotation
import ArgumentParser
import Cluster
import ClusterAnnotation
import Foundation
import Ranking

/// Options of the LLM judge: each a setting of `AnnotateSettings.table` (`openai.*`), which
/// gives its help line and checks its value as it checks the config key.
struct LLMOptions: ParsableArguments {
    @Option(help: help("openai.endpoint")) var endpoint: String?
    @Option(help: help("openai.model")) var model: String?
    @Option(help: help("openai.strategy")) var strategy: String?
    @Option(help: help("openai.api_key_env")) var apiKeyEnv: String?
    @Option(help: help("openai.api_key_file")) var apiKeyFile: String?
    @Option(help: help("openai.temperature")) var temperature: String?
    @Option(help: help("openai.max_tokens")) var maxTokens: String?
    @Option(help: help("openai.samples")) var samples: String?
    @Option(help: help("openai.vote")) var vote: String?
    @Option(help: help("openai.concurrency")) var concurrency: String?
    @Option(help: help("openai.timeout")) var timeout: String?
    @Option(help: help("openai.retries")) var retries: String?
    @Option(help: help("openai.parse_retries")) var parseRetries: String?
    @Option(help: help("openai.structured_output")) var structuredOutput: String?
    @Option(help: help("openai.document_words")) var documentWords: String?
    @Option(help: help("openai.window")) var window: String?
    @Option(help: help("openai.step")) var step: String?
    @Option(help: help("openai.give_up_after")) var giveUpAfter: String?
    @Option(help: help("openai.budget_calls")) var budgetCalls: String?
    @Option(help: help("openai.budget_tokens")) var budgetTokens: String?
    @Flag(help: "Ask again, once, the calls an earlier run sent and never got an answer for (the endpoint may have billed them).")
    var retryUnanswered = false
    @Option(help: help("openai.bands")) var bands: String?
    @Option(help: help("openai.max_queries")) var maxQueries: String?
    @Option(help: help("openai.prompts")) var prompts: String?

    private static func help(_ key: String) -> ArgumentHelp { AnnotateCommand.help(key) }

    /// Each flag with its key (nil: not given).
    var given: [(key: String, text: String?)] {
        [
            ("openai.endpoint", endpoint), ("openai.model", model), ("openai.strategy", strategy), ("openai.api_key_env", apiKeyEnv),
            ("openai.api_key_file", apiKeyFile), ("openai.temperature", temperature), ("openai.max_tokens", maxTokens),
            ("openai.samples", samples), ("openai.vote", vote), ("openai.concurrency", concurrency), ("openai.timeout", timeout),
            ("openai.retries", retries), ("openai.parse_retries", parseRetries), ("openai.structured_output", structuredOutput),
            ("openai.document_words", documentWords), ("openai.window", window), ("openai.step", step),
            ("openai.give_up_after", giveUpAfter), ("openai.budget_calls", budgetCalls), ("openai.budget_tokens", budgetTokens),
            ("openai.bands", bands), ("openai.max_queries", maxQueries), ("openai.prompts", prompts),
        ]
    }
}


extension AnnotateCommand {
    /// The LLM judge as one job (LLMAnnotationJob): in process, or with --bind its calls on
    /// this command's own cluster; --write-spec writes the job and stops.
    func runLLM(settings resolved: AnnotateSettings, cluster: ClusterSettings) throws {
        let openai = resolved.judging.openai
        guard let endpoint = openai.endpoint, let model = openai.model else {
            throw ValidationError("--judge openai needs --endpoint URL and --model NAME")
        }
        let own = resolved.llm
        var chat = ChatSettings(endpoint: endpoint, model: model)
        chat.apiKeyEnvironment = openai.apiKeyEnv
        chat.apiKeyFile = own.apiKeyFile
        chat.temperature = openai.temperature
        chat.maxTokens = openai.maxTokens
        chat.timeoutSeconds = openai.timeout
        chat.retries = own.retries
        chat.giveUpAfterOverloaded = own.giveUpAfter
        chat.structuredOutput = own.structuredOutput
        guard let promptDir = own.prompts ?? Prompt.defaultDirectory() else {
            throw InputError(file: "--prompts", "prompts directory not found",
                             hint: "give --prompts DIR or openai.prompts (the repository's prompts/, or PREFIX/share/famol/prompts), or set FAMOL_PROMPTS")
        }
        var job = LLMAnnotationJob(chat: chat, prompts: promptDir)
        job.collection = try annotationCandidates(resolved)
        (job.strategy, job.samples, job.vote, job.concurrency) = (own.strategy, own.samples, own.vote.rawValue, openai.concurrency)
        (job.documentWords, job.window, job.step, job.parseRetries) = (own.documentWords, own.window, own.step, own.parseRetries)
        (job.budgetCalls, job.budgetTokens, job.retryUnanswered) = (own.budgetCalls, own.budgetTokens, llm.retryUnanswered)
        (job.bands, job.maxQueries) = (own.bands, own.maxQueries)
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
            var settings = try options.coordinatorSettings(bind: bind)
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
