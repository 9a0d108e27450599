import Testing
@testable import Ranking

/// DLA on clicks simulated from a known position-based model: the propensities it learns
/// must be the simulation's examination curve.
@Suite struct DLAPropensityTests {
    /// 200 queries x 20 candidates whose grade is a function of two of three features, listed
    /// as a first-stage ranker would list them: more relevant ones nearer the top, so that
    /// raw clicks per position overstate the top's examination and only a correct relevance
    /// weighting recovers the curve.
    static func dataset(seed: UInt64) -> RankingDataset {
        let random = CounterRandom(seed: seed)
        let queries = (0..<200).map { q -> RankingQuery in
            var rows: [(x: [Double], grade: Float, key: Double)] = []
            for d in 0..<20 {
                let x = (0..<3).map { random.uniform(UInt64(q), UInt64(d), UInt64($0)) }
                let grade = Float(min(4, Int(5 * (0.7 * x[0] + 0.3 * x[1]))))
                rows.append((x, grade, Double(grade) + 1.5 * random.uniform(UInt64(q), UInt64(d), 99)))
            }
            rows.sort { $0.key > $1.key }
            return RankingQuery(id: String(q), docIDs: (0..<20).map { "q\(q)d\($0)" }, labels: rows.map(\.grade),
                                features: rows.flatMap { $0.x.map { Float($0) } })
        }
        return RankingDataset(featureCount: 3, queries: queries)
    }

    static func trainDLA(truth: [Double], impressions: Int, pairTerms: Bool) throws -> [Double] {
        let data = dataset(seed: 3)
        var clicks = ClickSimulationConfig()
        clicks.impressions = impressions
        clicks.zipfExponent = 0.5
        clicks.examinationCurve = truth
        clicks.loggingTemperature = 4
        clicks.seed = 9
        var builder = TrainingSetBuilder(dataset: data)
        builder.impressions = ClickSimulator(config: clicks).simulate(data)
        var spec = ObjectiveSpec()
        spec.supervision = .clicks
        spec.clickEstimator = .dla
        if pairTerms { spec.pairTerms = PairTerms() }
        var config = TrainerConfig()
        config.epochs = 60
        config.patience = 0
        config.optimizer.learningRate = 1e-2
        let trainer = Trainer(config: config, objective: spec.objective, examples: builder.build(),
                              validation: RankingDataset(featureCount: 3, queries: []))
        let state = try trainer.train()
        let layout = trainer.ranker.layout
        let pi = ListLoss.softmax(Array(state.best[layout.propensityOffset..<layout.pairTermOffset]))
        return pi.map { $0 / pi[0] }
    }

    @Test(arguments: [false, true])
    func dlaRecoversTheExaminationCurve(pairTerms: Bool) throws {
        // The examination curve famol's PBM fits on the Yandex sample, and a steeper 1/(k+1).
        for truth in [[1, 0.689, 0.571, 0.476, 0.361, 0.320, 0.298, 0.242, 0.252, 0.234], (0..<10).map { 1 / Double($0 + 1) }] {
            let learned = try Self.trainDLA(truth: truth, impressions: 100_000, pairTerms: pairTerms)
            for k in 1..<10 {
                #expect(abs(learned[k] / truth[k] - 1) < 0.15,
                        "rank \(k + 1): DLA \(learned[k]), truth \(truth[k]) (pair terms \(pairTerms))")
            }
        }
    }

    @Test(arguments: ClickEstimator.allCases)
    func unshownCandidatesAreNoClickNegatives(estimator: ClickEstimator) {
        // Four candidates; only 0 and 2 were ever shown, and 2 was clicked.
        let clicks = ClickStats(cells: [.init(document: 0, position: 0, shown: 10, clicks: 0),
                                        .init(document: 2, position: 1, shown: 10, clicks: 4)], impressions: 10)
        let loss = ClickLoss(estimator: estimator, propensities: [1, 0.5]).evaluate(
            scores: [0.3, 2, -1, 0.5], clicks: clicks, propensityLogits: [0, 0])
        #expect(loss.ranker.gradient[1] == 0 && loss.ranker.gradient[3] == 0)
        #expect(loss.ranker.gradient[2] < 0 && loss.ranker.gradient[0] > 0)
    }
}
