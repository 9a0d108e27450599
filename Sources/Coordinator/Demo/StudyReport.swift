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

    var clicksSource: String {
        let c = settings.study.clicks
        return "simulated \(c.model.rawValue) (examination 1/(k+1)^\(c.eta), attractiveness \(c.epsilon) + (1 - \(c.epsilon)) (2^g - 1)/(2^\(c.maxGrade) - 1) from the human grades), \(result.impressions) impressions, \(result.clicks) clicks, Zipf s=\(c.zipfExponent), top \(c.shown) shown, seed \(c.seed)"
    }

    var sourcesText: String {
        var lines = ["Sources:"]
        for s in labelSources { lines.append("  labels [\(s.name)]  \(s.provenance)") }
        lines.append("  clicks  \(clicksSource)")
        lines.append("  bands   terciles of simulated query frequency")
        lines.append("  test    human judgments (Cranfield qrels), \(settings.study.folds)-fold cross-validation over queries, reranking BM25 top-\(settings.study.candidates); early stopping on a validation split of the training folds, also human-judged")
        return lines.joined(separator: "\n")
    }

    /// One table per section: nDCG@10 per band, `*` where p < 0.05 against the row's reference.
    func tables() -> String {
        var out: [String] = []
        for table in summary.tables {
            var t = TextTable(header: ["nDCG@10 (gain 2^g-1) — " + table.title] + StudySummary.bandNames.map { "\($0) (\(summary.queriesPerBand[$0] ?? 0))" })
            for row in table.rows {
                let name = row.testSet == "true-negatives" && table.section != "true-negatives" ? row.method + " [TN test]" : row.method
                t.rows.append([name] + StudySummary.bandNames.map { band in
                    let mark = (row.pValues["ndcg@10"]?[band]).map { $0 < Self.significance ? "*" : " " } ?? " "
                    return fmt(row.means["ndcg@10"]?[band] ?? 0) + mark
                })
            }
            out.append(t.render() + "\n  " + table.note + "; * p < 0.05 (not corrected for multiple comparisons)")
        }
        var agreement = TextTable(header: ["Cohen's kappa"] + StudySummary.bandNames)
        for pair in result.agreement.keys.sorted() {
            agreement.rows.append([pair.replacingOccurrences(of: "~", with: " vs ")] + StudySummary.bandNames.map { b in
                result.agreement[pair]?[b].map { fmt($0, 3) } ?? "n/a"
            })
        }
        out.append(agreement.render() + "\n  binary relevance per candidate: clicked at least once; judge grade >= 1; human grade >= 1")
        return out.joined(separator: "\n\n")
    }

    /// Everything needed to reproduce the run, without timings, so the same seed gives the same file.
    var parameters: [String: String] {
        let s = settings.study
        var p: [String: String] = [
            "cranfield": settings.cranfield, "judge": settings.judge.rawValue, "seed": String(s.trainer.seed),
            "queries": s.queryLimit.map(String.init) ?? "all", "folds": String(s.folds), "candidates": String(s.candidates),
            "true_negatives": String(s.trueNegatives), "ablation": String(s.ablation), "permutations": String(s.permutations),
            "clicks.model": s.clicks.model.rawValue, "clicks.impressions": String(s.clicks.impressions), "clicks.zipf": "\(s.clicks.zipfExponent)",
            "clicks.eta": "\(s.clicks.eta)", "clicks.epsilon": "\(s.clicks.epsilon)", "clicks.shown": String(s.clicks.shown), "clicks.seed": String(s.clicks.seed),
            "training.epochs": String(s.trainer.epochs), "training.patience": String(s.trainer.patience),
            "training.learning_rate": "\(s.trainer.optimizer.learningRate)", "training.layers": s.trainer.hidden.map(String.init).joined(separator: ","),
            "training.batch": String(s.trainer.batchQueries), "training.shards": String(s.trainer.shards),
            "training.validation_metric": s.trainer.validationMetric.description,
            "famol.weights": Self.describe(s.famolBands), "famol.smooth": Self.describe(result.famolSmooth),
            "famol.schedule_first_stage_epochs": String(s.scheduleFirstStageEpochs),
            "label_loss": "softmax", "click_estimator": "dla",
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

    static func describe(_ w: FamolWeighting) -> String {
        switch w {
        case let .bands(h, m, l): "bands high \(h), mid \(m), low \(l)"
        case let .smooth(g, t): "smooth sigmoid(\(g) (log(1+f) - \(t)))"
        }
    }

    struct Document: Encodable {
        var parameters: [String: String]
        var sources: [String: String]
        var judgeAUC: [String: Double]
        var summary: StudySummary
        var result: StudyResult
    }

    func json() throws -> String {
        var sources = ["clicks": clicksSource, "evaluation": "human judgments (Cranfield qrels)"]
        for s in labelSources { sources["labels:" + s.name] = s.provenance }
        let doc = Document(parameters: parameters, sources: sources, judgeAUC: judgeAUC, summary: summary, result: result)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(doc), as: UTF8.self) + "\n"
    }
}
