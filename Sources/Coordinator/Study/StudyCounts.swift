import Foundation
import Ranking

/// What `famol study` prints and writes about its inputs: per-band counts, the report's
/// description, and the bands too thinly judged to tell differences apart.
enum StudyCounts {
    /// Queries, judged queries, impressions and clicks per band, before any training.
    static func table(_ inputs: ObservedStudyInputs) -> String {
        var rows: [String: (queries: Int, judged: Int, impressions: Int, clicks: Int)] = [:]
        for q in inputs.dataset.queries {
            let band = inputs.bands.band[q.id]!.rawValue
            for key in [band, "all"] {
                rows[key, default: (0, 0, 0, 0)].queries += 1
                if inputs.judged.contains(q.id) { rows[key]!.judged += 1 }
            }
        }
        for imp in inputs.log.impressions {
            let band = inputs.bands.band[imp.query]!.rawValue
            for key in [band, "all"] {
                rows[key, default: (0, 0, 0, 0)].impressions += 1
                rows[key]!.clicks += imp.clicked.count
            }
        }
        var t = TextTable(header: ["inputs per band"] + StudySummary.bandNames)
        t.rows.append(["queries"] + StudySummary.bandNames.map { String(rows[$0]?.queries ?? 0) })
        t.rows.append(["judged queries (scored)"] + StudySummary.bandNames.map { String(rows[$0]?.judged ?? 0) })
        t.rows.append(["impressions"] + StudySummary.bandNames.map { String(rows[$0]?.impressions ?? 0) })
        t.rows.append(["clicks"] + StudySummary.bandNames.map { String(rows[$0]?.clicks ?? 0) })
        return t.render()
    }

    /// The report's text about where the data came from.
    static func description(_ s: StudySettings, inputs: ObservedStudyInputs) -> StudyDescription {
        let clicks = inputs.log.impressions.reduce(0) { $0 + $1.clicked.count }
        let logText = "observed: \(s.log!) (\(inputs.log.impressions.count) impressions, \(clicks) clicks"
            + (inputs.log.unshownClicks > 0 ? "; \(inputs.log.unshownClicks) clicks on unshown documents dropped" : "") + ")"
        let bandsText: String
        if let f = s.frequencies { bandsText = "frequencies given in \(f) (terciles unless the file names bands)" }
        else if let b = s.buckets { bandsText = "Baidu-style buckets in \(b): 0-2 high, 3-6 mid, 7-9 low" }
        else { bandsText = "terciles of each query's impressions in the log" }
        let p = s.study
        let protocolText = (p.studyProtocol == .transductive
            ? "transductive: clicks and judge labels of every query train, human judgments of the judged queries only evaluate; score = MLP(features) + b_qd, b_qd with prior \(p.pairTerms.regularization)/(1 + a clicks_q + (1 - a) \(p.pairTerms.labelEvidence)) b^2"
            : "\(p.folds)-fold cross-validation over queries (a query's own supervision never reaches its ranking)")
            + "; no model selection (\(p.trainer.epochs) epochs, the last kept); \(p.trainingSeeds) training seeds, each query's metric averaged over them before the tests"
        let candidates = s.data.map { "given in \($0)" } ?? "BM25 top-\(p.candidates) of \(s.documents!), famol's features and the embedded model's cosine"
        let inputsText = inputs.hashes.keys.sorted().map { "\($0) sha256:\(inputs.hashes[$0]!)" }.joined(separator: "; ")
        var parameters = s.parameters
        for (path, hash) in inputs.hashes { parameters["input:" + path] = "sha256:" + hash }
        return StudyDescription(
            dataName: URL(fileURLWithPath: s.log!).lastPathComponent,
            lines: [("clicks", logText), ("candidates", candidates), ("bands", bandsText), ("protocol", protocolText),
                    ("metric", "\(Metric.ndcg(10).labelled) on the human judgments, over each judged query's candidates"),
                    ("inputs", inputsText)],
            sources: ["clicks": logText, "candidates": candidates, "bands": bandsText, "protocol": protocolText,
                      "evaluation": "human judgments in \(s.qrels!): \(inputs.judged.count) of \(inputs.dataset.queries.count) queries"],
            parameters: parameters, permutations: p.permutations,
            controlNote: "the control's bands are shuffled across queries, so no band can explain a difference and it must show nothing")
    }

    /// The smallest nDCG@10 difference a comparison can detect with 80% power, above which a
    /// band's verdicts are not worth reading.
    static let usefulEffect = 0.05

    /// One message per band of the observed data whose judged queries are too few for its
    /// minimum detectable effect of clicks - labels to reach `usefulEffect`.
    static func powerWarnings(_ summary: StudySummary, result: StudyResult) -> [String] {
        guard let c = summary.comparisons.first(where: { $0.group == BandStudy.observedGroup && $0.name == "clicks - labels" }) else { return [] }
        return StudySummary.bandNames.compactMap { band in
            guard let d = c.bands[band], d.mde > usefulEffect else { return nil }
            return "the \(band) band has \(d.queries) judged queries: its minimum detectable effect of clicks - labels is \(fmt(d.mde, 3)) nDCG@10 at 80% power (above \(usefulEffect)); differences smaller than that cannot be told from noise. Judge more of its queries."
        }
    }
}
