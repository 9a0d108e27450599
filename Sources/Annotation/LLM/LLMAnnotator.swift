import Foundation
import Metrics
import Ranking

/// How an LLM annotation run asks and aggregates.
public struct LLMAnnotationSettings: Sendable {
    public var strategy: Strategy = .pointann
    public var model: String
    public var temperature: Double = 0
    /// Samples per call; with more than one, labels are aggregated by `vote`.
    public var samples = 1
    public var vote: Vote = .majority
    /// Queries annotated at once.
    public var concurrency = 4
    /// Words of each document put in a prompt.
    public var documentWords = 60
    /// Documents per list call; ListRank slides a window of this size by `step` from the bottom.
    public var window = 10
    public var step = 5
    /// Asks again (once) the calls an earlier run sent and never got an answer for.
    public var retryUnanswered = false

    public enum Vote: String, Sendable, CaseIterable { case majority, mean }

    public init(model: String) { self.model = model }
}

/// What a run did, for the progress line and the summary.
public struct AnnotationStats: Sendable {
    public var calls = 0, cacheHits = 0, abstentions = 0, promptTokens = 0, completionTokens = 0
    public var queriesDone = 0, queriesSkipped = 0
    /// Calls an earlier run sent without an answer coming back, not asked again.
    public var unansweredSkipped = 0
    public var budgetExhausted = false
    public var failure: String? = nil
    /// The failure was the store's (disk full, I/O error): exit 74, not the endpoint's 69.
    public var storeFailure = false
}

/// Annotates queries' candidates with an LLM: each call is looked up in the store first, asked
/// only when missing, and stored before it counts as done. Queries are taken in the given order
/// (low-frequency first), so a budget is spent where clicks are scarce.
public final class LLMAnnotator: @unchecked Sendable {
    public let settings: LLMAnnotationSettings
    public let prompts: [Strategy: Prompt]
    public let store: AnnotationStore
    public let budget: AnnotationBudget
    let executor: CallExecutor
    private let lock = NSLock()
    private var stats = AnnotationStats()
    private var labels: [String: [String: Double]] = [:]
    /// Calls in flight across all queries: at most `settings.concurrency`.
    private let callSlots: DispatchSemaphore
    /// Keys an earlier run sent and never got an answer for (read once, at the start).
    private let unanswered: Set<String>

    public init(settings: LLMAnnotationSettings, prompts: [Strategy: Prompt], store: AnnotationStore, budget: AnnotationBudget,
                executor: CallExecutor) throws {
        unanswered = Set(try store.unansweredKeys())
        self.settings = settings
        self.prompts = prompts
        self.store = store
        self.budget = budget
        self.executor = executor
        callSlots = DispatchSemaphore(value: max(1, settings.concurrency))
    }

    public var currentStats: AnnotationStats {
        lock.lock()
        defer { lock.unlock() }
        return stats
    }

    /// Runs over `queries` in order; returns labels per query and document (queries the budget
    /// or a failure cut short are left out) and the run's statistics.
    public func run(queries: [TextQuery], candidates: [String: [TextDocument]], progress: @escaping @Sendable (AnnotationStats, Int) -> Void = { _, _ in })
        -> (labels: [String: [String: Double]], stats: AnnotationStats)
    {
        let next = NSLock()
        nonisolated(unsafe) var index = 0
        let group = DispatchGroup()
        for _ in 0..<max(1, settings.concurrency) {
            group.enter()
            Thread.detachNewThread { [self] in
                defer { group.leave() }
                while true {
                    next.lock()
                    let i = index
                    index += 1
                    next.unlock()
                    guard i < queries.count, !stopped else { break }
                    let q = queries[i]
                    do {
                        if let result = try annotate(q, candidates[q.id] ?? []) {
                            lock.lock()
                            labels[q.id] = result
                            stats.queriesDone += 1
                            lock.unlock()
                        } else {
                            lock.lock()
                            stats.queriesSkipped += 1
                            lock.unlock()
                        }
                    } catch {
                        lock.lock()
                        if stats.failure == nil {
                            stats.failure = "\(error)"
                            stats.storeFailure = error is AnnotationStore.StoreError
                        }
                        lock.unlock()
                    }
                    progress(currentStats, queries.count)
                }
            }
        }
        group.wait()
        lock.lock()
        stats.queriesSkipped = queries.count - stats.queriesDone
        stats.budgetExhausted = budget.isExhausted && stats.queriesDone < queries.count
        defer { lock.unlock() }
        return (labels, stats)
    }

    private var stopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stats.failure != nil || budget.isExhausted
    }

    /// One query: the strategy's calls for every sample, aggregated. nil when the budget ran out.
    func annotate(_ q: TextQuery, _ docs: [TextDocument]) throws -> [String: Double]? {
        guard !docs.isEmpty else { return [:] }
        var perSample: [[Double?]] = []
        for sample in 0..<max(1, settings.samples) {
            guard let values = try sampleLabels(q, docs, sample: sample) else { return nil }
            perSample.append(values)
        }
        var out: [String: Double] = [:]
        for (d, doc) in docs.enumerated() {
            let votes = perSample.compactMap { $0[d] }
            guard !votes.isEmpty else { continue }  // abstained in every sample: no label
            out[doc.id] = settings.vote == .mean ? votes.reduce(0, +) / Double(votes.count) : Self.majority(votes)
        }
        return out
    }

    static func majority(_ votes: [Double]) -> Double {
        let counts = Dictionary(grouping: votes, by: { $0 }).mapValues(\.count)
        return counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!.key
    }

    /// Labels of one sample: grades (pointann, listann), 1/0 (listsel) or grades from ranks.
    func sampleLabels(_ q: TextQuery, _ docs: [TextDocument], sample: Int) throws -> [Double?]? {
        switch settings.strategy {
        case .pointann:
            // A query's documents are asked in parallel; `callSlots` keeps the run's calls in
            // flight at `concurrency`, so the last queries of a run keep the endpoint busy too.
            let answers = ResultBox(count: docs.count)
            DispatchQueue.concurrentPerform(iterations: docs.count) { i in
                do { answers.set(i, try ask(q, [docs[i]], sample: sample)) } catch { answers.fail(error) }
            }
            if let error = answers.error { throw error }
            guard answers.values.allSatisfy({ $0 != nil }) else { return nil }  // budget ran out
            return answers.values.map { $0!.labels?.first }
        case .listann, .listsel:
            var out: [Double?] = []
            var start = 0
            while start < docs.count {
                let chunk = Array(docs[start..<min(docs.count, start + settings.window)])
                guard let a = try ask(q, chunk, sample: sample) else { return nil }
                out += a.labels.map { $0.map { Optional($0) } } ?? Array(repeating: nil, count: chunk.count)
                start += settings.window
            }
            return out
        case .listrank:
            // RankGPT's sliding window: from the bottom of the list up, each window reorders its span.
            var order = Array(docs.indices)
            var end = docs.count
            while true {
                let start = max(0, end - settings.window)
                let span = Array(order[start..<end])
                guard let a = try ask(q, span.map { docs[$0] }, sample: sample) else { return nil }
                if let positions = a.labels {
                    let reordered = span.indices.sorted { positions[$0] < positions[$1] }.map { span[$0] }
                    order.replaceSubrange(start..<end, with: reordered)
                }
                if start == 0 { break }
                end -= max(1, settings.step)
            }
            var ranks = [Double](repeating: 0, count: docs.count)
            for (rank, d) in order.enumerated() { ranks[d] = Double(rank) }
            return Strategy.gradesFromRanks(ranks).map { Optional($0) }
        }
    }

    /// One call: from the store, or asked (within the budget) and stored before it is used.
    func ask(_ q: TextQuery, _ docs: [TextDocument], sample: Int) throws -> StoredAnnotation? {
        let call = AnnotationCall(strategy: settings.strategy, prompt: prompts[settings.strategy]!, model: settings.model,
                                  temperature: settings.temperature, sample: sample, queryID: q.id, queryText: q.text,
                                  documentIDs: docs.map(\.id), documentTexts: docs.map { Self.truncate(EmbeddingJudge.documentText($0), words: settings.documentWords) })
        if let stored = try store.get(call.key) {
            lock.lock()
            stats.cacheHits += 1
            lock.unlock()
            Counter(label: "famol_llm_cache_hits_total").increment()
            return stored
        }
        if unanswered.contains(call.key) && !settings.retryUnanswered {
            // Sent by a run that died before the answer came back: the endpoint may have billed
            // it. Not asked again unless the user says so; its documents stay unlabelled.
            lock.lock()
            stats.unansweredSkipped += 1
            lock.unlock()
            return StoredAnnotation(key: call.key, strategy: call.strategy.rawValue, queryID: call.queryID, documentIDs: call.documentIDs,
                                    labels: nil, raw: "", promptTokens: 0, completionTokens: 0, attempts: 0)
        }
        let perRequest = executor.accountsForRequests
        if !perRequest { guard budget.reserveCall() else { return nil } }
        callSlots.wait()
        defer { callSlots.signal() }
        let answer: StoredAnnotation
        do { answer = try executor.execute(call) } catch is BudgetExhausted { return nil }
        try store.put(answer)
        if !perRequest { budget.spend(tokens: answer.promptTokens + answer.completionTokens) }
        lock.lock()
        stats.calls += answer.attempts
        stats.promptTokens += answer.promptTokens
        stats.completionTokens += answer.completionTokens
        if answer.abstained { stats.abstentions += 1 }
        lock.unlock()
        if answer.abstained { Counter(label: "famol_llm_abstentions_total").increment() }
        if let left = budget.requestsLeft { Gauge(label: "famol_llm_budget_requests_left").record(left) }
        return answer
    }

    static func truncate(_ text: String, words: Int) -> String {
        let w = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        return w.count <= words ? w.joined(separator: " ") : w.prefix(words).joined(separator: " ") + " ..."
    }
}

/// Answers gathered from parallel calls, with the first error.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [StoredAnnotation?]
    private(set) var error: Error?

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ value: StoredAnnotation?) {
        lock.lock()
        values[i] = value
        lock.unlock()
    }

    func fail(_ e: Error) {
        lock.lock()
        if error == nil { error = e }
        lock.unlock()
    }
}
