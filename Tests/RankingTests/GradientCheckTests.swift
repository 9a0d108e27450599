import Testing
@testable import Ranking

/// Finite-difference checks of every loss's gradient and of the MLP's backward pass.
@Suite struct GradientCheckTests {
    static let scores: [Float] = [0.3, -1.2, 2.0, 0.0, 0.7, -0.4]
    static let labels: [Float] = [2, 0, 1, 0, 3, 1]

    /// Central differences of `f` at `x` against `analytic`, in Double.
    func check(_ x: [Float], analytic: [Double], tolerance: Double = 1e-3, _ f: ([Float]) -> Double) {
        for i in x.indices {
            let h: Float = 1e-2
            var up = x, down = x
            up[i] += h
            down[i] -= h
            let numeric = (f(up) - f(down)) / Double(up[i] - down[i])
            #expect(abs(numeric - analytic[i]) <= tolerance * max(1, abs(numeric)), "coordinate \(i): numeric \(numeric) analytic \(analytic[i])")
        }
    }

    @Test(arguments: ListLoss.allCases)
    func labelLosses(loss: ListLoss) {
        let targets = LabelTargets.gains(Self.labels)
        let v = loss.evaluate(scores: Self.scores, targets: targets)
        #expect(v.loss > 0)
        check(Self.scores, analytic: v.gradient) { loss.evaluate(scores: $0, targets: targets).loss }
    }

    static let clicks = ClickStats(cells: [
        .init(document: 0, position: 0, shown: 10, clicks: 4),
        .init(document: 2, position: 1, shown: 10, clicks: 3),
        .init(document: 4, position: 2, shown: 10, clicks: 2),
        .init(document: 1, position: 3, shown: 10, clicks: 0),
    ], impressions: 10)
    static let logits: [Float] = [0.5, 0.1, -0.3, -0.6]

    @Test(arguments: ClickEstimator.allCases)
    func clickLossesOnScores(estimator: ClickEstimator) {
        let loss = ClickLoss(estimator: estimator, propensities: [1, 0.5, 0.33, 0.25])
        let v = loss.evaluate(scores: Self.scores, clicks: Self.clicks, propensityLogits: Self.logits).ranker
        #expect(v.loss > 0)
        check(Self.scores, analytic: v.gradient) {
            loss.evaluate(scores: $0, clicks: Self.clicks, propensityLogits: Self.logits).ranker.loss
        }
    }

    @Test func dlaPropensityLossOnLogits() {
        let loss = ClickLoss(estimator: .dla)
        let v = loss.evaluate(scores: Self.scores, clicks: Self.clicks, propensityLogits: Self.logits).propensity!
        check(Self.logits, analytic: v.gradient) {
            loss.evaluate(scores: Self.scores, clicks: Self.clicks, propensityLogits: $0).propensity!.loss
        }
    }

    @Test(arguments: [FamolWeighting.standard, .smooth(gamma: 1.5, threshold: 2)])
    func famolObjective(weighting: FamolWeighting) {
        let objective = Objective(supervision: .famol, clickLoss: ClickLoss(estimator: .dla), weighting: weighting)
        let query = RankingQuery(id: "q", docIDs: (0..<6).map { "d\($0)" }, labels: Self.labels, features: [])
        let ex = TrainingExample(query: query, clicks: Self.clicks, frequency: 10, band: .mid)
        let v = objective.evaluate(ex, scores: Self.scores, propensityLogits: Self.logits, epoch: 0)!
        #expect(v.click > 0 && v.label > 0)
        check(Self.scores, analytic: v.scoreGradient) {
            objective.evaluate(ex, scores: $0, propensityLogits: Self.logits, epoch: 0)!.total
        }
    }

    @Test func mlpBackwardMatchesFiniteDifferences() {
        let layout = RankerLayout(inputCount: 3, hidden: [4, 3])
        let ranker = MLPRanker(layout: layout, mean: [0, 0, 0], scale: [1, 1, 1])
        var p = layout.initialParameters(seed: 3)
        for i in p.indices { p[i] += Float(i % 7) * 0.01 }  // non-zero biases
        let x: [Float] = [0.5, -1, 2, 1, 0.3, -0.2, -1.5, 0.8, 0.1, 0.2, 0.2, 0.2]
        let targets = LabelTargets.gains([2, 0, 1, 0])
        func loss(_ q: [Float]) -> Double {
            ListLoss.softmax.evaluate(scores: ranker.scores(parameters: q, features: x, rows: 4), targets: targets).loss
        }
        let act = ranker.forward(parameters: p, features: x, rows: 4)
        let dS = ListLoss.softmax.evaluate(scores: act.scores, targets: targets).gradient.map { Float($0) }
        var g = [Float](repeating: 0, count: p.count)
        ranker.backward(parameters: p, activations: act, scoreGradient: dS, into: &g)
        check(p, analytic: g.map { Double($0) }, tolerance: 2e-2, loss)
    }

    @Test func blasAndReferenceKernelsAgree() {
        let layout = RankerLayout(inputCount: 5, hidden: [8, 4])
        let mean = [Float](repeating: 0.1, count: 5), scale = [Float](repeating: 2, count: 5)
        let blas = MLPRanker(layout: layout, mean: mean, scale: scale, kernel: .blas)
        let reference = MLPRanker(layout: layout, mean: mean, scale: scale, kernel: .reference)
        let p = layout.initialParameters(seed: 9)
        let x = (0..<35).map { Float(($0 * 37) % 11) / 5 - 1 }
        let a = blas.forward(parameters: p, features: x, rows: 7)
        let b = reference.forward(parameters: p, features: x, rows: 7)
        for (u, v) in zip(a.scores, b.scores) { #expect(abs(u - v) < 1e-5) }
        let dS: [Float] = [0.1, -0.2, 0.3, 0, 0.05, -0.1, -0.15]
        var ga = [Float](repeating: 0, count: p.count), gb = ga
        blas.backward(parameters: p, activations: a, scoreGradient: dS, into: &ga)
        reference.backward(parameters: p, activations: b, scoreGradient: dS, into: &gb)
        for (u, v) in zip(ga, gb) { #expect(abs(u - v) < 1e-5) }
    }
}
