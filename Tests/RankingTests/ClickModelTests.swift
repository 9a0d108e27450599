import Testing
@testable import Ranking

@Suite struct ClickModelTests {
    static let dataset: RankingDataset = {
        let queries = (1...40).map { q in
            RankingQuery(id: String(q), docIDs: (0..<10).map { "q\(q)d\($0)" },
                         labels: (0..<10).map { Float(($0 * 7 + q) % 5) }, features: [Float](repeating: 0, count: 10))
        }
        return RankingDataset(featureCount: 1, queries: queries)
    }()

    @Test func simulationIsSeededAndZipfShaped() {
        var c = ClickSimulationConfig()
        c.impressions = 5000
        let a = ClickSimulator(config: c).simulate(Self.dataset)
        let b = ClickSimulator(config: c).simulate(Self.dataset)
        #expect(a == b)
        #expect(a.count == 5000)
        c.seed += 1
        #expect(ClickSimulator(config: c).simulate(Self.dataset) != a)
        let f = ClickLog.frequencies(a).values.sorted(by: >)
        #expect(f[0] > 10 * f[f.count / 2])  // a heavy head
    }

    @Test(arguments: ClickModelKind.allCases)
    func clickModelsBehaveAsDefined(model: ClickModelKind) {
        var c = ClickSimulationConfig()
        c.model = model
        c.impressions = 4000
        let log = ClickSimulator(config: c).simulate(Self.dataset)
        let perImpression = log.map(\.clicked.count)
        if model == .cascade { #expect(perImpression.allSatisfy { $0 <= 1 }) }
        #expect(perImpression.reduce(0, +) > 0)
    }

    @Test func emRecoversSimulatedPropensities() {
        var c = ClickSimulationConfig()
        c.impressions = 40_000
        c.zipfExponent = 0.5
        // Show each query's list in a query-dependent rotation so positions and documents vary.
        var log = ClickSimulator(config: c).simulate(Self.dataset)
        var rng = SeededGenerator(seed: 5)
        log = log.map { imp in
            let shift = Int(rng.next() % 10)
            let q = Self.dataset.queries.first { $0.id == imp.query }!
            let order = (0..<10).map { q.docIDs[($0 + shift) % 10] }
            let attract = order.map { d in c.attractiveness(q.labels[q.docIDs.firstIndex(of: d)!]) }
            var clicked: [String] = []
            for k in 0..<10 where rng.uniform() < c.examination(k) * attract[k] { clicked.append(order[k]) }
            return Impression(query: imp.query, shown: order, clicked: clicked)
        }
        var pbm = PositionBasedModel()
        pbm.fit(ClickSessions(training: log), iterations: 100)
        for k in 1..<10 {
            let relative = pbm.examination[k] / pbm.examination[0]
            #expect(abs(relative - c.examination(k)) < 0.05, "position \(k + 1): \(relative) vs \(c.examination(k))")
        }
    }

    @Test func readsTheRealYandexSample() throws {
        let loaded = try ClickLog.readYandex(TestFiles.datasets + "/yandex-clicks-sample/trainSample")
        let log = loaded.impressions
        #expect(loaded.unshownClicks == 417)  // clicks outside the shown top 10, counted not kept
        #expect(log.count == 35_064)
        #expect(Set(log.map(\.query)).count == 20)
    }

    @Test(arguments: [
        ("{\"query\":\"1\",\"shown\":[\"a\"],\"clicked\":[]}\n{\"query\":\"1\"\n", 2, nil as String?),
        ("{\"query\":\"1\",\"clicked\":[]}\n", 1, "shown"),
        ("{\"query\":\"1\",\"shown\":[\"a\"],\"clicked\":[\"b\"]}\n", 1, "clicked"),
        ("{\"query\":1,\"shown\":[\"a\"],\"clicked\":[]}\n", 1, "query"),
    ])
    func malformedJSONL(text: String, line: Int, field: String?) {
        let e = inputError { _ = try ClickLog.readJSONL(TestFiles.write(text)) }
        #expect(e?.line == line)
        #expect(e?.field == field)
    }

    @Test func malformedYandexAndEmptyLogs() {
        let e = inputError { _ = try ClickLog.readYandex(TestFiles.write("q1\ta,b : a; q2 a,b : b")) }
        #expect(e?.line == 1 && e?.field == "entry 2")
        #expect(inputError { _ = try ClickLog.readJSONL(TestFiles.write("")) }?.message == "no impressions")
    }

    @Test func jsonlRoundTrip() throws {
        let log = [Impression(query: "q", shown: ["a", "b"], clicked: ["b"], timestamp: 3, session: "s")]
        #expect(try ClickLog.readJSONL(TestFiles.write(ClickLog.writeJSONL(log))) == log)
    }
}
