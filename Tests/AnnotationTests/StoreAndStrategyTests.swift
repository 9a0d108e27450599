import Foundation
import Testing
@testable import Annotation

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
            #expect(store.count == 2)
        }
        let reopened = try AnnotationStore(path: path)
        #expect(reopened.get("k1") == a)
        #expect(reopened.get("k2")?.abstained == true && reopened.get("k2")?.raw == "blah")
        #expect(reopened.get("missing") == nil)
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
