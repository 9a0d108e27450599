import Foundation
import Testing
@testable import Ranking

/// famol's click models against PyClick's figures on the bundled Yandex sample: fitted on
/// `trainSample` (50 EM iterations), scored on `testSample`, PyClick at its HEAD.
@Suite struct ClickModelsVsPyClickTests {
    static let logs: (train: ClickSessions, test: ClickSessions) = {
        let dir = TestFiles.datasets + "/yandex-clicks-sample/"
        let train = ClickSessions(training: try! ClickLog.readYandex(dir + "trainSample").impressions)
        return (train, train.encoding(try! ClickLog.readYandex(dir + "testSample").impressions))
    }()

    static let pyclickPerplexity: [ClickModelName: Double] = [.pbm: 1.4337, .ubm: 1.4342, .dbn: 1.4402, .dcm: 1.4416, .sdbn: 1.4359]

    @Test(arguments: [ClickModelName.pbm, .ubm, .dbn, .sdbn, .dcm])
    func heldOutPerplexityMatchesPyClick(model: ClickModelName) {
        var m = model.makeModel()
        m.fit(Self.logs.train, iterations: 50)
        let scores = ClickModelEvaluation.score(m, on: Self.logs.test)
        let expected = Self.pyclickPerplexity[model]!
        // PyClick's figures have 4 decimals and famol matches them to the last one. (The issue
        // asked for 0.002; that lets an inverted DCM continuation through, at 1.4405.)
        #expect(abs(scores.perplexity - expected) <= 0.00006, "\(model): famol \(scores.perplexity), PyClick \(expected)")
        #expect(scores.sessions == 21_413 && scores.perplexityByRank.count == 10)
        // A click model predicts held-out clicks better than chance and worse than its training log.
        #expect(scores.logLikelihood < 0 && scores.logLikelihood > log(0.5))
        #expect(ClickModelEvaluation.score(m, on: Self.logs.train).perplexity < scores.perplexity)
    }

    @Test func pbmExaminationMatchesPyClick() {
        var pbm = PositionBasedModel()
        pbm.fit(Self.logs.train, iterations: 50)
        let pyclick = [1, 0.689, 0.571, 0.476, 0.361, 0.320, 0.298, 0.242, 0.252, 0.234]
        for (k, expected) in pyclick.enumerated() {
            let ratio = pbm.examination[k] / pbm.examination[0]
            #expect(abs(ratio - expected) < 0.02, "rank \(k + 1): famol \(ratio), PyClick \(expected)")
        }
        // PBM predicts each rank independently: conditional and full perplexity coincide.
        let s = ClickModelEvaluation.score(pbm, on: Self.logs.test)
        #expect(abs(s.perplexity - s.conditionalPerplexity) < 1e-12)
    }

    @Test func cascadeExplainsOnlyTheFirstClick() {
        var cm = CascadeModel()
        cm.fit(Self.logs.train, iterations: 1)
        let twoClicks = ClickSessions.Session(pairs: [0, 1, 2], clicks: [true, true, false])
        #expect(cm.conditionalClickProbabilities(twoClicks)[1] == 1e-6)
        #expect(cm.conditionalClickProbabilities(twoClicks)[2] == 1e-6)
    }

    @Test func unseenPairsKeepThePrior() {
        let train = ClickSessions(training: [Impression(query: "q", shown: ["a", "b"], clicked: ["a"])])
        let test = train.encoding([Impression(query: "q", shown: ["a", "z"], clicked: [])])
        #expect(test.sessions[0].pairs == [0, train.unseenPair])
        for name in ClickModelName.allCases {
            var m = name.makeModel()
            m.fit(train, iterations: 5)
            // Rank 2 of the held-out session is a pair never seen: attraction stays 1/2.
            let full = m.fullClickProbabilities(test.sessions[0])
            #expect(full.count == 2 && full.allSatisfy { $0 > 0 && $0 < 1 }, "\(name)")
        }
    }

    @Test func parametersFileFeedsTheSimulator() throws {
        var pbm = PositionBasedModel()
        pbm.fit(Self.logs.train, iterations: 50)
        let path = TestFiles.write(try pbm.parameters(Self.logs.train).json())
        let read = try ClickModelParameters.read(path)
        #expect(read.model == .pbm && read.attractiveness.count == 20)
        let curve = try read.relativeExamination(file: path)
        #expect(curve[0] == 1 && abs(curve[1] - 0.689) < 0.02)
        var c = ClickSimulationConfig()
        c.examinationCurve = curve
        #expect(c.examination(1) == curve[1] && c.examination(25) == curve[9])
        // A model without an examination curve is refused with the file named.
        var dcm = DependentClickModel()
        dcm.fit(Self.logs.train, iterations: 1)
        let dcmPath = TestFiles.write(try dcm.parameters(Self.logs.train).json())
        let e = inputError { _ = try ClickModelParameters.read(dcmPath).relativeExamination(file: dcmPath) }
        #expect(e?.file == dcmPath && e?.field == "examination")
        #expect(inputError { _ = try ClickModelParameters.read(TestFiles.write("{\"format\": 3}")) } != nil)
    }

    /// On clicks drawn from a known PBM with randomised lists, the fit recovers the curve.
    @Test func pbmRecoversAKnownExaminationCurve() {
        let truth = [1, 0.7, 0.55, 0.45, 0.38, 0.3, 0.26, 0.22, 0.2, 0.18]
        var rng = SeededGenerator(seed: 11)
        let docs = (0..<30).map { "d\($0)" }
        let attract = docs.map { _ in 0.1 + 0.8 * rng.uniform() }
        var log: [Impression] = []
        for _ in 0..<30_000 {
            let order = Array(docs.indices.shuffled(using: &rng).prefix(10))
            let clicked = order.enumerated().filter { k, d in rng.uniform() < truth[k] * attract[d] }.map { docs[$0.1] }
            log.append(Impression(query: "q", shown: order.map { docs[$0] }, clicked: clicked))
        }
        var pbm = PositionBasedModel()
        pbm.fit(ClickSessions(training: log), iterations: 100)
        for k in 1..<10 {
            #expect(abs(pbm.examination[k] / pbm.examination[0] - truth[k]) < 0.03, "rank \(k + 1)")
        }
    }
}
