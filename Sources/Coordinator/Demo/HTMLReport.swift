import Foundation
import Ranking

/// report.html: one self-contained page (inline CSS and SVG) with the study's tables,
/// charts, sources and parameters.
struct HTMLReport {
    var report: StudyReport

    func render() -> String {
        let r = report.result, s = report.summary
        var body = "<h1>famol study: clicks, labels and FAMOL per query-frequency band</h1>\n"
        body += "<p class=\"lead\">Cranfield, \(s.queriesPerBand["all"] ?? 0) queries (\(StudySummary.bandNames.dropLast().map { "\($0) \(s.queriesPerBand[$0] ?? 0)" }.joined(separator: ", "))), \(report.settings.study.folds)-fold cross-validation over queries: every query is tested once, on the human judgments. Best single-source model: <b>\(e(s.bestSingleSource))</b>.</p>\n"

        if let main = s.tables.first(where: { $0.section == "main" }) {
            let methods = main.rows.map(\.method)
            body += "<h2>nDCG@10 per band</h2>\n"
            body += SVGChart.bars(categories: StudySummary.bandNames, series: main.rows.map { row in
                SVGChart.Series(name: row.method, values: StudySummary.bandNames.map { row.means["ndcg@10"]?[$0] ?? .nan }, color: color(row.method))
            }, yLabel: "nDCG@10")
            body += "<p class=\"note\">Bars: mean nDCG@10 of each method per frequency band; \(methods.count) methods.</p>\n"
        }
        for table in s.tables { body += tableHTML(table, metrics: r.metrics) }

        body += "<h2>Agreement between sources</h2>\n"
        let pairs = r.agreement.keys.sorted()
        body += SVGChart.bars(categories: StudySummary.bandNames, series: pairs.enumerated().map { i, p in
            SVGChart.Series(name: p.replacingOccurrences(of: "~", with: " vs "), values: StudySummary.bandNames.map { r.agreement[p]?[$0] ?? .nan },
                            color: i)
        }, yLabel: "Cohen's kappa")
        body += "<p class=\"note\">Binary relevance per candidate: clicked at least once; judge grade ≥ 1; human grade ≥ 1. Missing bars: kappa undefined (a source constant over the band).</p>\n"

        let curves = r.methods.filter { $0.section == StudySection.main.rawValue && !$0.curves.isEmpty }
        if !curves.isEmpty {
            body += "<h2>Training curves</h2>\n"
            body += SVGChart.lines(series: curves.map { SVGChart.Series(name: $0.name, values: Self.meanCurve($0.curves), color: color($0.name)) },
                                   xLabel: "epoch", yLabel: "validation nDCG@10")
            body += "<p class=\"note\">Validation nDCG@10 (human judgments) per epoch, mean over the folds that ran that epoch (early stopping ends folds at different epochs). Best epochs: \(curves.map { "\(e($0.name)) \($0.bestEpochs.map(String.init).joined(separator: "/"))" }.joined(separator: "; ")).</p>\n"
        }

        body += "<h2>Sources of labels</h2>\n<ul>\n"
        for src in report.labelSources {
            let auc = report.judgeAUC[src.name].map { String(format: " — ROC AUC %.3f against the human judgments", $0) } ?? ""
            body += "<li><b>labels [\(e(src.name))]</b>: \(e(src.provenance))\(auc)</li>\n"
        }
        body += "<li><b>clicks</b>: \(e(report.clicksSource))</li>\n"
        body += "<li><b>bands</b>: terciles of simulated query frequency</li>\n"
        body += "<li><b>evaluation</b>: human judgments (Cranfield qrels); early stopping on a human-judged validation split of the training folds</li>\n</ul>\n"
        body += "<h2>Parameters</h2>\n<table class=\"params\">\n"
        for (k, v) in report.parameters.sorted(by: { $0.key < $1.key }) { body += "<tr><th>\(e(k))</th><td>\(e(v))</td></tr>\n" }
        body += "</table>\n<p class=\"note\">results.json beside this page holds every per-query value; the same parameters and seed give the same file.</p>\n"
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>famol study report</title>\n<style>\(Self.css)</style></head>\n<body>\n\(body)</body></html>\n"
    }

    /// Mean validation curve over folds, per epoch, over the folds that reached it.
    static func meanCurve(_ folds: [[Double]]) -> [Double] {
        let n = folds.map(\.count).max() ?? 0
        return (0..<n).map { i in
            let v = folds.compactMap { i < $0.count ? $0[i] : nil }
            return v.reduce(0, +) / Double(v.count)
        }
    }

    func tableHTML(_ table: StudySummary.Table, metrics: [String]) -> String {
        let overall = metrics.filter { $0 != "ndcg@10" }
        var h = "<h2>\(e(table.title))</h2>\n<div class=\"scroll\"><table>\n"
        h += "<tr><th rowspan=\"2\" class=\"name\">method</th><th colspan=\"4\" class=\"group\">nDCG@10 by band</th>"
        h += "<th colspan=\"\(overall.count)\" class=\"group\">all queries</th></tr>\n<tr>"
        h += StudySummary.bandNames.map { "<th>\($0)</th>" }.joined()
        h += overall.map { "<th>\(e($0.replacingOccurrences(of: "ndcg", with: "nDCG").replacingOccurrences(of: "err", with: "ERR").replacingOccurrences(of: "mrr", with: "MRR")))</th>" }.joined() + "</tr>\n"
        for row in table.rows {
            let name = row.method + (row.testSet == "true-negatives" && table.section != "true-negatives" ? " [TN test]" : "")
            h += "<tr><td class=\"name\">\(e(name))\(row.comparedTo == nil ? " <span class=\"ref\">reference</span>" : "")</td>"
            h += StudySummary.bandNames.map { cell(row, "ndcg@10", $0) }.joined()
            h += overall.map { cell(row, $0, "all") }.joined() + "</tr>\n"
        }
        return h + "</table></div>\n<p class=\"note\">\(e(table.note)). <b>Bold*</b>: p &lt; 0.05 (paired randomization test, \(report.settings.study.permutations) permutations, not corrected for multiple comparisons); hover a cell for its p-value.</p>\n"
    }

    func cell(_ row: StudySummary.Row, _ metric: String, _ band: String) -> String {
        let v = row.means[metric]?[band] ?? 0
        guard let p = row.pValues[metric]?[band] else { return String(format: "<td>%.4f</td>", v) }
        let title = String(format: "p = %.4f against %@", p, e(row.comparedTo ?? ""))
        return p < StudyReport.significance
            ? String(format: "<td class=\"sig\" title=\"%@\">%.4f*</td>", title, v)
            : String(format: "<td title=\"%@\">%.4f</td>", title, v)
    }

    func e(_ s: String) -> String { SVGChart.escape(s) }

    /// A method's colour: its place among the main methods (BM25 first), the same in every chart.
    func color(_ method: String) -> Int {
        let order = ["BM25"] + report.result.methods.filter { $0.section == StudySection.main.rawValue }.map(\.name)
        return order.firstIndex(of: method) ?? order.count
    }

    static let css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:980px;margin:24px auto;padding:0 16px;color:#222;line-height:1.4}
        h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:4px}
        table{border-collapse:collapse;font-size:.85em;margin:8px 0}th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right}
        th{background:#f6f6f6;white-space:nowrap}th.group{text-align:center;border-bottom:1px solid #ccc}th.name{text-align:left}
        .scroll{overflow-x:auto}td.name{text-align:left;white-space:nowrap}.params th,.params td{text-align:left}
        td.sig{font-weight:bold}.ref{font-size:.75em;color:#777;border:1px solid #ccc;border-radius:3px;padding:0 3px}
        .note{color:#555;font-size:.85em}.lead{font-size:1.02em}
        svg{display:block;max-width:100%;height:auto;margin-top:8px}
        svg .grid{stroke:#e5e5e5}svg .axisline{stroke:#888}svg .tick{font-size:11px;fill:#555}svg .axis{font-size:12px;fill:#333}
        .legend{font-size:.85em;margin:4px 0 0 56px}.legend span{margin-right:14px;white-space:nowrap}
        .legend i{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px}
        """
}
