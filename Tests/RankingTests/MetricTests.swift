import Foundation
import Testing
@testable import Ranking

@Suite struct MetricTests {
    @Test func parsesMetricNames() throws {
        #expect(try Metric.list("ndcg@10, err@5,mrr,map,p@5") == [.ndcg(10), .err(5), .mrr, .map, .precision(5)])
        #expect(inputError { _ = try Metric.list("ndcg@x") }?.field == "ndcg@x")
        #expect(inputError { _ = try Metric.list("recall@5") }?.message == "unknown metric")
        // trec_eval's names, with -m's dot or pytrec_eval's underscore; printed with underscores.
        let trec = try Metric.list("ndcg,ndcg_cut.10,ndcg_cut_5,P.5,P_10,recall.20,map_cut.100,recip_rank,Rprec,bpref,success.1")
        #expect(trec == [.trecNDCG(nil), .trecNDCG(10), .trecNDCG(5), .trecPrecision(5), .trecPrecision(10), .recall(20),
                         .map(100), .recipRank, .rPrecision, .bpref, .success(1)])
        #expect(trec.map(\.description) == ["ndcg", "ndcg_cut_10", "ndcg_cut_5", "P_5", "P_10", "recall_20", "map_cut_100",
                                             "recip_rank", "Rprec", "bpref", "success_1"])
        #expect(inputError { _ = try Metric.list("ndcg_cut.0") } != nil)
        #expect(inputError { _ = try Metric.list("ndcg_cut.99999999999999999999") } != nil)
        #expect(inputError { _ = try Metric.list("recall") }?.message == "unknown metric")
    }

    @Test func valuesOfOneList() {
        // Ranked grades 0, 2, 1; the qrels also judge an unretrieved grade-3 document.
        let ranked: [Int?] = [0, 2, 1], judged = [2, 1, 3, 0]
        let dcg = 3 / log2(3.0) + 1 / 2.0
        let idcg = 7 + 3 / log2(3.0) + 1 / 2.0
        #expect(abs(Metric.ndcg(10).value(ranked: ranked, judged: judged, maxGrade: 3) - dcg / idcg) < 1e-12)
        #expect(Metric.mrr.value(ranked: ranked, judged: judged, maxGrade: 3) == 0.5)
        #expect(abs(Metric.map.value(ranked: ranked, judged: judged, maxGrade: 3) - (0.5 + 2.0 / 3) / 3) < 1e-12)
        #expect(Metric.precision(2).value(ranked: ranked, judged: judged, maxGrade: 3) == 0.5)
        // ERR: stop probabilities (2^g - 1) / 2^3 -> 0, 3/8, 1/8.
        let err = (3.0 / 8) / 2 + (1 - 3.0 / 8) * (1.0 / 8) / 3
        #expect(abs(Metric.err(10).value(ranked: ranked, judged: judged, maxGrade: 3) - err) < 1e-12)
        // trec_eval's nDCG uses the grade as its gain.
        let linear = (2 / log2(3.0) + 1 / 2.0) / (3 + 2 / log2(3.0) + 1 / 2.0)
        #expect(abs(Metric.trecNDCG(10).value(ranked: ranked, judged: judged, maxGrade: 3) - linear) < 1e-12)
    }

    @Test func bprefSkipsUnjudgedDocuments() {
        // R = 2, N = 2: relevant at rank 1 (no non-relevant above), an unjudged document, a
        // non-relevant one, then relevant: 1 - min(1, 2) / min(2, 2) = 0.5.
        let ranked: [Int?] = [1, nil, 0, 2]
        #expect(Metric.bpref.value(ranked: ranked, judged: [1, 2, 0, 0], maxGrade: 2) == 0.75)
        #expect(Metric.rPrecision.value(ranked: ranked, judged: [1, 2, 0, 0], maxGrade: 2) == 0.5)
    }

    @Test func evaluatorFollowsTrecEvalConventions() {
        let qrels = Qrels(judgments: ["1": ["a": 1, "b": 0], "2": ["x": 0], "3": ["y": 1]])
        // Query 1: a tie; trec_eval puts "b" (larger id) first. Query 9 is not judged.
        let run = TrecRun(results: [
            "1": [.init(docID: "a", score: 1), .init(docID: "b", score: 1)],
            "2": [.init(docID: "x", score: 1)],
            "9": [.init(docID: "z", score: 1)],
        ])
        let per = Evaluator(metrics: [.mrr]).perQuery(qrels: qrels, run: run)
        #expect(per["1"]?[.mrr] == 0.5)
        #expect(per["2"]?[.mrr] == 0)  // no relevant document: 0, and it counts
        #expect(per["3"] == nil && per["9"] == nil)
        let all = Evaluator(metrics: [.mrr], includeUnretrieved: true).perQuery(qrels: qrels, run: run)
        #expect(all["3"]?[.mrr] == 0)
        let lightgbm = Evaluator(metrics: [.ndcg(10)], emptyQueriesScoreOne: true).perQuery(qrels: qrels, run: run)
        #expect(lightgbm["2"]?[.ndcg(10)] == 1)
    }
}
