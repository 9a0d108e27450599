import ArgumentParser
import Foundation
import Ranking

/// `famol evaluate`: trec_eval-compatible metrics per query, per band and overall.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a TREC run against qrels with trec_eval's measures (ndcg_cut.10, P.5, map, bpref, ...) or learning-to-rank ones (ndcg@10, err@10).",
        discussion: "trec_eval's names compute exactly what trec_eval computes (nDCG gain = grade); ndcg@K uses gain 2^g - 1, as LightGBM and the ULTR literature report it. Accepted: \(Metric.accepted)."
    )

    @Option(help: "TREC qrels file ('qid iter docid rel').") var qrels: String
    @Option(name: .customLong("run"), help: "TREC run file ('qid Q0 docid rank score tag').") var runFile: String
    @Option(help: "Comma-separated metrics: trec_eval's names (ndcg_cut.10 or ndcg_cut_10, P.5, recall.10, map, map_cut.10, recip_rank, Rprec, bpref, success.1, ndcg) or ndcg@K (gain 2^g-1), err@K, mrr, p@K.") var metrics = "ndcg@10,err@10,mrr,map,p@5"
    @Option(help: "Bands file ('query frequency [band]') for per-band means.") var bands: String?
    @Option(help: "Output format: table or json.") var format: OutputFormat = .table
    @Flag(help: "Average over every judged query; queries missing from the run score 0 (trec_eval -c).")
    var allJudged = false
    @Flag(help: "Score queries without relevant documents 1 instead of 0 (LightGBM's convention).")
    var emptyScoresOne = false

    enum OutputFormat: String, ExpressibleByArgument { case table, json }

    func run() throws {
        try reportingInputErrors {
            let metricList = try Metric.list(metrics)
            let q = try Qrels.read(qrels)
            let r = try TrecRun.read(runFile)
            let evaluator = Evaluator(metrics: metricList, includeUnretrieved: allJudged, emptyQueriesScoreOne: emptyScoresOne)
            let per = evaluator.perQuery(qrels: q, run: r)
            let bandRows = try bands.map { Evaluator.byBand(per, metrics: metricList, bands: try FrequencyBands.read($0)) }
            let means = Evaluator.mean(per, metrics: metricList)
            switch format {
            case .json: print(try json(per: per, means: means, bandRows: bandRows, metrics: metricList))
            case .table: print(table(per: per, means: means, bandRows: bandRows, metrics: metricList))
            }
        }
    }

    private func table(per: [String: [Metric: Double]], means: [Metric: Double], bandRows: [(String, Int, [Metric: Double])]?, metrics: [Metric]) -> String {
        var t = TextTable(header: ["query"] + metrics.map(\.description))
        for qid in per.keys.sorted(by: naturalOrder) { t.rows.append([qid] + metrics.map { fmt(per[qid]![$0]!) }) }
        var out = t.render()
        var summary = TextTable(header: ["mean", "queries"] + metrics.map(\.description))
        for (band, n, m) in bandRows ?? [] where band != "all" {
            summary.rows.append([band, String(n)] + metrics.map { fmt(m[$0]!) })
        }
        summary.rows.append(["all", String(per.count)] + metrics.map { fmt(means[$0]!) })
        out += "\n\n" + summary.render()
        return out
    }

    private func json(per: [String: [Metric: Double]], means: [Metric: Double], bandRows: [(String, Int, [Metric: Double])]?, metrics: [Metric]) throws -> String {
        func dict(_ m: [Metric: Double]) -> [String: Double] { Dictionary(uniqueKeysWithValues: metrics.map { ($0.description, m[$0]!) }) }
        var object: [String: Any] = [
            "per_query": Dictionary(uniqueKeysWithValues: per.map { ($0.key, dict($0.value)) }),
            "mean": dict(means),
            "queries": per.count,
        ]
        if let bandRows {
            object["bands"] = Dictionary(uniqueKeysWithValues: bandRows.map { ($0.0, ["queries": $0.1, "mean": dict($0.2)] as [String: Any]) })
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }
}
