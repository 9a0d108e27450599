/// Everything the study measured, per query, as `results.json` stores it.
public struct StudyResult: Sendable, Codable, Equatable {
    /// One arm (or BM25) in one world group: each query's metric averaged over every
    /// simulation and training seed.
    public struct Evaluation: Sendable, Codable, Equatable {
        public var method: String
        public var section: String
        public var group: String
        /// The lists scored: "candidates", or the candidates with a kind of true negatives.
        public var testSet: String
        /// Metric name -> query -> mean over seeds.
        public var perQuery: [String: [String: Double]]
        /// Trained models (or BM25 runs) averaged.
        public var runs: Int
    }

    public struct MethodInfo: Sendable, Codable, Equatable {
        public var name: String
        public var section: String
        public var supervision: String
        public var clickEstimator: String
        public var features: String
        /// "gold" for the oracle, else the label source's name.
        public var labels: String
        public var weighting: String
    }

    /// One world group: its assumptions and what its logs looked like, per band.
    public struct WorldInfo: Sendable, Codable, Equatable {
        public var group: String
        public var qualityStrength: Double
        public var uniformFrequencies: Bool
        public var simulationSeeds: [UInt64]
        /// Query -> band and impressions per query (the same for every simulation seed).
        public var bands: [String: String]
        public var frequencies: [String: Int]
        /// Band -> mean over simulation seeds of impressions, clicks, and queries never shown.
        public var impressionsPerBand: [String: Double]
        public var clicksPerBand: [String: Double]
        public var unseenQueriesPerBand: [String: Int]
        /// Attraction scale that calibrated each seed's clicks per impression.
        public var attractionScales: [Double]
        /// "a~b" -> band (or "all") -> Cohen's kappa, on the first simulation seed.
        public var agreement: [String: [String: Double]]
        /// Label source -> band -> ROC AUC of its grades against the gold relevance (first seed).
        public var judgeAUC: [String: [String: Double]]
        /// The smooth FAMOL weighting of this group (its threshold comes from the traffic).
        public var famolSmooth: FamolWeighting
        /// Band -> queries with gold judgments (an observed world; a simulated one judges all).
        public var judgedQueriesPerBand: [String: Int]? = nil
    }

    public var metrics: [String]
    public var studyProtocol: String
    public var methods: [MethodInfo]
    public var worlds: [WorldInfo]
    public var evaluations: [Evaluation]
    public var trainingSeeds: [UInt64]

    public static let candidates = "candidates"

    public func evaluation(_ method: String, group: String, testSet: String = StudyResult.candidates) -> Evaluation? {
        evaluations.first { $0.method == method && $0.group == group && $0.testSet == testSet }
    }

    public func world(_ group: String) -> WorldInfo? { worlds.first { $0.group == group } }

    /// Queries of a band (nil = all) in a group, in natural order.
    public func queries(group: String, band: String?) -> [String] {
        guard let w = world(group) else { return [] }
        return w.bands.keys.filter { band == nil || w.bands[$0] == band }.sorted(by: naturalOrder)
    }

    /// Mean of a metric over a band's queries.
    public func mean(_ e: Evaluation, metric: String, band: String?) -> Double {
        let values = queries(group: e.group, band: band).compactMap { e.perQuery[metric]?[$0] }
        return values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}
