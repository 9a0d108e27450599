#if canImport(Glibc)
import Glibc
#endif

/// Which supervision trains the ranker.
public enum Supervision: String, Sendable, Codable, CaseIterable {
    case labels, clicks, famol, schedule
}

/// A training query: its candidates, its label and click supervision, and its frequency band.
public struct TrainingExample: Sendable {
    public var query: RankingQuery
    /// Whether the query's labels are a supervision source (false when no judgment covers it).
    public var hasLabels: Bool
    public var clicks: ClickStats?
    public var frequency: Int
    public var band: Band
    /// Index of the query's first per query-document term, when the ranker has them.
    public var pairOffset: Int? = nil

    public init(query: RankingQuery, hasLabels: Bool = true, clicks: ClickStats? = nil, frequency: Int = 0, band: Band = .mid) {
        self.query = query
        self.hasLabels = hasLabels
        self.clicks = clicks
        self.frequency = frequency
        self.band = band
    }

    var hasClickSource: Bool { clicks?.hasClicks ?? false }
}

/// FAMOL's click weight a(f) for a query of frequency f.
public enum FamolWeighting: Sendable, Equatable, Codable {
    /// a per band; defaults high 0.8, mid 0.5, low 0.2.
    case bands(high: Double, mid: Double, low: Double)
    /// a(f) = sigmoid(gamma (log(1 + f) - threshold)).
    case smooth(gamma: Double, threshold: Double)

    public static let standard = FamolWeighting.bands(high: 0.8, mid: 0.5, low: 0.2)

    public func clickWeight(frequency: Int, band: Band) -> Double {
        switch self {
        case let .bands(high, mid, low):
            switch band { case .high: high; case .mid: mid; case .low: low }
        case let .smooth(gamma, threshold):
            1 / (1 + exp(-gamma * (log(1 + Double(frequency)) - threshold)))
        }
    }
}

/// Data scheduling: stage 1 on one source, stage 2 on the other, each over chosen bands.
public struct Schedule: Sendable, Equatable, Codable {
    public var clicksFirst: Bool
    public var firstStageEpochs: Int
    public var firstStageBands: Set<Band>
    public var secondStageBands: Set<Band>

    public init(clicksFirst: Bool = true, firstStageEpochs: Int = 10,
                firstStageBands: Set<Band> = Set(Band.allCases), secondStageBands: Set<Band> = Set(Band.allCases)) {
        self.clicksFirst = clicksFirst
        self.firstStageEpochs = firstStageEpochs
        self.firstStageBands = firstStageBands
        self.secondStageBands = secondStageBands
    }

    enum CodingKeys: String, CodingKey { case clicksFirst, firstStageEpochs, firstStageBands, secondStageBands }

    /// Bands are written sorted: a Set's order changes from process to process, and the JSON
    /// of a spec must not (its hash identifies the run).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(clicksFirst, forKey: .clicksFirst)
        try c.encode(firstStageEpochs, forKey: .firstStageEpochs)
        try c.encode(firstStageBands.sorted(), forKey: .firstStageBands)
        try c.encode(secondStageBands.sorted(), forKey: .secondStageBands)
    }
}

/// The loss of DESIGN.md section 4 for one query, per supervision mode.
public struct Objective: Sendable {
    public var supervision: Supervision
    public var labelLoss: ListLoss
    public var clickLoss: ClickLoss
    public var weighting: FamolWeighting
    public var schedule: Schedule
    /// Per query-document score terms (transductive protocol); nil: the MLP alone.
    public var pairTerms: PairTerms? = nil
    /// w_q, the per-query weight (1 by default, as in DESIGN.md).
    public var queryWeight: @Sendable (TrainingExample) -> Double

    public init(supervision: Supervision, labelLoss: ListLoss = .softmax, clickLoss: ClickLoss = ClickLoss(estimator: .dla),
                weighting: FamolWeighting = .standard, schedule: Schedule = Schedule(),
                queryWeight: @escaping @Sendable (TrainingExample) -> Double = { _ in 1 }) {
        self.supervision = supervision
        self.labelLoss = labelLoss
        self.clickLoss = clickLoss
        self.weighting = weighting
        self.schedule = schedule
        self.queryWeight = queryWeight
    }

    /// The share of the click loss for a query at an epoch: 1 = clicks only, 0 = labels only,
    /// nil = the query does not train at this epoch.
    public func clickShare(_ ex: TrainingExample, epoch: Int) -> Double? {
        let clicks = ex.hasClickSource
        let labels = ex.hasLabels
        switch supervision {
        case .labels: return labels ? 0 : nil
        case .clicks: return clicks ? 1 : nil
        case .famol:
            if clicks && labels { return weighting.clickWeight(frequency: ex.frequency, band: ex.band) }
            return clicks ? 1 : (labels ? 0 : nil)
        case .schedule:
            let first = epoch < schedule.firstStageEpochs
            let bands = first ? schedule.firstStageBands : schedule.secondStageBands
            guard bands.contains(ex.band) else { return nil }
            let useClicks = first == schedule.clicksFirst
            return useClicks ? (clicks ? 1 : nil) : (labels ? 0 : nil)
        }
    }

    /// Loss parts and gradients of one query.
    public struct QueryLoss {
        public var total: Double
        public var click: Double
        public var label: Double
        public var scoreGradient: [Double]
        public var propensityGradient: [Double]?
    }

    /// `featureScores`: the ranker's scores without its per query-document terms, if it has any.
    public func evaluate(_ ex: TrainingExample, scores: [Float], propensityLogits: [Float], epoch: Int,
                         featureScores: [Float]? = nil) -> QueryLoss? {
        guard let a = clickShare(ex, epoch: epoch) else { return nil }
        let w = queryWeight(ex)
        var g = [Double](repeating: 0, count: scores.count)
        var out = QueryLoss(total: 0, click: 0, label: 0, scoreGradient: g, propensityGradient: nil)
        if a > 0, let clicks = ex.clicks {
            let (ranker, propensity) = clickLoss.evaluate(scores: scores, clicks: clicks, propensityLogits: propensityLogits,
                                                          relevanceScores: featureScores)
            out.click = ranker.loss
            for i in g.indices { g[i] += w * a * ranker.gradient[i] }
            out.propensityGradient = propensity.map { p in p.gradient.map { w * $0 } }
        }
        if a < 1 {
            let label = labelLoss.evaluate(scores: scores, targets: LabelTargets.gains(ex.query.labels))
            out.label = label.loss
            for i in g.indices { g[i] += w * (1 - a) * label.gradient[i] }
        }
        out.total = w * (a * out.click + (1 - a) * out.label)
        out.scoreGradient = g
        return out
    }
}
