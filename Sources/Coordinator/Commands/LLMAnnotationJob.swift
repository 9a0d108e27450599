import Annotation
import ArgumentParser
import Cluster
import ClusterAnnotation
import Foundation
import Ranking

/// An LLM annotation as one value: what `famol annotate --judge openai` runs (in process or
/// with --bind on its own cluster), writes with --write-spec, and what `famol serve` runs on
/// its pool for `famol submit annotate`.
struct LLMAnnotationJob: JobSpecFile, Equatable {
    var judge = "openai"
    var collection = AnnotationCandidates()
    var chat: ChatSettings
    var strategy: Strategy = .pointann
    var samples = 1
    var vote = "majority"
    var concurrency = 4
    var documentWords = 60
    var window = 10
    var step = 5
    var parseRetries = 2
    var budgetCalls: Int?
    var budgetTokens: Int?
    var retryUnanswered = false
    var bands: String?
    var maxQueries: Int?
    var prompts: String

    /// A coordinator for the job's calls: given the job, the policies an LLM job needs and the
    /// store each result goes to before it is acknowledged; it returns the coordinator, how many
    /// workers are ready, and what to do when the calls are done.
    typealias CallCluster = (AnnotationJob, (inout CoordinatorSettings) -> Void, @escaping @Sendable (String) throws -> Void) throws
        -> (coordinator: ClusterCoordinator, workers: Int, finished: () -> Void)

    static let what = "an LLM annotation spec"
    static let writtenBy = "famol annotate --judge openai ..."

    /// The kind of annotation spec a JSON text holds ("embedding" or "openai").
    static func judge(ofSpec text: String) -> String {
        struct Peek: Decodable { var judge: String? }
        return (try? JSONDecoder().decode(Peek.self, from: Data(text.utf8)).judge) ?? "embedding"
    }

    /// Every request is recorded in the store (`storePath`, default out/annotations.sqlite)
    /// before it is sent, and a judgment already in it is never asked again; with
    /// `cluster` the calls run on its workers, each result stored before it is acknowledged;
    /// `workerStores` holds stores of this run's workers (famol local) to take in. Throws the
    /// documented exit codes after saying why.
    func run(outputDirectory out: String, storePath: String? = nil, cluster: CallCluster?, workerStores: String?,
             say: (String) -> Void) throws {
        let collection = try self.collection.loadCollection()
        let prompts = Dictionary(uniqueKeysWithValues: try Strategy.allCases.map { ($0, try Prompt.load($0.rawValue, directory: self.prompts)) })
        var settings = LLMAnnotationSettings(model: chat.model)
        settings.strategy = strategy
        settings.temperature = chat.temperature
        settings.samples = max(1, samples)
        settings.vote = LLMAnnotationSettings.Vote(rawValue: vote) ?? .majority
        settings.concurrency = max(1, concurrency)
        settings.documentWords = documentWords
        settings.window = max(2, window)
        settings.step = max(1, step)
        settings.retryUnanswered = retryUnanswered
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let store = try AnnotationStore(path: storePath ?? out + "/annotations.sqlite")
        let budget = AnnotationBudget(maxRequests: budgetCalls, maxTokens: budgetTokens)
        let executor: CallExecutor
        var finished: (() -> Void)? = nil
        if let cluster {
            // What workers of earlier runs recorded: their answers and their requests.
            try importWorkerStores(workerStores, into: store, say: say)
            let texts = Dictionary(uniqueKeysWithValues: try Strategy.allCases.map { s in
                (s, try String(contentsOfFile: self.prompts + "/" + s.rawValue + ".txt", encoding: .utf8))
            })
            let job = AnnotationJob(chat: chat, prompts: prompts, promptTexts: texts, parseRetries: parseRetries, concurrency: settings.concurrency)
            let (chat, parseRetries) = (chat, parseRetries)
            let (c, workers, done) = try cluster(job, { s in
                s.deterministic = false  // LLM calls do not depend on BLAS bits
                // Never pay twice: no straggler copies, and a call counts as stalled only after it
                // could have used all its timeouts and retries.
                s.straggler.maxCopies = 1
                // A live worker taken for dead (its heartbeats late on a loaded machine) has its
                // calls leased again, and they are paid twice: give LLM workers at least 10 s.
                let minimumBeats = (10_000 + s.liveness.heartbeatIntervalMS - 1) / s.liveness.heartbeatIntervalMS
                if s.liveness.liveness < minimumBeats {
                    s.liveness.liveness = minimumBeats
                    say("liveness raised to \(minimumBeats) heartbeats (\(s.liveness.deadAfterSeconds) s): annotation calls are paid per request")
                }
                s.straggler.stallTimeoutSeconds = max(s.straggler.stallTimeoutSeconds,
                                                      chat.timeoutSeconds * Double(chat.retries + 1) * Double(parseRetries + 1) + 30)
            }, { json in try store.put(try JSONDecoder().decode(StoredAnnotation.self, from: Data(json.utf8))) })
            finished = done
            executor = try ClusterCallExecutor(coordinator: c, job: job, budget: budget)
            settings.concurrency *= max(1, workers)  // keep every worker's calls in flight
        } else {
            executor = ChatCallExecutor(client: try ChatClient(settings: chat), prompts: prompts, parseRetries: parseRetries,
                                        accounting: StoreRequestAccounting(store: store, budget: budget))
        }
        defer { finished?() }
        // Computed after the import: calls of earlier runs left unanswered.
        let unanswered = try store.unansweredKeys()
        if !unanswered.isEmpty {
            say("warning: \(unanswered.count) call(s) were sent by an earlier run that stopped before their answers came back; the endpoint may have billed them (keys \(unanswered.prefix(3).map { String($0.prefix(12)) }.joined(separator: ", "))\(unanswered.count > 3 ? ", ..." : "")). " + (retryUnanswered ? "Asking each once more (--retry-unanswered)." : "They are not asked again and their documents stay unlabelled; --retry-unanswered asks each once more."))
        }
        let annotator = try LLMAnnotator(settings: settings, prompts: prompts, store: store, budget: budget, executor: executor)
        let (queries, lists) = try plan(collection)
        say("LLM judge: \(chat.model) at \(chat.endpoint), strategy \(settings.strategy.rawValue) (\(prompts[settings.strategy]!.version)), \(queries.count) queries")
        let started = Date()
        let (labels, stats) = annotator.run(queries: queries, candidates: lists) { s, total in
            let t = max(Date().timeIntervalSince(started), 1e-9)
            Progress.bar("annotate", s.queriesDone, total, started: started,
                         extra: String(format: "calls %d (%.1f/s), tokens %.0f/s, cache hits %d, abstentions %d", s.calls, Double(s.calls) / t,
                                       Double(s.promptTokens + s.completionTokens) / t, s.cacheHits, s.abstentions))
        }
        say(try export(labels, to: out, judge: "LLM \(chat.model) via \(chat.endpoint), \(settings.strategy.rawValue) \(prompts[settings.strategy]!.version), temperature \(settings.temperature), samples \(settings.samples)"))
        let elapsed = Date().timeIntervalSince(started)
        say("queries annotated \(stats.queriesDone), left \(stats.queriesSkipped); LLM calls \(stats.calls), cache hits \(stats.cacheHits), abstentions \(stats.abstentions), tokens \(stats.promptTokens) prompt + \(stats.completionTokens) completion")
        say(String(format: "annotation took %.3f s: %.2f calls/s, %.1f tokens/s", elapsed, Double(stats.calls) / max(elapsed, 1e-9),
                   Double(stats.promptTokens + stats.completionTokens) / max(elapsed, 1e-9)))
        if cluster != nil {
            finished?()
            finished = nil
            try importWorkerStores(workerStores, into: store, say: say)
        }
        say("store: \(store.path) (\(try store.count) results); HTTP requests recorded as sent: \(try store.requestCount)")
        let again = try store.keysAskedAgain()
        if !again.isEmpty {
            say("note: \(again.count) call(s) were asked again after a worker died with their request in flight (each may have been paid twice)")
        }
        if stats.unansweredSkipped > 0 { say("unanswered calls of an earlier run left out: \(stats.unansweredSkipped)") }
        if stats.budgetExhausted { say("budget used up: stopped cleanly; rerun with a larger budget to continue (stored results are reused)") }
        if let failure = stats.failure, stats.storeFailure {
            throw LLMRunFailed(description: "the store failed: \(failure); nothing more was asked", code: ExitStatus.ioError)
        }
        if let failure = stats.failure {
            throw LLMRunFailed(description: "the endpoint failed: \(failure); every result obtained so far is stored in \(store.path)",
                               code: ExitStatus.clusterUnavailable)
        }
    }

    /// Takes in the answers and requests that workers recorded in their own stores.
    private func importWorkerStores(_ dir: String?, into store: AnnotationStore, say: (String) -> Void) throws {
        guard let dir, let files = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        var answers = 0
        for f in files.sorted() where f.hasSuffix(".sqlite") {
            answers += try store.importStore(at: dir + "/" + f, source: f).0
        }
        if answers > 0 { say("recovered \(answers) answer(s) from the workers' stores in \(dir) (paid for, never stored by a coordinator)") }
    }

    /// Queries in budget order (low-frequency band first) with their candidate documents.
    private func plan(_ collection: TextCollection) throws -> ([TextQuery], [String: [TextDocument]]) {
        let lists = try self.collection.lists(collection)
        let docs = Dictionary(uniqueKeysWithValues: collection.documents.map { ($0.id, $0) })
        var byQuery: [String: [TextDocument]] = [:]
        for (q, ids) in lists {
            byQuery[q] = try ids.map { id in
                guard let d = docs[id] else { throw InputError(file: self.collection.candidates ?? "--candidates", field: id, "document not in the collection") }
                return d
            }
        }
        var queries = collection.queries.filter { lists[$0.id] != nil }
        if let path = bands {
            let bands = try FrequencyBands.read(path)
            queries.sort { a, b in
                let (ba, bb) = (bands.band[a.id] ?? .low, bands.band[b.id] ?? .low)
                if ba != bb { return ba > bb }  // low before mid before high
                let (fa, fb) = (bands.frequency[a.id] ?? 0, bands.frequency[b.id] ?? 0)
                return fa != fb ? fa < fb : naturalOrder(a.id, b.id)
            }
        }
        if let n = maxQueries { queries = Array(queries.prefix(n)) }
        return (queries, byQuery)
    }

    private func export(_ labels: [String: [String: Double]], to out: String, judge: String) throws -> String {
        var judgments: [Judgment] = []
        for q in labels.keys.sorted(by: naturalOrder) {
            for d in labels[q]!.keys.sorted(by: naturalOrder) { judgments.append(Judgment(query: q, document: d, label: labels[q]![d])) }
        }
        try AtomicFile.write(AnnotationRun.qrels(judgments).render(), to: out + "/labels.qrels")
        try AtomicFile.write(AnnotationRun.jsonl(judgments, judge: judge), to: out + "/labels.jsonl")
        return "\(judgments.count) labels -> \(out)/labels.qrels, \(out)/labels.jsonl"
    }
}

/// An LLM annotation that stopped: the store or the endpoint failed; the exit code says which.
struct LLMRunFailed: Error, CustomStringConvertible {
    let description: String
    let code: ExitCode
}
