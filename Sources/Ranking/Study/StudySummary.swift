import Foundation

/// Means per band, the study's comparisons with intervals and corrected p-values, and the
/// band-interaction tests, per world group.
public struct StudySummary: Sendable, Codable, Equatable {
    public struct Row: Sendable, Codable, Equatable {
        public var method: String
        /// The row this one is tested against (nil for the reference itself).
        public var comparedTo: String?
        /// Metric -> band ("high", "mid", "low", "all") -> mean.
        public var means: [String: [String: Double]]
        /// Band -> the key metric's difference from the reference (Holm over the table).
        public var differences: [String: PairedDifference]
    }

    public struct Table: Sendable, Codable, Equatable {
        public var group: String
        public var section: String
        public var title: String
        public var note: String
        public var rows: [Row]
    }

    /// One named comparison in a group, per band.
    public struct Comparison: Sendable, Codable, Equatable {
        public var group: String
        public var name: String
        public var a: String
        public var b: String
        public var bands: [String: PairedDifference]
    }

    /// Does the click-minus-label difference depend on the band?
    public struct Interaction: Sendable, Codable, Equatable {
        public var group: String
        /// Mean (clicks - labels) over high-band queries minus the same over low-band ones.
        public var effect: Double
        public var p: Double
        public var pHolm: Double
        /// Pearson correlation of each query's (clicks - labels) with log(1 + impressions), and
        /// its permutation test (Holm over the groups).
        public var correlationWithLogFrequency: Double
        public var correlationP: Double
        public var correlationPHolm: Double
    }

    public var keyMetric: String
    public var tables: [Table]
    public var comparisons: [Comparison]
    public var interactions: [Interaction]
    /// Group -> the better single source (clicks (DLA) or labels) by overall key metric.
    public var bestSingleSource: [String: String]
    public var queriesPerBand: [String: Int]

    public static let bandNames = ["high", "mid", "low", "all"]

    public static func make(_ result: StudyResult, permutations: Int, seed: UInt64) -> StudySummary {
        let key = result.metrics.contains("ndcg@10") ? "ndcg@10" : result.metrics[0]
        var tables: [Table] = [], comparisons: [Comparison] = [], interactions: [Interaction] = []
        var best: [String: String] = [:]
        for world in result.worlds {
            let g = world.group
            func eval(_ m: String) -> StudyResult.Evaluation? { result.evaluation(m, group: g) }
            func overall(_ m: String) -> Double { eval(m).map { result.mean($0, metric: key, band: nil) } ?? -1 }
            let single = overall(StudyMethod.labelsName) > overall(StudyMethod.clicksName) ? StudyMethod.labelsName : StudyMethod.clicksName
            best[g] = single
            func difference(_ a: StudyResult.Evaluation, _ b: StudyResult.Evaluation, band: String) -> PairedDifference? {
                let qs = result.queries(group: g, band: band == "all" ? nil : band)
                    .filter { a.perQuery[key]?[$0] != nil && b.perQuery[key]?[$0] != nil }
                guard !qs.isEmpty else { return nil }
                return StudyStatistics.difference(qs.map { a.perQuery[key]![$0]! }, qs.map { b.perQuery[key]![$0]! },
                                                  permutations: permutations, seed: seed)
            }
            func table(_ section: String, _ title: String, _ note: String, _ rows: [(StudyResult.Evaluation, StudyResult.Evaluation?)]) -> Table {
                var out = rows.map { e, ref -> Row in
                    var means: [String: [String: Double]] = [:]
                    for metric in result.metrics {
                        for band in bandNames { means[metric, default: [:]][band] = result.mean(e, metric: metric, band: band == "all" ? nil : band) }
                    }
                    var diffs: [String: PairedDifference] = [:]
                    if let ref, ref.method != e.method { for band in bandNames { diffs[band] = difference(e, ref, band: band) } }
                    return Row(method: e.method, comparedTo: ref.flatMap { $0.method == e.method ? nil : $0.method }, means: means, differences: diffs)
                }
                correctHolm(&out)
                return Table(group: g, section: section, title: title, note: note, rows: out)
            }
            let onCandidates = result.evaluations.filter { $0.group == g && $0.testSet == StudyResult.candidates }
            let main = onCandidates.filter { $0.section == StudySection.main.rawValue }
            tables.append(table("main", "Supervision arms",
                                "each row against the better single source (\(single)); paired randomization test per band, Holm-corrected over the table",
                                main.map { ($0, eval(single)) }))
            let ablation = onCandidates.filter { $0.section == StudySection.ablation.rawValue }
            if !ablation.isEmpty {
                var rows: [(StudyResult.Evaluation, StudyResult.Evaluation?)] = []
                for base in [StudyMethod.clicksName, StudyMethod.labelsName] {
                    guard let all = eval(base) else { continue }
                    rows.append((all, nil))
                    for e in ablation where e.method.hasPrefix(base + " [") { rows.append((e, all)) }
                }
                tables.append(table("ablation", "Feature-group ablation", "each ablated model against the same supervision on all features; Holm over the table", rows))
            }
            let strategies = onCandidates.filter { $0.section == StudySection.strategies.rawValue }
            if let first = strategies.first {
                tables.append(table("strategies", "Annotation strategies", "label supervision from each strategy against the first (\(first.method))",
                                    strategies.map { ($0, first) }))
            }
            let kinds = result.evaluations.filter { $0.group == g && $0.section == StudySection.negatives.rawValue }.map(\.testSet)
            for kind in kinds.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } } {
                func on(_ m: String) -> StudyResult.Evaluation? { result.evaluation(m, group: g, testSet: kind) }
                var rows: [(StudyResult.Evaluation, StudyResult.Evaluation?)] = []
                for m in ["BM25", StudyMethod.oracleName, StudyMethod.clicksName] { if let e = on(m) { rows.append((e, nil)) } }
                for base in [StudyMethod.labelsName, StudyMethod.famolName] {
                    guard let plain = on(base) else { continue }
                    rows.append((plain, nil))
                    if let e = on("\(base) + \(kind)") { rows.append((e, plain)) }
                }
                tables.append(table("negatives:" + kind, "Lists with \(kind)",
                                    "every list of 20 candidates plus its \(kind) (gold-graded; trained as 0, never shown); each arm trained with them against the same trained without; Holm over the table",
                                    rows))
            }
            // The study's questions, one family per group.
            var named: [(String, String, String)] = [
                ("oracle - BM25 (headroom)", StudyMethod.oracleName, "BM25"),
                ("clicks - labels", StudyMethod.clicksName, StudyMethod.labelsName),
            ]
            if eval(StudyMethod.famolName) != nil {
                named += [("FAMOL - best single source", StudyMethod.famolName, single),
                          ("FAMOL - reversed FAMOL (frequency awareness)", StudyMethod.famolName, StudyMethod.reversedName),
                          ("FAMOL - uniform mix", StudyMethod.famolName, "uniform mix")]
            }
            var family = named.compactMap { n, a, b -> Comparison? in
                guard let ea = eval(a), let eb = eval(b) else { return nil }
                var bands: [String: PairedDifference] = [:]
                for band in bandNames { bands[band] = difference(ea, eb, band: band) }
                return Comparison(group: g, name: n, a: a, b: b, bands: bands)
            }
            let ps = family.flatMap { c in bandNames.compactMap { c.bands[$0]?.p } }
            var adjusted = StudyStatistics.holm(ps)[...]
            for i in family.indices { for band in bandNames where family[i].bands[band] != nil { family[i].bands[band]!.pHolm = adjusted.removeFirst() } }
            comparisons += family
            if let c = eval(StudyMethod.clicksName), let l = eval(StudyMethod.labelsName) {
                let qs = result.queries(group: g, band: nil).filter { c.perQuery[key]?[$0] != nil && l.perQuery[key]?[$0] != nil }
                let d = qs.map { c.perQuery[key]![$0]! - l.perQuery[key]![$0]! }
                let bands = qs.map { Band(rawValue: world.bands[$0] ?? "") ?? .mid }
                let (effect, p) = StudyStatistics.bandInteraction(d, bands: bands, permutations: permutations, seed: seed)
                let logf = qs.map { log(1 + Double(world.frequencies[$0] ?? 0)) }
                let (r, rp) = StudyStatistics.correlationTest(d, logf, permutations: permutations, seed: seed)
                interactions.append(Interaction(group: g, effect: effect, p: p, pHolm: p, correlationWithLogFrequency: r,
                                                correlationP: rp, correlationPHolm: rp))
            }
        }
        let adjusted = StudyStatistics.holm(interactions.map(\.p))
        let adjustedR = StudyStatistics.holm(interactions.map(\.correlationP))
        for i in interactions.indices {
            interactions[i].pHolm = adjusted[i]
            interactions[i].correlationPHolm = adjustedR[i]
        }
        var counts: [String: Int] = [:]
        if let first = result.worlds.first {
            for band in bandNames { counts[band] = result.queries(group: first.group, band: band == "all" ? nil : band).count }
        }
        return StudySummary(keyMetric: key, tables: tables, comparisons: comparisons, interactions: interactions,
                            bestSingleSource: best, queriesPerBand: counts)
    }

    /// Holm's correction over every (row, band) difference of a table.
    static func correctHolm(_ rows: inout [Row]) {
        let ps = rows.flatMap { r in bandNames.compactMap { r.differences[$0]?.p } }
        var adjusted = StudyStatistics.holm(ps)[...]
        for i in rows.indices { for band in bandNames where rows[i].differences[band] != nil { rows[i].differences[band]!.pHolm = adjusted.removeFirst() } }
    }
}
