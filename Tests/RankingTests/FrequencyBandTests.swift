import Testing
@testable import Ranking

@Suite struct FrequencyBandTests {
    @Test func tercilesThresholdsAndBuckets() {
        let values = Dictionary(uniqueKeysWithValues: (1...9).map { (String($0), $0 * 10) })
        let t = FrequencyBands(values: values)
        #expect(t.band["9"] == .high && t.band["7"] == .high && t.band["6"] == .mid && t.band["3"] == .low)
        #expect(Band.allCases.map { b in t.band.values.filter { $0 == b }.count } == [3, 3, 3])
        let th = FrequencyBands(values: values, rule: .thresholds(high: 70, low: 30))
        #expect(th.band["7"] == .high && th.band["3"] == .mid && th.band["2"] == .low)
        let buckets = FrequencyBands(values: ["a": 0, "b": 4, "c": 9], rule: .buckets)
        #expect(buckets.band == ["a": .high, "b": .mid, "c": .low])
    }

    @Test func readsBandFilesAndRejectsBadLines() throws {
        let b = try FrequencyBands.read(TestFiles.write("q1 100 high\nq2 3 low\n"))
        #expect(b.band["q1"] == .high && b.frequency["q2"] == 3)
        #expect(inputError { _ = try FrequencyBands.read(TestFiles.write("q1 many\n")) }?.line == 1)
        #expect(inputError { _ = try FrequencyBands.read(TestFiles.write("q1 1 top\n")) }?.field == "band")
    }
}
