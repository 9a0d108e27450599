import Foundation
import Ranking

/// report.html: one self-contained page (inline CSS and SVG) with the study's tables,
/// charts, sources and parameters.
struct HTMLReport {
    var report: StudyReport

    func render() -> String {
        let r = report.result, s = report.summary
        var body = "<h1>famol study: clicks, labels and FAMOL per query-frequency band</h1>\n"
        body += "<p class=\"lead\">\(e(report.description.dataName)), \(s.queriesPerBand["all"] ?? 0) queries (\(StudySummary.bandNames.dropLast().map { "\($0) \(s.queriesPerBand[$0] ?? 0)" }.joined(separator: ", "))). \(e(report.description.lines.first { $0.label == "protocol" }?.text ?? "")). Metric: \(e(Metric.ndcg(10).labelled)) on the gold judgments.</p>\n"
        for world in r.worlds {
            let g = world.group
            body += "<h2>World: \(e(g))</h2>\n"
            if let main = s.tables.first(where: { $0.group == g && $0.section == "main" }) {
                body += SVGChart.bars(categories: StudySummary.bandNames, series: main.rows.map { row in
                    SVGChart.Series(name: row.method, values: StudySummary.bandNames.map { row.means[StudyReport.key]?[$0] ?? .nan }, color: color(row.method))
                }, yLabel: "nDCG@10")
                body += "<p class=\"note\">Bars: mean nDCG@10 (gain 2^g-1) per band; best single source \(e(s.bestSingleSource[g] ?? "")).</p>\n"
            }
            for table in s.tables where table.group == g { body += tableHTML(table, metrics: r.metrics) }
            body += comparisonsHTML(g)
        }
        body += "<h2>Band interaction of clicks - labels</h2>\n<table><tr><th class=\"name\">world</th><th>high - low</th><th>p</th><th>p (Holm)</th><th>corr. with log(1+f)</th><th>p</th></tr>\n"
        for x in s.interactions {
            body += "<tr><td class=\"name\">\(e(x.group))</td><td>\(StudyReport.signed(x.effect))</td><td>\(fmt(x.p, 4))</td><td>\(fmt(x.pHolm, 4))</td><td>\(fmt(x.correlationWithLogFrequency, 3))</td><td>\(fmt(x.correlationP, 4))</td></tr>\n"
        }
        body += "</table>\n<p class=\"note\">Permutation test of the band labels; \(e(report.description.controlNote)).</p>\n"
        body += "<h2>Agreement between sources (first simulation seed)</h2>\n<table><tr><th class=\"name\">pair</th>" + StudySummary.bandNames.map { "<th>\($0)</th>" }.joined() + "</tr>\n"
        for world in r.worlds {
            for pair in world.agreement.keys.sorted() {
                body += "<tr><td class=\"name\">\(e(world.group + ": " + pair.replacingOccurrences(of: "~", with: " vs ")))</td>"
                body += StudySummary.bandNames.map { "<td>\(world.agreement[pair]?[$0].map { fmt($0, 3) } ?? "n/a")</td>" }.joined() + "</tr>\n"
            }
        }
        body += "</table>\n<h2>Sources and assumptions</h2>\n<ul>\n"
        for src in report.labelSources {
            let auc = report.judgeAUC[src.name].map { String(format: " — ROC AUC %.3f against the human judgments", $0) } ?? ""
            body += "<li><b>labels [\(e(src.name))]</b>: \(e(src.provenance))\(auc)</li>\n"
        }
        body += "<li><b>oracle</b>: the gold judgments (the only arm that sees them)</li>\n"
        for line in report.description.lines { body += "<li><b>\(e(line.label))</b>: \(e(line.text))</li>\n" }
        body += "</ul>\n"
        body += "<h2>Parameters</h2>\n<table class=\"params\">\n"
        for (k, v) in report.description.parameters.sorted(by: { $0.key < $1.key }) { body += "<tr><th>\(e(k))</th><td>\(e(v))</td></tr>\n" }
        body += "</table>\n<p class=\"note\">results.json beside this page holds every per-query value; the same parameters and seed give the same file.</p>\n"
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>famol study report</title>\n<style>\(Self.css)</style></head>\n<body>\n\(body)</body></html>\n"
    }

    func comparisonsHTML(_ group: String) -> String {
        var h = "<h3>Differences, \(e(group))</h3>\n<table><tr><th class=\"name\">comparison</th>" + StudySummary.bandNames.map { "<th>\($0)</th>" }.joined() + "</tr>\n"
        for c in report.summary.comparisons where c.group == group {
            h += "<tr><td class=\"name\">\(e(c.name))</td>" + StudySummary.bandNames.map { band -> String in
                guard let d = c.bands[band] else { return "<td>n/a</td>" }
                let title = String(format: "p = %.4f, Holm %.4f, MDE %.3f, %d queries", d.p, d.pHolm, d.mde, d.queries)
                return "<td\(d.pHolm < StudyReport.significance ? " class=\"sig\"" : "") title=\"\(title)\">\(e(StudyReport.interval(d)))</td>"
            }.joined() + "</tr>\n"
        }
        return h + "</table>\n<p class=\"note\">Mean paired difference of nDCG@10 over the band's queries [95% interval]; <b>bold*</b>: p &lt; 0.05 after Holm's correction over the table; hover for p and the minimum detectable effect.</p>\n"
    }

    func tableHTML(_ table: StudySummary.Table, metrics: [String]) -> String {
        let overall = metrics.filter { $0 != StudyReport.key }
        var h = "<h3>\(e(table.title))</h3>\n<div class=\"scroll\"><table>\n"
        h += "<tr><th rowspan=\"2\" class=\"name\">method</th><th colspan=\"4\" class=\"group\">nDCG@10 by band</th>"
        h += "<th colspan=\"\(overall.count)\" class=\"group\">all queries</th></tr>\n<tr>"
        h += StudySummary.bandNames.map { "<th>\($0)</th>" }.joined()
        h += overall.map { "<th>\(e($0.replacingOccurrences(of: "ndcg", with: "nDCG").replacingOccurrences(of: "err", with: "ERR").replacingOccurrences(of: "mrr", with: "MRR")))</th>" }.joined() + "</tr>\n"
        for row in table.rows {
            h += "<tr><td class=\"name\">\(e(row.method))\(row.comparedTo == nil ? " <span class=\"ref\">reference</span>" : "")</td>"
            h += StudySummary.bandNames.map { cell(row, StudyReport.key, $0) }.joined()
            h += overall.map { cell(row, $0, "all") }.joined() + "</tr>\n"
        }
        return h + "</table></div>\n<p class=\"note\">\(e(table.note)). <b>Bold*</b>: p &lt; 0.05 after Holm (paired randomization test, \(report.description.permutations) permutations); hover a cell for its difference and interval.</p>\n"
    }

    func cell(_ row: StudySummary.Row, _ metric: String, _ band: String) -> String {
        let v = row.means[metric]?[band] ?? 0
        guard metric == StudyReport.key, let d = row.differences[band] else { return String(format: "<td>%.4f</td>", v) }
        let title = "\(StudyReport.interval(d)) against \(e(row.comparedTo ?? "")), p (Holm) \(fmt(d.pHolm, 4))"
        return d.pHolm < StudyReport.significance
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
