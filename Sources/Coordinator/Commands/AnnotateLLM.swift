import Annotation
import ArgumentParser
import Cluster
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
    func runLLM(collection: TextCollection, settings resolved: AnnotateSettings) throws {
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
        let prompts = Dictionary(uniqueKeysWithValues: try Strategy.allCases.map { ($0, try Prompt.load($0.rawValue, directory: promptDir)) })
        var settings = LLMAnnotationSettings(model: model)
        settings.strategy = llm.strategy
        settings.temperature = openai.temperature
        settings.samples = max(1, llm.samples)
        settings.vote = llm.vote
        settings.concurrency = max(1, openai.concurrency)
        settings.documentWords = llm.documentWords
        settings.window = max(2, llm.window)
        settings.step = max(1, llm.step)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let store = try AnnotationStore(path: out + "/annotations.sqlite")
        let budget = AnnotationBudget(maxRequests: llm.budgetCalls, maxTokens: llm.budgetTokens)
        settings.retryUnanswered = llm.retryUnanswered
        let executor: CallExecutor
        var coordinator: ClusterCoordinator? = nil
        if let bind = cluster.bind {
            // What workers of earlier runs recorded: their answers and their requests.
            try importWorkerStores(into: store)
            let texts = Dictionary(uniqueKeysWithValues: try Strategy.allCases.map { s in
                (s, try String(contentsOfFile: promptDir + "/" + s.rawValue + ".txt", encoding: .utf8))
            })
            let job = AnnotationJob(chat: chat, prompts: prompts, promptTexts: texts, parseRetries: llm.parseRetries, concurrency: settings.concurrency)
            var serve = try cluster.settings(bind: bind)
            serve.deterministic = false  // LLM calls do not depend on BLAS bits
            // Never pay twice: no straggler copies, and a call counts as stalled only after it
            // could have used all its timeouts and retries.
            serve.straggler.maxCopies = 1
            // A live worker taken for dead (its heartbeats late on a loaded machine) has its
            // calls leased again, and they are paid twice: give LLM workers at least 10 s.
            let minimumBeats = (10_000 + serve.liveness.heartbeatIntervalMS - 1) / serve.liveness.heartbeatIntervalMS
            if serve.liveness.liveness < minimumBeats {
                serve.liveness.liveness = minimumBeats
                print("liveness raised to \(minimumBeats) heartbeats (\(serve.liveness.deadAfterSeconds) s): annotation calls are paid per request")
            }
            serve.straggler.stallTimeoutSeconds = max(cluster.stallTimeout,
                                                      chat.timeoutSeconds * Double(chat.retries + 1) * Double(llm.parseRetries + 1) + 30)
            let c = ClusterCoordinator(settings: serve, job: .annotate(job), datasetHash: "", storeResult: { json in
                try store.put(try JSONDecoder().decode(StoredAnnotation.self, from: Data(json.utf8)))
            }, logger: Log.famol)
            try c.start()
            print("coordinator on \(c.boundEndpoint), waiting for \(cluster.minWorkers) worker(s)")
            try c.waitForWorkers(cluster.minWorkers)
            coordinator = c
            executor = try ClusterCallExecutor(coordinator: c, job: job, budget: budget)
            settings.concurrency *= cluster.minWorkers  // keep every worker's calls in flight
        } else {
            // In process every request is recorded in the store before it is sent.
            executor = ChatCallExecutor(client: try ChatClient(settings: chat), prompts: prompts, parseRetries: llm.parseRetries,
                                        accounting: StoreRequestAccounting(store: store, budget: budget))
        }
        defer { coordinator?.stop(reason: "annotation finished") }
        // LLM requests, tokens, cache hits, abstentions and the budget left, in process or on a
        // cluster (the workers' own requests are on their --metrics-port).
        var metrics: MetricsServer? = nil
        if let port = cluster.metricsPort {
            metrics = try MetricsServer(host: cluster.metricsHost, port: port) { FamolMetrics.text() }
            print("metrics on http://\(cluster.metricsHost):\(metrics!.port)/metrics")
        }
        defer { metrics?.stop() }
        // Computed after the import: calls of earlier runs left unanswered.
        let unanswered = try store.unansweredKeys()
        if !unanswered.isEmpty {
            print("warning: \(unanswered.count) call(s) were sent by an earlier run that stopped before their answers came back; the endpoint may have billed them (keys \(unanswered.prefix(3).map { String($0.prefix(12)) }.joined(separator: ", "))\(unanswered.count > 3 ? ", ..." : "")). " + (llm.retryUnanswered ? "Asking each once more (--retry-unanswered)." : "They are not asked again and their documents stay unlabelled; --retry-unanswered asks each once more."))
        }
        let annotator = try LLMAnnotator(settings: settings, prompts: prompts, store: store, budget: budget, executor: executor)
        let (queries, candidates) = try plan(collection, k: resolved.candidates)
        print("LLM judge: \(model) at \(endpoint), strategy \(settings.strategy.rawValue) (\(prompts[settings.strategy]!.version)), \(queries.count) queries")
        let started = Date()
        let (labels, stats) = annotator.run(queries: queries, candidates: candidates) { s, total in
            let t = max(Date().timeIntervalSince(started), 1e-9)
            Progress.bar("annotate", s.queriesDone, total, started: started,
                         extra: String(format: "calls %d (%.1f/s), tokens %.0f/s, cache hits %d, abstentions %d", s.calls, Double(s.calls) / t,
                                       Double(s.promptTokens + s.completionTokens) / t, s.cacheHits, s.abstentions))
        }
        try export(labels, judge: "LLM \(model) via \(endpoint), \(settings.strategy.rawValue) \(prompts[settings.strategy]!.version), temperature \(settings.temperature), samples \(settings.samples)")
        let elapsed = Date().timeIntervalSince(started)
        print("queries annotated \(stats.queriesDone), left \(stats.queriesSkipped); LLM calls \(stats.calls), cache hits \(stats.cacheHits), abstentions \(stats.abstentions), tokens \(stats.promptTokens) prompt + \(stats.completionTokens) completion")
        print(String(format: "annotation took %.3f s: %.2f calls/s, %.1f tokens/s", elapsed, Double(stats.calls) / max(elapsed, 1e-9),
                     Double(stats.promptTokens + stats.completionTokens) / max(elapsed, 1e-9)))
        if let c = coordinator {
            c.stop(reason: "annotation finished")
            coordinator = nil
            try importWorkerStores(into: store)
        }
        print("store: \(store.path) (\(try store.count) results); HTTP requests recorded as sent: \(try store.requestCount)")
        let again = try store.keysAskedAgain()
        if !again.isEmpty {
            print("note: \(again.count) call(s) were asked again after a worker died with their request in flight (each may have been paid twice)")
        }
        if stats.unansweredSkipped > 0 { print("unanswered calls of an earlier run left out: \(stats.unansweredSkipped)") }
        if stats.budgetExhausted { print("budget used up: stopped cleanly; rerun with a larger budget to continue (stored results are reused)") }
        if let failure = stats.failure, stats.storeFailure {
            printError("error: the store failed: \(failure); nothing more was asked")
            throw ExitStatus.ioError
        }
        if let failure = stats.failure {
            printError("error: the endpoint failed: \(failure); every result obtained so far is stored in \(store.path)")
            throw ExitStatus.clusterUnavailable
        }
    }

    /// The directory `famol local` gives its workers for their own stores.
    var workerStoreDirectory: String { out + "/workers" }

    /// Takes in the answers and requests that workers recorded in their own stores.
    func importWorkerStores(into store: AnnotationStore) throws {
        let dir = workerStoreDirectory
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        var answers = 0, requests = 0
        for f in files.sorted() where f.hasSuffix(".sqlite") {
            let (a, r) = try store.importStore(at: dir + "/" + f, source: f)
            answers += a
            requests += r
        }
        if answers > 0 { print("recovered \(answers) answer(s) from the workers' stores in \(dir) (paid for, never stored by a coordinator)") }
        _ = requests
    }

    /// Queries in budget order (low-frequency band first) with their candidate documents.
    func plan(_ collection: TextCollection, k: Int) throws -> ([TextQuery], [String: [TextDocument]]) {
        let lists = try candidateLists(collection, k: k)
        let docs = Dictionary(uniqueKeysWithValues: collection.documents.map { ($0.id, $0) })
        var byQuery: [String: [TextDocument]] = [:]
        for (q, ids) in lists {
            byQuery[q] = try ids.map { id in
                guard let d = docs[id] else { throw InputError(file: candidates ?? "--candidates", field: id, "document not in the collection") }
                return d
            }
        }
        var queries = collection.queries.filter { lists[$0.id] != nil }
        if let path = llm.bands {
            let bands = try FrequencyBands.read(path)
            queries.sort { a, b in
                let (ba, bb) = (bands.band[a.id] ?? .low, bands.band[b.id] ?? .low)
                if ba != bb { return ba > bb }  // low before mid before high
                let (fa, fb) = (bands.frequency[a.id] ?? 0, bands.frequency[b.id] ?? 0)
                return fa != fb ? fa < fb : naturalOrder(a.id, b.id)
            }
        }
        if let n = llm.maxQueries { queries = Array(queries.prefix(n)) }
        return (queries, byQuery)
    }

    func export(_ labels: [String: [String: Double]], judge: String) throws {
        var judgments: [Judgment] = []
        for q in labels.keys.sorted(by: naturalOrder) {
            for d in labels[q]!.keys.sorted(by: naturalOrder) { judgments.append(Judgment(query: q, document: d, label: labels[q]![d])) }
        }
        try AtomicFile.write(AnnotationRun.qrels(judgments).render(), to: out + "/labels.qrels")
        try AtomicFile.write(AnnotationRun.jsonl(judgments, judge: judge), to: out + "/labels.jsonl")
        print("\(judgments.count) labels -> \(out)/labels.qrels, \(out)/labels.jsonl")
    }
}
