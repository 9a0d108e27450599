/// Scores runs against qrels with trec_eval's conventions.
///
/// - Documents are ranked by score descending, ties broken by document id descending.
/// - Unjudged documents are non-relevant (bpref skips them, as trec_eval does).
/// - A query in the run but absent from the qrels is skipped.
/// - A query in the qrels with no relevant document scores 0 and counts in the mean.
/// - A query in the qrels but absent from the run is skipped, unless `includeUnretrieved`
///   (trec_eval -c), when it scores 0.
/// - `emptyQueriesScoreOne` scores queries without relevant documents 1 (LightGBM's nDCG).
public struct Evaluator: Sendable {
    public var metrics: [Metric]
    public var includeUnretrieved = false
    public var emptyQueriesScoreOne = false
    /// Top grade for ERR; nil takes the largest grade found in the qrels.
    public var maxGrade: Int? = nil

    public init(metrics: [Metric], includeUnretrieved: Bool = false, emptyQueriesScoreOne: Bool = false) {
        self.metrics = metrics
        self.includeUnretrieved = includeUnretrieved
        self.emptyQueriesScoreOne = emptyQueriesScoreOne
    }

    /// Per-query values: query id -> metric -> value.
    public func perQuery(qrels: Qrels, run: TrecRun) -> [String: [Metric: Double]] {
        let top = maxGrade ?? max(1, qrels.judgments.values.flatMap(\.values).max() ?? 1)
        var out: [String: [Metric: Double]] = [:]
        for (qid, judged) in qrels.judgments {
            let entries = run.results[qid]
            if entries == nil && !includeUnretrieved { continue }
            let ranked = TrecRun.trecOrder(entries ?? []).map { judged[$0.docID] }
            let grades = Array(judged.values)
            let empty = !grades.contains(where: { $0 >= 1 })
            var values: [Metric: Double] = [:]
            for m in metrics {
                values[m] = empty && emptyQueriesScoreOne ? 1 : m.value(ranked: ranked, judged: grades, maxGrade: top)
            }
            out[qid] = values
        }
        return out
    }

    /// Means over the given queries (all when `queries` is nil).
    public static func mean(_ perQuery: [String: [Metric: Double]], metrics: [Metric], queries: Set<String>? = nil) -> [Metric: Double] {
        let selected = perQuery.filter { queries?.contains($0.key) ?? true }
        var out: [Metric: Double] = [:]
        for m in metrics {
            // Sum in a fixed query order so that means are reproducible to the last bit.
            let values = selected.keys.sorted(by: naturalOrder).map { selected[$0]![m]! }
            out[m] = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
        }
        return out
    }

    /// Means per band and overall.
    public static func byBand(_ perQuery: [String: [Metric: Double]], metrics: [Metric], bands: FrequencyBands) -> [(String, Int, [Metric: Double])] {
        var rows: [(String, Int, [Metric: Double])] = []
        for b in Band.allCases {
            let qs = Set(perQuery.keys.filter { bands.band[$0] == b })
            rows.append((b.rawValue, qs.count, mean(perQuery, metrics: metrics, queries: qs)))
        }
        rows.append(("all", perQuery.count, mean(perQuery, metrics: metrics)))
        return rows
    }
}
