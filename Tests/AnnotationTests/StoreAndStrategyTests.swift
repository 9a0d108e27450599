import Foundation
import Testing
@testable import Annotation
import CSQLite

@Suite struct StoreAndStrategyTests {
    @Test func storeKeepsTheFirstResultPerKeyAndSurvivesReopening() throws {
        let path = NSTemporaryDirectory() + "famol-store-\(getpid())-\(UUID().uuidString).sqlite"
        let a = StoredAnnotation(key: "k1", strategy: "listsel", queryID: "q", documentIDs: ["d1", "d2"], labels: [1, 0],
                                 raw: "{\"relevant\":[1]}", promptTokens: 10, completionTokens: 3, attempts: 1)
        var b = a
        b.labels = [0, 1]
        let abstention = StoredAnnotation(key: "k2", strategy: "listsel", queryID: "q", documentIDs: ["d3"], labels: nil,
                                          raw: "blah", promptTokens: 5, completionTokens: 2, attempts: 3)
        do {
            let store = try AnnotationStore(path: path)
            try store.put(a)
            try store.put(b)
            try store.put(abstention)
            #expect(try store.count == 2)
        }
        let reopened = try AnnotationStore(path: path)
        #expect(try reopened.get("k1") == a)
        #expect(try reopened.get("k2")?.abstained == true && reopened.get("k2")?.raw == "blah")
        #expect(try reopened.get("missing") == nil)
    }

    @Test func theLedgerKnowsWhichRequestsWereSentAndNeverAnswered() throws {
        let path = NSTemporaryDirectory() + "famol-ledger-\(getpid())-\(UUID().uuidString).sqlite"
        do {
            let store = try AnnotationStore(path: path)
            let answered = try store.recordSending(key: "k1")
            try store.recordFinished(answered, outcome: "answered", promptTokens: 10, completionTokens: 2)
            try store.put(StoredAnnotation(key: "k1", strategy: "pointann", queryID: "q", documentIDs: ["d"], labels: [1], raw: "1",
                                           promptTokens: 10, completionTokens: 2, attempts: 1))
            _ = try store.recordSending(key: "k2")  // the process dies here
            let failed = try store.recordSending(key: "k3")
            try store.recordFinished(failed, outcome: "HTTP 500", promptTokens: 0, completionTokens: 0)
        }
        let reopened = try AnnotationStore(path: path)
        #expect(try reopened.requestCount == 3)
        #expect(try reopened.unansweredKeys() == ["k2"])
    }

    @Test func aWorkersStoreIsImportedOnceAndItsLaterOutcomesFollow() throws {
        let dir = NSTemporaryDirectory() + "famol-import-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let worker = try AnnotationStore(path: dir + "/local-1.sqlite")
        let coordinator = try AnnotationStore(path: dir + "/annotations.sqlite")
        let inFlight = try worker.recordSending(key: "k1")
        _ = try worker.recordSending(key: "k2")
        #expect(try coordinator.importStore(at: dir + "/local-1.sqlite", source: "local-1.sqlite") == (0, 2))
        #expect(try coordinator.unansweredKeys() == ["k1", "k2"])
        // The answer came after all: imported again, the row is settled and the answer recovered.
        try worker.recordFinished(inFlight, outcome: "answered", promptTokens: 3, completionTokens: 1)
        try worker.put(StoredAnnotation(key: "k1", strategy: "pointann", queryID: "q", documentIDs: ["d"], labels: [2], raw: "2",
                                        promptTokens: 3, completionTokens: 1, attempts: 1))
        #expect(try coordinator.importStore(at: dir + "/local-1.sqlite", source: "local-1.sqlite") == (1, 2))
        #expect(try coordinator.requestCount == 2)
        #expect(try coordinator.unansweredKeys() == ["k2"])
        #expect(try coordinator.get("k1")?.labels == [2])
    }

    @Test func aCorruptRowIsAnErrorNotAnAbstention() throws {
        let path = NSTemporaryDirectory() + "famol-corrupt-\(getpid())-\(UUID().uuidString).sqlite"
        let store = try AnnotationStore(path: path)
        try store.put(StoredAnnotation(key: "k", strategy: "listsel", queryID: "q", documentIDs: ["d"], labels: [1], raw: "",
                                       promptTokens: 0, completionTokens: 0, attempts: 1))
        var db: OpaquePointer?
        sqlite3_open(path, &db)
        sqlite3_exec(db, "UPDATE annotations SET labels = '[1,' WHERE key = 'k'", nil, nil, nil)
        sqlite3_close(db)
        #expect(throws: AnnotationStore.StoreError.self) { _ = try store.get("k") }
    }

    @Test func concurrentReservationsNeverOvershootTheBudget() {
        let budget = AnnotationBudget(maxRequests: 50, maxTokens: 10_000)
        let granted = ManagedCounter()
        DispatchQueue.concurrentPerform(iterations: 400) { i in
            if budget.reserveRequest(tokens: 300) {
                granted.add()
                budget.settle(reserved: 300, spent: 100 + i % 150, sent: true)
            }
        }
        #expect(budget.requests <= 50 && budget.tokens <= 10_000)
        #expect(granted.value == budget.requests)
        // A request that never left gives its place back.
        let small = AnnotationBudget(maxRequests: 1, maxTokens: nil)
        #expect(small.reserveRequest(tokens: 0))
        small.settle(reserved: 0, spent: 0, sent: false)
        #expect(small.reserveRequest(tokens: 0) && !small.reserveRequest(tokens: 0))
    }

    @Test func parseRetriesRaiseTheTemperature() {
        #expect((0...3).map { ChatCallExecutor.retryTemperature(0, retry: $0) } == [0, 0.4, 0.8, 1])
        #expect(ChatCallExecutor.retryTemperature(0.7, retry: 0) == 0.7)
    }

    @Test(arguments: [
        (Strategy.pointann, "{\"grade\": 2}", 1, [2.0] as [Double]?),
        (.pointann, "The grade is 3.", 1, [3]),
        (.pointann, "grade: 7", 1, nil),
        (.listann, "{\"grades\": [0, 3, 1]}", 3, [0, 3, 1]),
        (.listann, "[1] 2, [2] 0", 3, nil),
        (.listann, "[1] 2, [2] 0, [3] 1", 3, [2, 0, 1]),
        (.listsel, "{\"relevant\": [2]}", 3, [0, 1, 0]),
        (.listsel, "none of them", 3, [0, 0, 0]),
        (.listsel, "nothing here", 3, nil),
        (.listrank, "[3] > [1]", 3, [1, 2, 0]),
        (.listrank, "{\"ranking\": [2, 2, 9]}", 3, [1, 0, 2]),
    ])
    func parsing(strategy: Strategy, text: String, count: Int, expected: [Double]?) {
        #expect(strategy.parse(text, count: count) == expected)
    }

    @Test func callKeysChangeWithEveryInputThatDecidesTheAnswer() throws {
        let prompt = try Prompt(name: "listsel", text: "SYSTEM:\nsys\nUSER:\n{query} {documents}")
        func key(_ model: String = "m", _ t: Double = 0, _ sample: Int = 0, _ q: String = "q", _ d: [String] = ["a", "b"]) -> String {
            AnnotationCall(strategy: .listsel, prompt: prompt, model: model, temperature: t, sample: sample, queryID: "1",
                           queryText: q, documentIDs: ["1", "2"], documentTexts: d).key
        }
        let base = key()
        #expect(key() == base)
        for other in [key("m2"), key("m", 0.5), key("m", 0, 1), key("m", 0, 0, "q2"), key("m", 0, 0, "q", ["b", "a"])] {
            #expect(other != base)
        }
        let edited = try Prompt(name: "listsel", text: "SYSTEM:\nsys!\nUSER:\n{query} {documents}")
        #expect(edited.version != prompt.version)
        #expect(Strategy.gradesFromRanks([0, 1, 2, 3, 4, 5, 6, 7]) == [3, 3, 2, 2, 1, 1, 0, 0])
    }
}

/// A counter safe across threads.
final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    func add() { lock.lock(); n += 1; lock.unlock() }
}
