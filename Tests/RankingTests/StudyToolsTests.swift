import Foundation
import Testing
@testable import Ranking

@Suite struct StudyToolsTests {
    @Test func randomizationTestSeparatesShiftFromNoise() {
        let a = (0..<60).map { Double(($0 * 37) % 11) / 10 }
        #expect(PairedTest.randomization(a, a, permutations: 2000) == 1)
        let shifted = a.enumerated().map { $1 + ($0 % 3 == 0 ? 0.02 : 0.05) }
        #expect(PairedTest.randomization(shifted, a, permutations: 2000) < 0.001)
        // Differences of both signs that cancel: no evidence either way.
        let mixed = a.enumerated().map { $1 + ($0 % 2 == 0 ? 0.05 : -0.05) }
        #expect(PairedTest.randomization(mixed, a, permutations: 2000) > 0.5)
        // Seeded: the same inputs give the same p-value.
        let noisy = a.enumerated().map { $1 + Double(($0 * 13) % 7 - 3) / 100 }
        #expect(PairedTest.randomization(noisy, a, permutations: 500, seed: 9) == PairedTest.randomization(noisy, a, permutations: 500, seed: 9))
    }

    @Test func cohensKappaMatchesTheTextbookExample() throws {
        // 50 items: 20 both yes, 5 only x, 10 only y, 15 both no -> kappa 0.4.
        let x = [Bool](repeating: true, count: 25) + [Bool](repeating: false, count: 25)
        let y = [Bool](repeating: true, count: 20) + [Bool](repeating: false, count: 5) + [Bool](repeating: true, count: 10) + [Bool](repeating: false, count: 15)
        #expect(abs(try #require(Agreement.cohensKappa(x, y)) - 0.4) < 1e-12)
        #expect(Agreement.cohensKappa(x, x) == 1)
        #expect(Agreement.cohensKappa([true, true], [true, true]) == nil)
        #expect(Agreement.cohensKappa([], []) == nil)
    }

    @Test func featureSelectionKeepsTheGroupsColumns() {
        let q = RankingQuery(id: "1", docIDs: ["a", "b"], labels: [1, 0], features: [1, 2, 3, 4, 5, 6])
        let data = RankingDataset(featureCount: 3, queries: [q])
        let info = [FeatureInfo("x", .queryDocument), FeatureInfo("y", .document), FeatureInfo("z", .queryDocument)]
        #expect(FeatureSelection.queryDocument.columns(info) == [0, 2])
        #expect(data.selectingFeatures(FeatureSelection.queryDocument.columns(info)).queries[0].features == [1, 3, 4, 6])
        #expect(data.selectingFeatures(FeatureSelection.document.columns(info)).queries[0].features == [2, 5])
        #expect(data.selectingFeatures(FeatureSelection.all.columns(info)) == data)
    }

    @Test func studyPlanHasEveryArmAndControl() {
        var config = StudyConfig()
        let plan = StudyMethod.plan(config, labelSources: ["j"], smooth: .smooth(gamma: 2, threshold: 3))
        let main = plan.filter { $0.section == .main }
        #expect(main.map(\.objective.supervision) == [.labels, .clicks, .clicks, .clicks, .labels, .famol, .schedule, .schedule, .famol, .famol, .famol])
        #expect(main.map(\.objective.clickEstimator)[1...3] == [.naive, .ips, .dla])
        // Only the oracle trains on the gold judgments; only the IPS reference knows the true propensities.
        #expect(main.filter { $0.labels == .gold }.map(\.name) == [StudyMethod.oracleName])
        #expect(main.filter(\.truePropensities).count == 1)
        #expect(main.first { $0.name == StudyMethod.reversedName }?.objective.weighting == .bands(high: 0.2, mid: 0.5, low: 0.8))
        #expect(main.allSatisfy { $0.objective.pairTerms == config.pairTerms })
        #expect(plan.filter { $0.section == .ablation }.count == 4)
        #expect(Set(plan.map(\.slug)).count == plan.count)
        #expect(StudyMethod.plan(config, labelSources: ["j"], smooth: .standard, control: true).map(\.name)
                == [StudyMethod.oracleName, StudyMethod.clicksName, StudyMethod.labelsName])
        config.ablation = false
        config.studyProtocol = .crossValidation
        let strategies = StudyMethod.plan(config, labelSources: ["a", "b"], smooth: .standard)
        #expect(strategies.count == 11 + 2)
        #expect(strategies.filter { $0.section == .strategies }.map(\.labels) == [.judge(0), .judge(1)])
        #expect(strategies.allSatisfy { $0.objective.pairTerms == nil })
    }
}

