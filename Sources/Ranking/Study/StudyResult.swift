/// Everything the study measured, per query, as `results.json` stores it.
public struct StudyResult: Sendable, Codable, Equatable {
    /// One model (or BM25) scored on one test set.
    public struct Evaluation: Sendable, Codable, Equatable {
        public var method: String
        public var section: String
        /// "standard" (the candidates) or "true-negatives" (candidates plus certain negatives).
        public var testSet: String
        /// Metric name -> query -> value.
        public var perQuery: [String: [String: Double]]
    }

    public struct MethodInfo: Sendable, Codable, Equatable {
        public var name: String
        public var section: String
        public var supervision: String
        public var features: String
        public var trueNegatives: Bool
        public var labelSource: String
        /// Validation metric per epoch, per fold (training curves).
        public var curves: [[Double]]
        public var bestEpochs: [Int]
    }

    public var metrics: [String]
    public var methods: [MethodInfo]
    public var evaluations: [Evaluation]
    public var bands: [String: String]
    public var frequencies: [String: Int]
    public var folds: [String: Int]
    /// "a~b" -> band (or "all") -> Cohen's kappa; an undefined kappa is left out.
    public var agreement: [String: [String: Double]]
    public var impressions: Int
    public var clicks: Int
    /// The smooth FAMOL weighting used (its threshold may come from the data).
    public var famolSmooth: FamolWeighting

    public func evaluation(_ method: String, testSet: String = "standard") -> Evaluation? {
        evaluations.first { $0.method == method && $0.testSet == testSet }
    }

    /// Queries of a band (nil = all) in natural order.
    public func queries(band: String?) -> [String] {
        bands.keys.filter { band == nil || bands[$0] == band }.sorted(by: naturalOrder)
    }

    /// Mean of a metric over a band's queries.
    public func mean(_ e: Evaluation, metric: String, band: String?) -> Double {
        let values = queries(band: band).compactMap { e.perQuery[metric]?[$0] }
        return values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}
