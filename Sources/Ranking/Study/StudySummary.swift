/// Means per band and paired significance tests of the study's comparisons.
public struct StudySummary: Sendable, Codable, Equatable {
    public struct Row: Sendable, Codable, Equatable {
        public var method: String
        public var testSet: String
        /// The row this one is tested against (nil for the reference itself).
        public var comparedTo: String?
        /// Metric -> band ("high", "mid", "low", "all") -> mean.
        public var means: [String: [String: Double]]
        /// Metric -> band -> two-sided p-value of the paired randomization test.
        public var pValues: [String: [String: Double]]
    }

    public struct Table: Sendable, Codable, Equatable {
        public var section: String
        public var title: String
        public var note: String
        public var rows: [Row]
    }

    public var tables: [Table]
    /// The best single-source model (clicks or labels, by overall nDCG@10).
    public var bestSingleSource: String
    public var queriesPerBand: [String: Int]

    public static let bandNames = ["high", "mid", "low", "all"]

    public static func make(_ result: StudyResult, permutations: Int, seed: UInt64) -> StudySummary {
        let key = result.metrics.contains("ndcg@10") ? "ndcg@10" : result.metrics[0]
        func eval(_ m: String, _ t: String = "standard") -> StudyResult.Evaluation? { result.evaluation(m, testSet: t) }
        func overall(_ m: String) -> Double { eval(m).map { result.mean($0, metric: key, band: nil) } ?? -1 }
        let best = overall(StudyMethod.labelsName) > overall(StudyMethod.clicksName) ? StudyMethod.labelsName : StudyMethod.clicksName

        func row(_ e: StudyResult.Evaluation, against reference: StudyResult.Evaluation?) -> Row {
            var means: [String: [String: Double]] = [:], ps: [String: [String: Double]] = [:]
            for metric in result.metrics {
                for band in bandNames {
                    let b: String? = band == "all" ? nil : band
                    means[metric, default: [:]][band] = result.mean(e, metric: metric, band: b)
                    guard let r = reference, r.method != e.method || r.testSet != e.testSet else { continue }
                    let qs = result.queries(band: b).filter { e.perQuery[metric]?[$0] != nil && r.perQuery[metric]?[$0] != nil }
                    guard !qs.isEmpty else { continue }
                    ps[metric, default: [:]][band] = PairedTest.randomization(qs.map { e.perQuery[metric]![$0]! }, qs.map { r.perQuery[metric]![$0]! },
                                                                              permutations: permutations, seed: seed)
                }
            }
            let compared = reference.flatMap { r in r.method == e.method && r.testSet == e.testSet ? nil : r.method }
            return Row(method: e.method, testSet: e.testSet, comparedTo: compared, means: means, pValues: ps)
        }

        var tables: [Table] = []
        let main = result.evaluations.filter { $0.section == StudySection.main.rawValue && $0.testSet == "standard" }
        tables.append(Table(section: "main", title: "Supervision modes",
                            note: "each row against the best single-source model (\(best)); paired randomization test per band",
                            rows: main.map { row($0, against: eval(best)) }))
        let ablation = result.methods.filter { $0.section == StudySection.ablation.rawValue }
        if !ablation.isEmpty {
            var rows: [Row] = []
            for base in [StudyMethod.clicksName, StudyMethod.labelsName] {
                guard let all = eval(base) else { continue }
                rows.append(row(all, against: nil))
                for m in ablation where m.name.hasPrefix(base + " [") {
                    if let e = eval(m.name) { rows.append(row(e, against: all)) }
                }
            }
            tables.append(Table(section: "ablation", title: "Feature-group ablation",
                                note: "each ablated model against the same supervision on all features", rows: rows))
        }
        let negatives = result.methods.filter { $0.section == StudySection.trueNegatives.rawValue }
        if !negatives.isEmpty {
            var rows: [Row] = []
            if let bm25 = eval("BM25", "true-negatives") { rows.append(row(bm25, against: nil)) }
            for m in negatives {
                let base = String(m.name.dropLast(" + true negatives".count))
                let plain = eval(base, "true-negatives")
                if let plain { rows.append(row(plain, against: nil)) }
                if let e = eval(m.name, "true-negatives") { rows.append(row(e, against: plain)) }
            }
            tables.append(Table(section: "true-negatives", title: "True negatives",
                                note: "test lists include the added negatives; each model trained with them against the same supervision trained without",
                                rows: rows))
        }
        let strategies = result.methods.filter { $0.section == StudySection.strategies.rawValue }
        if let first = strategies.first.flatMap({ eval($0.name) }) {
            tables.append(Table(section: "strategies", title: "Annotation strategies",
                                note: "label supervision from each strategy against the first (\(first.method))",
                                rows: strategies.compactMap { eval($0.name) }.map { row($0, against: first) }))
        }
        var counts: [String: Int] = [:]
        for band in bandNames { counts[band] = result.queries(band: band == "all" ? nil : band).count }
        return StudySummary(tables: tables, bestSingleSource: best, queriesPerBand: counts)
    }
}
