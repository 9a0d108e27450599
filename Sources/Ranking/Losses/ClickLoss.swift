/// Aggregated clicks of one query: per candidate document, impressions and clicks per position.
public struct ClickStats: Sendable, Equatable, Codable {
    /// One (document, position) cell: how often the document was shown there and clicked.
    public struct Cell: Sendable, Equatable, Codable {
        public var document: Int
        public var position: Int
        public var shown: Double
        public var clicks: Double
    }
    public var cells: [Cell]
    /// Impressions of the query: its frequency.
    public var impressions: Int

    public init(cells: [Cell], impressions: Int) {
        self.cells = cells
        self.impressions = impressions
    }

    public var hasClicks: Bool { cells.contains { $0.clicks > 0 } }

    /// Aggregates impressions of one query over its candidate list; shown documents that are
    /// not candidates are ignored. Positions at or past `maxPositions` are ignored too.
    public init(impressions list: [Impression], candidates: [String], maxPositions: Int) {
        var index: [String: Int] = [:]
        for (i, d) in candidates.enumerated() { index[d] = i }
        var table: [Int: Cell] = [:]
        for imp in list {
            let flags = imp.clickFlags
            for (pos, doc) in imp.shown.enumerated() where pos < maxPositions {
                guard let d = index[doc] else { continue }
                let key = d * maxPositions + pos
                table[key, default: Cell(document: d, position: pos, shown: 0, clicks: 0)].shown += 1
                if flags[pos] { table[key]!.clicks += 1 }
            }
        }
        cells = table.keys.sorted().map { table[$0]! }
        impressions = list.count
    }
}

/// How clicks become a training signal (DESIGN.md section 4).
public enum ClickEstimator: String, Sendable, Codable, CaseIterable {
    /// Click-through rate as the target.
    case naive
    /// Clicks weighted by inverse position propensities (given or estimated).
    case ips
    /// Dual learning: a propensity model over positions learned jointly with the ranker.
    case dla
}

/// Click losses. All use the listwise softmax cross-entropy with click-derived targets.
public struct ClickLoss: Sendable {
    public var estimator: ClickEstimator
    /// Examination propensity per position (position 0 first), for IPS.
    public var propensities: [Double]
    /// Inverse weights are clipped here to keep the variance bounded.
    public var maxWeight: Double

    public init(estimator: ClickEstimator, propensities: [Double] = [], maxWeight: Double = 100) {
        self.estimator = estimator
        self.propensities = propensities
        self.maxWeight = maxWeight
    }

    /// The ranker's loss and, for DLA, the propensity model's loss and gradient on its logits.
    ///
    /// Only documents the log showed take part: a candidate never shown was never examined,
    /// and its missing clicks say nothing about its relevance (training it as a click
    /// negative is what kept DLA from learning the position bias).
    ///
    /// `relevanceScores` are the scores DLA's propensity model weights by (default `scores`):
    /// the feature-based part of a ranker with per query-document terms, since terms that can
    /// memorise a document's few clicks would hand their noise to the propensities.
    public func evaluate(scores: [Float], clicks: ClickStats, propensityLogits: [Float],
                         relevanceScores: [Float]? = nil) -> (ranker: LossValue, propensity: LossValue?) {
        let n = scores.count
        var local = [Int](repeating: -1, count: n)
        var shown: [Int] = []
        for c in clicks.cells where local[c.document] < 0 {
            local[c.document] = shown.count
            shown.append(c.document)
        }
        shown.sort()
        for (i, d) in shown.enumerated() { local[d] = i }
        let subScores = shown.map { scores[$0] }
        // Targets are clicks per view of each document: under a logging policy that varies the
        // list, documents differ in exposure, and click counts would mistake exposure for
        // relevance (with the same list every time this is clicks per impression).
        var views = [Double](repeating: 0, count: shown.count)
        for c in clicks.cells { views[local[c.document]] += c.shown }
        let impressions = Double(max(clicks.impressions, 1))
        var targets = [Double](repeating: 0, count: shown.count)
        var propensity: LossValue? = nil
        switch estimator {
        case .naive:
            for c in clicks.cells { targets[local[c.document]] += c.clicks / views[local[c.document]] }
        case .ips:
            for c in clicks.cells {
                let p = c.position < propensities.count ? propensities[c.position] : propensities.last ?? 1
                targets[local[c.document]] += c.clicks * min(1 / max(p, 1e-12), maxWeight) / views[local[c.document]]
            }
        case .dla:
            // Relative propensities pi_k / pi_0 weight the ranker; relative relevances
            // r_d / max r (over the shown documents) weight the propensity model. Weights are
            // constants in each loss.
            let k = propensityLogits.count
            let pi = ListLoss.softmax(propensityLogits)
            for c in clicks.cells where c.position < k {
                targets[local[c.document]] += c.clicks * min(pi[0] / pi[c.position], maxWeight) / views[local[c.document]]
            }
            let r = ListLoss.softmax(relevanceScores.map { rs in shown.map { rs[$0] } } ?? subScores)
            let rTop = r.max() ?? 1
            var positionTargets = [Double](repeating: 0, count: k)
            for c in clicks.cells where c.position < k {
                positionTargets[c.position] += c.clicks * min(rTop / max(r[local[c.document]], 1e-300), maxWeight) / impressions
            }
            propensity = ListLoss.softmaxCrossEntropy(scores: propensityLogits, targets: positionTargets)
        }
        let sub = ListLoss.softmaxCrossEntropy(scores: subScores, targets: targets)
        var gradient = [Double](repeating: 0, count: n)
        for (i, d) in shown.enumerated() { gradient[d] = sub.gradient[i] }
        return (LossValue(loss: sub.loss, gradient: gradient), propensity)
    }
}
