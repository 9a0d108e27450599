import Foundation
import Ranking

/// The demo's outputs: the terminal tables, results.json and (with `HTMLReport`) report.html.
struct StudyReport {
    var result: StudyResult
    var summary: StudySummary
    var settings: DemoSettings
    /// Label source name -> what produced it.
    var labelSources: [(name: String, provenance: String)]
    /// Judge quality against the human judgments (ROC AUC), by label source.
    var judgeAUC: [String: Double]

    static let significance = 0.05
    static let key = "ndcg@10"

    var clicksSource: String {
        let w = settings.study.world, c = w.clicks
        let logging = c.loggingTemperature.map { "Plackett-Luce logging over the BM25 ranks (weight exp(-rank/\($0)))" } ?? "the BM25 order every time"
        return "simulated \(c.model.rawValue) on the gold grades: examination \(c.examinationCurve == nil ? "1/(k+1)^\(c.eta)" : w.examinationSource); attractiveness min(1, m (\(c.epsilon) + (1 - \(c.epsilon)) (2^g - 1)/(2^\(c.maxGrade) - 1))) with m calibrated per world to \(w.clicksPerImpression.map { String(format: "%.3f", $0) } ?? "(none)") clicks per impression; \(c.impressions) impressions, Zipf s=\(c.zipfExponent) over a popularity order fixed per group (the control: the same count for every query); top \(c.shown) shown by \(logging)"
    }

    var worldText: String {
        let w = settings.study.world
        return "latent document quality z ~ N(0,1) per document; gold grade of a judged-relevant document clamp(round(g + s z), 1, 4), others 0, for s in \(w.qualityStrengths.map { "\($0)" }.joined(separator: ", ")) (s = 0: Cranfield's own grades); the ranker sees z only as the document feature quality_signal = z + N(0, \(w.qualityFeatureNoise)); the judge never"
    }

    var protocolText: String {
        let s = settings.study
        let p = s.studyProtocol == .transductive
            ? "transductive: clicks and judge labels of every query train, gold judgments of the same queries only evaluate; score = MLP(features) + b_qd, b_qd with prior \(s.pairTerms.regularization)/(1 + a clicks_q + (1 - a) \(s.pairTerms.labelEvidence)) b^2"
            : "\(s.folds)-fold cross-validation over queries (a query's own supervision never reaches its ranking)"
        return p + "; no model selection (\(s.trainer.epochs) epochs, the last kept); \(s.simulationSeeds) simulation x \(s.trainingSeeds) training seeds, each query's metric averaged over them before the tests"
    }

    var sourcesText: String {
        var lines = ["Sources:"]
        for s in labelSources { lines.append("  labels [\(s.name)]  \(s.provenance)") }
        lines.append("  oracle  the gold judgments themselves (the only arm that sees them)")
        lines.append("  clicks  \(clicksSource)")
        lines.append("  world   \(worldText)")
        lines.append("  bands   terciles of each group's query frequency")
        lines.append("  protocol \(protocolText)")
        lines.append("  metric  \(Metric.ndcg(10).labelled) on the gold judgments, BM25 top-\(settings.study.candidates) reranked")
        return lines.joined(separator: "\n")
    }

    func bandHeader(_ title: String) -> [String] {
        [title] + StudySummary.bandNames.map { "\($0) (\(summary.queriesPerBand[$0] ?? 0))" }
    }

    static func signed(_ x: Double) -> String { (x >= 0 ? "+" : "") + fmt(x, 3) }

    static func interval(_ d: PairedDifference?) -> String {
        guard let d else { return "n/a" }
        return "\(signed(d.mean)) [\(signed(d.low)), \(signed(d.high))]\(d.pHolm < significance ? "*" : " ")"
    }

    /// Every table of the study, group by group.
    func tables() -> String {
        var out: [String] = []
        for world in result.worlds {
            let g = world.group
            var traffic = TextTable(header: ["traffic, " + g] + StudySummary.bandNames)
            traffic.rows.append(["impressions (mean over seeds)"] + StudySummary.bandNames.map { fmt(world.impressionsPerBand[$0] ?? 0, 0) })
            traffic.rows.append(["clicks"] + StudySummary.bandNames.map { fmt(world.clicksPerBand[$0] ?? 0, 0) })
            traffic.rows.append(["queries never shown"] + StudySummary.bandNames.map { String(world.unseenQueriesPerBand[$0] ?? 0) })
            out.append(traffic.render())
            for table in summary.tables where table.group == g {
                var t = TextTable(header: bandHeader("\(Metric.ndcg(10).labelled) — \(table.title), \(g)"))
                for row in table.rows {
                    t.rows.append([row.method] + StudySummary.bandNames.map { band in
                        fmt(row.means[Self.key]?[band] ?? 0) + ((row.differences[band]?.pHolm ?? 1) < Self.significance ? "*" : " ")
                    })
                }
                out.append(t.render() + "\n  " + table.note + "; * p < 0.05 after Holm")
            }
            var c = TextTable(header: bandHeader("difference [95% interval], \(g)"))
            for comparison in summary.comparisons where comparison.group == g {
                c.rows.append([comparison.name] + StudySummary.bandNames.map { Self.interval(comparison.bands[$0]) })
                if comparison.name == "clicks - labels" {
                    c.rows.append(["  minimum detectable effect"] + StudySummary.bandNames.map { comparison.bands[$0].map { fmt($0.mde, 3) } ?? "n/a" })
                }
            }
            out.append(c.render() + "\n  paired over queries; interval mean +- 1.96 SE; * p < 0.05 (randomization test, Holm over the table); minimum detectable effect at 80% power")
        }
        var i = TextTable(header: ["interaction of clicks - labels", "high - low", "p", "p (Holm)", "corr. with log(1+f)", "p", "p (Holm)"])
        for x in summary.interactions {
            i.rows.append([x.group, Self.signed(x.effect), fmt(x.p, 4), fmt(x.pHolm, 4), fmt(x.correlationWithLogFrequency, 3),
                           fmt(x.correlationP, 4), fmt(x.correlationPHolm, 4)])
        }
        out.append(i.render() + "\n  permutation tests (\(settings.study.permutations) permutations) of the band labels and of the frequencies; the control's bands are groups of equal traffic, so it must show nothing")
        var agreement = TextTable(header: ["Cohen's kappa (first seed)"] + StudySummary.bandNames)
        for world in result.worlds {
            for pair in world.agreement.keys.sorted() {
                agreement.rows.append(["\(world.group): " + pair.replacingOccurrences(of: "~", with: " vs ")] + StudySummary.bandNames.map { b in
                    world.agreement[pair]?[b].map { fmt($0, 3) } ?? "n/a"
                })
            }
        }
        out.append(agreement.render() + "\n  binary relevance per candidate: clicked at least once; judge grade >= 1; gold grade >= 1")
        var auc = TextTable(header: ["judge ROC AUC against gold"] + StudySummary.bandNames)
        for world in result.worlds {
            for source in world.judgeAUC.keys.sorted() {
                auc.rows.append(["\(world.group): \(source)"] + StudySummary.bandNames.map { b in world.judgeAUC[source]?[b].map { fmt($0, 3) } ?? "n/a" })
            }
        }
        out.append(auc.render() + "\n  the judge's grades as scores, gold grade >= 1 as relevant, over every candidate (first simulation seed)")
        return out.joined(separator: "\n\n")
    }

    /// Everything needed to reproduce the run, without timings, so the same seed gives the same file.
    var parameters: [String: String] {
        let s = settings.study, w = s.world, c = w.clicks
        var p: [String: String] = [
            "cranfield": settings.cranfield, "judge": settings.judge.rawValue, "seed": String(s.trainer.seed),
            "queries": s.queryLimit.map(String.init) ?? "all", "candidates": String(s.candidates),
            "study.protocol": s.studyProtocol.rawValue, "study.folds": String(s.folds), "study.ablation": String(s.ablation),
            "study.negative_control": String(s.negativeControl), "study.simulation_seeds": String(s.simulationSeeds),
            "study.true_negatives": String(s.trueNegatives), "study.random_negatives": String(settings.randomNegatives),
            "study.hard_negatives": String(settings.hardNegatives),
            "study.training_seeds": String(s.trainingSeeds), "study.permutations": String(s.permutations),
            "clicks.model": c.model.rawValue, "clicks.impressions": String(c.impressions), "clicks.zipf": "\(c.zipfExponent)",
            "clicks.examination": c.examinationCurve.map { $0.map { String(format: "%.6f", $0) }.joined(separator: ",") } ?? "1/(k+1)^\(c.eta)",
            "clicks.examination_source": w.examinationSource,
            "clicks.clicks_per_impression": w.clicksPerImpression.map { String(format: "%.6f", $0) } ?? "none",
            "clicks.epsilon": "\(c.epsilon)", "clicks.shown": String(c.shown), "clicks.seed": String(c.seed),
            "clicks.logging_temperature": c.loggingTemperature.map { "\($0)" } ?? "none (BM25 order)",
            "world.quality_strengths": w.qualityStrengths.map { "\($0)" }.joined(separator: ","),
            "world.quality_feature_noise": "\(w.qualityFeatureNoise)",
            "pair_terms.regularization": "\(s.pairTerms.regularization)", "pair_terms.label_evidence": "\(s.pairTerms.labelEvidence)",
            "embedding.grade_shares": settings.judgeShares.map { "\($0)" }.joined(separator: ","),
            "training.epochs": String(s.trainer.epochs), "training.learning_rate": "\(s.trainer.optimizer.learningRate)",
            "training.layers": s.trainer.hidden.map(String.init).joined(separator: ","),
            "training.batch": String(s.trainer.batchQueries), "training.shards": String(s.trainer.shards),
            "training.model_selection": "none: the last of training.epochs",
            "famol.weights": BandStudy.describe(s.famolBands),
            "famol.schedule_first_stage_epochs": String(s.scheduleFirstStageEpochs),
            "metric": Metric.ndcg(10).labelled, "label_loss": "softmax",
        ]
        if settings.judge == .embedding { p["embedding.max_tokens"] = String(settings.embeddingMaxTokens) }
        if settings.judge == .openai {
            p["openai.endpoint"] = settings.openai.endpoint ?? ""
            p["openai.model"] = settings.openai.model ?? ""
            p["openai.strategies"] = settings.openai.strategies.joined(separator: ",")
            p["openai.temperature"] = "\(settings.openai.temperature)"
            p["openai.max_tokens"] = String(settings.openai.maxTokens)
        }
        return p
    }

    struct Document: Encodable {
        var parameters: [String: String]
        var sources: [String: String]
        var judgeAUC: [String: Double]
        var summary: StudySummary
        var result: StudyResult
    }

    func json() throws -> String {
        var sources = ["clicks": clicksSource, "world": worldText, "protocol": protocolText,
                       "evaluation": "gold judgments: Cranfield's human grades, moved by the document quality of each world"]
        for s in labelSources { sources["labels:" + s.name] = s.provenance }
        let doc = Document(parameters: parameters, sources: sources, judgeAUC: judgeAUC, summary: summary, result: result)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(doc), as: UTF8.self) + "\n"
    }
}
