import Foundation
import Testing
@testable import Ranking

/// The study's protocol: what reaches each arm's training, and its statistics.
@Suite struct StudyProtocolTests {
    static func base() -> (RankingDataset, [FeatureInfo]) {
        let random = CounterRandom(seed: 21)
        let queries = (0..<30).map { q -> RankingQuery in
            var features: [Float] = [], labels: [Float] = []
            for d in 0..<10 {
                let x = (0..<3).map { Float(random.uniform(UInt64(q), UInt64(d), UInt64($0))) }
                features += x
                labels.append(Float(min(4, Int(5 * x[0]))))
            }
            return RankingQuery(id: String(q + 1), docIDs: (0..<10).map { "q\(q)d\($0)" }, labels: labels, features: features)
        }
        return (RankingDataset(featureCount: 3, queries: queries),
                [FeatureInfo("a", .queryDocument), FeatureInfo("b", .queryDocument), FeatureInfo("c", .document)])
    }

    /// With the click log and the judge's labels fixed, other evaluation judgments leave every
    /// arm but the oracle exactly as it was: no gold grade reaches their training.
    @Test func onlyTheOracleSeesTheEvaluationJudgments() throws {
        let (data, features) = Self.base()
        var config = StudyConfig()
        config.trainer.epochs = 3
        config.world.clicks.impressions = 600
        let frequencies = ClickSimulator(config: config.world.clicks).frequencies(queryIDs: data.queries.map(\.id))
        let world = StudyWorld.realize(base: data, features: features, group: "g", strength: 0.5, seed: 5,
                                       frequencies: frequencies, config: config.world)
        var other = world
        for i in other.dataset.queries.indices { other.dataset.queries[i].labels = other.dataset.queries[i].labels.map { 4 - $0 } }
        #expect(other.gold != world.gold && other.impressions == world.impressions)
        var judge = Qrels()
        for q in data.queries { for (d, x) in zip(q.docIDs, q.labels) { judge.judgments[q.id, default: [:]][d] = Int(x) % 3 } }
        let sources = [LabelSource(name: "judge", provenance: "test", qrels: judge)]
        let study = BandStudy(config: config)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("famol-protocol-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for method in StudyMethod.plan(config, labelSources: ["judge"], smooth: .standard) where method.section == .main {
            let a = try study.train(method, world: world, labelSources: sources, directory: root + "/a", seed: 0, trainer: InProcessStudyTrainer())
            let b = try study.train(method, world: other, labelSources: sources, directory: root + "/b", seed: 0, trainer: InProcessStudyTrainer())
            if method.labels == .gold {
                #expect(a != b, "the oracle must train on the gold judgments")
            } else {
                #expect(a == b, "\(method.name) changed with the evaluation judgments")
            }
        }
    }

    @Test func holmAdjustsInStepDownOrder() {
        // p = 0.01, 0.04, 0.03, 0.005 (m = 4): sorted 0.005x4, 0.01x3, 0.03x2, 0.04x1, monotone.
        let adjusted = StudyStatistics.holm([0.01, 0.04, 0.03, 0.005])
        for (got, want) in zip(adjusted, [0.03, 0.06, 0.06, 0.02]) { #expect(abs(got - want) < 1e-12) }
        #expect(StudyStatistics.holm([0.5, 0.9]) == [1.0, 1.0])
    }

    @Test func differenceHasAnIntervalAroundTheMeanShift() {
        let b = (0..<80).map { Double(($0 * 37) % 17) / 17 }
        let a = b.enumerated().map { $1 + 0.05 + Double(($0 * 11) % 5 - 2) / 100 }
        let d = StudyStatistics.difference(a, b, permutations: 1000, seed: 1)
        #expect(abs(d.mean - 0.05) < 1e-9 && d.low < 0.05 && d.high > 0.05 && d.high - d.low < 0.02)
        #expect(d.p < 0.01 && abs(d.mde - 2.8 * (d.high - d.mean) / 1.96) < 1e-12)
        let none = StudyStatistics.difference(b, b, permutations: 1000, seed: 1)
        #expect(none.mean == 0 && none.p == 1)
    }

    @Test func bandInteractionSeesBandStructureOnly() {
        let bands = (0..<90).map { [Band.high, .mid, .low][$0 % 3] }
        let noise = (0..<90).map { Double(($0 * 53) % 19) / 19 - 0.5 }
        // Clicks gain 0.3 on the head: an interaction.
        let structured = zip(noise, bands).map { $0 + ($1 == .high ? 0.3 : 0) }
        #expect(StudyStatistics.bandInteraction(structured, bands: bands, permutations: 2000, seed: 3).p < 0.01)
        // The same differences under bands that do not follow them: nothing.
        let shuffled = CounterRandom(seed: 4).permutation(90, 1, 2).map { bands[$0] }
        let unrelated = StudyStatistics.bandInteraction(noise, bands: shuffled, permutations: 2000, seed: 3)
        #expect(unrelated.p > 0.05)
        // The same through log frequency: a trend is found, noise and constant traffic are not.
        let logf = (0..<90).map { log(1 + Double(($0 * 7) % 90)) }
        #expect(StudyStatistics.correlationTest(zip(noise, logf).map { $0 + 0.3 * $1 }, logf, permutations: 2000, seed: 5).p < 0.01)
        #expect(StudyStatistics.correlationTest(noise, logf, permutations: 2000, seed: 5).p > 0.05)
        let constant = StudyStatistics.correlationTest(noise, [Double](repeating: 2, count: 90), permutations: 100, seed: 5)
        #expect(constant.r == 0 && constant.p == 1)
    }
}
