import Foundation
import Ranking

extension DemoSettings {
    /// The demo's report text: the simulated world's assumptions and every parameter.
    var reportDescription: StudyDescription {
        StudyDescription(
            dataName: "Cranfield",
            lines: [("clicks", clicksSource), ("world", worldText), ("bands", "terciles of each group's query frequency"),
                    ("protocol", protocolText),
                    ("metric", "\(Metric.ndcg(10).labelled) on the gold judgments, BM25 top-\(study.candidates) reranked")],
            sources: ["clicks": clicksSource, "world": worldText, "protocol": protocolText,
                      "evaluation": "gold judgments: Cranfield's human grades, moved by the document quality of each world"],
            parameters: parameters, permutations: study.permutations,
            controlNote: "the control's bands are groups of equal traffic, so it must show nothing")
    }

    var clicksSource: String {
        let w = study.world, c = w.clicks
        let logging = c.loggingTemperature.map { "Plackett-Luce logging over the BM25 ranks (weight exp(-rank/\($0)))" } ?? "the BM25 order every time"
        return "simulated \(c.model.rawValue) on the gold grades: examination \(c.examinationCurve == nil ? "1/(k+1)^\(c.eta)" : w.examinationSource); attractiveness min(1, m (\(c.epsilon) + (1 - \(c.epsilon)) (2^g - 1)/(2^\(c.maxGrade) - 1))) with m calibrated per world to \(w.clicksPerImpression.map { String(format: "%.3f", $0) } ?? "(none)") clicks per impression; \(c.impressions) impressions, Zipf s=\(c.zipfExponent) over a popularity order fixed per group (the control: the same count for every query); top \(c.shown) shown by \(logging)"
    }

    var worldText: String {
        let w = study.world
        return "latent document quality z ~ N(0,1) per document; gold grade of a judged-relevant document clamp(round(g + s z), 1, 4), others 0, for s in \(w.qualityStrengths.map { "\($0)" }.joined(separator: ", ")) (s = 0: Cranfield's own grades); \(w.qualitySignal ? "the ranker sees z only as the document feature quality_signal = z + N(0, \(w.qualityFeatureNoise))" : "the ranker has no feature of z (world.quality_signal = false)"); the judge never"
    }

    var protocolText: String {
        let s = study
        let p = s.studyProtocol == .transductive
            ? "transductive: clicks and judge labels of every query train, gold judgments of the same queries only evaluate; score = MLP(features) + b_qd, b_qd with prior \(s.pairTerms.regularization)/(1 + a clicks_q + (1 - a) \(s.pairTerms.labelEvidence)) b^2"
            : "\(s.folds)-fold cross-validation over queries (a query's own supervision never reaches its ranking)"
        return p + "; no model selection (\(s.trainer.epochs) epochs, the last kept); \(s.simulationSeeds) simulation x \(s.trainingSeeds) training seeds, each query's metric averaged over them before the tests"
    }

    /// Everything needed to reproduce the run, without timings, so the same seed gives the same file.
    var parameters: [String: String] {
        let s = study, w = s.world, c = w.clicks
        var p: [String: String] = [
            "cranfield": cranfield, "judge": judge.rawValue, "seed": String(s.trainer.seed),
            "queries": s.queryLimit.map(String.init) ?? "all", "candidates": String(s.candidates),
            "study.simulation_seeds": String(s.simulationSeeds),
            "study.true_negatives": String(s.trueNegatives), "study.random_negatives": String(randomNegatives),
            "study.hard_negatives": String(hardNegatives),
            "clicks.model": c.model.rawValue, "clicks.impressions": String(c.impressions), "clicks.zipf": "\(c.zipfExponent)",
            "clicks.examination": c.examinationCurve.map { $0.map { String(format: "%.6f", $0) }.joined(separator: ",") } ?? "1/(k+1)^\(c.eta)",
            "clicks.examination_source": w.examinationSource,
            "clicks.clicks_per_impression": w.clicksPerImpression.map { String(format: "%.6f", $0) } ?? "none",
            "clicks.epsilon": "\(c.epsilon)", "clicks.shown": String(c.shown), "clicks.seed": String(c.seed),
            "clicks.logging_temperature": c.loggingTemperature.map { "\($0)" } ?? "none (BM25 order)",
            "world.quality_strengths": w.qualityStrengths.map { "\($0)" }.joined(separator: ","),
            "world.quality_feature_noise": "\(w.qualityFeatureNoise)", "world.quality_signal": String(w.qualitySignal),
            "embedding.grade_shares": judging.judgeShares.map { "\($0)" }.joined(separator: ","),
        ]
        p.merge(study.reportParameters) { a, _ in a }
        if judge == .embedding { p["embedding.max_tokens"] = String(judging.embeddingMaxTokens) }
        if judge == .openai {
            p["openai.endpoint"] = judging.openai.endpoint ?? ""
            p["openai.model"] = judging.openai.model ?? ""
            p["openai.strategies"] = judging.openai.strategies.joined(separator: ",")
            p["openai.temperature"] = "\(judging.openai.temperature)"
            p["openai.max_tokens"] = String(judging.openai.maxTokens)
        }
        return p
    }

}
