import Foundation
import Ranking

/// What a study's report says about where its data came from, beside the measurements.
struct StudyDescription {
    /// The data studied, for the report's first line ("Cranfield", a log's file name).
    var dataName: String
    /// "Sources:" lines after the label sources and the oracle: (label, text).
    var lines: [(label: String, text: String)]
    /// The same for results.json's "sources".
    var sources: [String: String]
    /// Every setting needed to reproduce the run, without timings.
    var parameters: [String: String]
    var permutations: Int
    /// What the negative control is and why it must show nothing.
    var controlNote: String
}

/// A study's outputs: the terminal tables, results.json and (with `HTMLReport`) report.html.
struct StudyReport {
    var result: StudyResult
    var summary: StudySummary
    var description: StudyDescription
    /// Label source name -> what produced it.
    var labelSources: [(name: String, provenance: String)]
    /// Judge quality against the human judgments (ROC AUC), by label source.
    var judgeAUC: [String: Double]

    static let significance = 0.05
    static let key = "ndcg@10"

    var sourcesText: String {
        var lines = ["Sources:"]
        for s in labelSources { lines.append("  labels [\(s.name)]  \(s.provenance)") }
        lines.append("  oracle  the gold judgments themselves (the only arm that sees them)")
        for l in description.lines { lines.append("  \(l.label)\(l.label.count < 7 ? String(repeating: " ", count: 8 - l.label.count) : " ")\(l.text)") }
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
        out.append(i.render() + "\n  permutation tests (\(description.permutations) permutations) of the band labels and of the frequencies; \(description.controlNote)")
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

    struct Document: Encodable {
        var parameters: [String: String]
        var sources: [String: String]
        var judgeAUC: [String: Double]
        var summary: StudySummary
        var result: StudyResult
    }

    func json() throws -> String {
        var sources = description.sources
        for s in labelSources { sources["labels:" + s.name] = s.provenance }
        let doc = Document(parameters: description.parameters, sources: sources, judgeAUC: judgeAUC, summary: summary, result: result)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(doc), as: UTF8.self) + "\n"
    }
}
