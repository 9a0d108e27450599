#if canImport(Glibc)
import Glibc
#endif

/// Which user model generates clicks.
public enum ClickModelKind: String, Sendable, Codable, CaseIterable {
    /// Position-based: click = examined(position) and attracted(document), independently.
    case pbm
    /// Cascade: the user scans down and stops at the first click.
    case cascade
    /// Dependent click model: scans down; after a click at rank k continues with probability lambda_k.
    case dcm
}

/// Parameters of the click simulation, with the defaults documented in the README.
public struct ClickSimulationConfig: Sendable, Codable, Equatable {
    public var model: ClickModelKind = .pbm
    /// Total impressions to draw over all queries.
    public var impressions: Int = 20_000
    /// Zipf exponent of query frequencies: the query of popularity rank r has weight 1 / r^s.
    public var zipfExponent: Double = 1.1
    /// Examination at position k (0-based) is `1 / (k + 1)^eta` (PBM), unless a fitted curve
    /// is given.
    public var eta: Double = 1.0
    /// Examination per position relative to position 1, fitted on a real log
    /// (`famol clicks --params-out`); positions past its end take its last value.
    public var examinationCurve: [Double]? = nil
    /// Attractiveness of a grade-g document: `epsilon + (1 - epsilon) (2^g - 1) / (2^gmax - 1)`.
    public var epsilon: Double = 0.05
    public var maxGrade: Int = 4
    /// DCM's continuation probability after a click at position k: `lambda * decay^k`.
    public var lambda: Double = 0.6
    public var lambdaDecay: Double = 0.9
    /// Documents shown per impression: the top of each query's candidate order.
    public var shown: Int = 10
    public var seed: UInt64 = 7

    public init() {}

    public func examination(_ k: Int) -> Double {
        if let curve = examinationCurve, let last = curve.last { return k < curve.count ? curve[k] : last }
        return 1 / pow(Double(k + 1), eta)
    }

    public func attractiveness(_ grade: Float) -> Double {
        let g = max(0, min(Double(grade), Double(maxGrade)))
        return epsilon + (1 - epsilon) * (pow(2, g) - 1) / (pow(2, Double(maxGrade)) - 1)
    }
}

/// Simulates a click log from graded labels. The same configuration and data give the same log.
public struct ClickSimulator: Sendable {
    public var config: ClickSimulationConfig
    public init(config: ClickSimulationConfig) { self.config = config }

    /// Query frequencies from a Zipf law over a seeded popularity order.
    public func frequencies(queryIDs: [String]) -> [String: Int] {
        var rng = SeededGenerator(seed: config.seed)
        let order = queryIDs.sorted(by: naturalOrder).shuffled(using: &rng)
        let weights = order.indices.map { 1 / pow(Double($0 + 1), config.zipfExponent) }
        let total = weights.reduce(0, +)
        var cumulative: [Double] = []
        var acc = 0.0
        for w in weights { acc += w / total; cumulative.append(acc) }
        var counts: [String: Int] = [:]
        for q in order { counts[q] = 0 }
        for _ in 0..<config.impressions {
            let u = rng.uniform()
            var lo = 0, hi = cumulative.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < u { lo = mid + 1 } else { hi = mid } }
            counts[order[lo], default: 0] += 1
        }
        return counts
    }

    /// The click log: each query shown `frequency` times, its candidates' top `shown` in order.
    public func simulate(_ dataset: RankingDataset) -> [Impression] {
        let freq = frequencies(queryIDs: dataset.queries.map(\.id))
        var rng = SeededGenerator(seed: config.seed &+ 1)
        var out: [Impression] = []
        out.reserveCapacity(config.impressions)
        var time = 0.0
        for q in dataset.queries.sorted(by: { naturalOrder($0.id, $1.id) }) {
            let shownCount = min(config.shown, q.count)
            guard shownCount > 0 else { continue }
            let shown = Array(q.docIDs.prefix(shownCount))
            let attract = q.labels.prefix(shownCount).map { config.attractiveness($0) }
            for i in 0..<(freq[q.id] ?? 0) {
                let clicks = click(attract, using: &rng)
                time += 1
                out.append(Impression(query: q.id, shown: shown, clicked: clicks.map { shown[$0] },
                                      timestamp: time, session: "\(q.id)-\(i)"))
            }
        }
        return out
    }

    func click(_ attract: [Double], using rng: inout SeededGenerator) -> [Int] {
        var clicks: [Int] = []
        switch config.model {
        case .pbm:
            for k in attract.indices where rng.uniform() < config.examination(k) * attract[k] { clicks.append(k) }
        case .cascade:
            for k in attract.indices where rng.uniform() < attract[k] { clicks.append(k); break }
        case .dcm:
            for k in attract.indices where rng.uniform() < attract[k] {
                clicks.append(k)
                if rng.uniform() >= config.lambda * pow(config.lambdaDecay, Double(k)) { break }
            }
        }
        return clicks
    }
}
