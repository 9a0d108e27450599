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
    /// Documents shown per impression: the top of each query's candidate order, or a
    /// Plackett-Luce draw from it (`loggingTemperature`).
    public var shown: Int = 10
    /// The logging policy: nil shows the candidate order as it is; a temperature t draws each
    /// impression's list by Plackett-Luce over the candidates with weight exp(-rank / t), so
    /// that position and document are not confounded and candidates past `shown` get seen.
    public var loggingTemperature: Double? = nil
    /// Multiplies every attractiveness (capped at 1); `ClickSimulator.calibrate` sets it so
    /// that clicks per impression match a real log's.
    public var attractionScale: Double = 1
    /// Every query gets the same number of impressions, impressions / queries rounded down
    /// (the negative control of frequency: a remainder given to some queries would make
    /// "frequency" a function of which queries those are).
    public var uniformFrequencies = false
    /// Impressions per query, given; nil draws them (Zipf, or uniform).
    public var frequencies: [String: Int]? = nil
    public var seed: UInt64 = 7

    public init() {}

    public func examination(_ k: Int) -> Double {
        if let curve = examinationCurve, let last = curve.last { return k < curve.count ? curve[k] : last }
        return 1 / pow(Double(k + 1), eta)
    }

    public func attractiveness(_ grade: Float) -> Double { min(1, attractionScale * attractivenessUncapped(grade)) }

    /// `epsilon + (1 - epsilon) (2^g - 1) / (2^gmax - 1)` before the scale.
    func attractivenessUncapped(_ grade: Float) -> Double {
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
        if let given = config.frequencies { return given }
        if config.uniformFrequencies {
            let each = config.impressions / max(queryIDs.count, 1)
            return Dictionary(queryIDs.map { ($0, each) }, uniquingKeysWith: { a, _ in a })
        }
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

    /// The click log: each query shown `frequency` times. Every draw is keyed by (query,
    /// impression, position), so the lists shown do not depend on the attractiveness and
    /// `calibrate` can compute expected clicks for the very lists the log will show.
    public func simulate(_ dataset: RankingDataset) -> [Impression] {
        let freq = frequencies(queryIDs: dataset.queries.map(\.id))
        let random = CounterRandom(seed: config.seed &+ 1)
        var out: [Impression] = []
        out.reserveCapacity(config.impressions)
        var time = 0.0
        for (qi, q) in sortedQueries(dataset) {
            for i in 0..<(freq[q.id] ?? 0) {
                let order = shownOrder(q, query: qi, impression: i, random)
                guard !order.isEmpty else { continue }
                let attract = order.map { config.attractiveness(q.labels[$0]) }
                let clicks = click(attract) { k in random.uniform(0xC11C, UInt64(qi), UInt64(i), UInt64(k)) }
                time += 1
                let shown = order.map { q.docIDs[$0] }
                out.append(Impression(query: q.id, shown: shown, clicked: clicks.map { shown[$0] },
                                      timestamp: time, session: "\(q.id)-\(i)"))
            }
        }
        return out
    }

    func sortedQueries(_ dataset: RankingDataset) -> [(Int, RankingQuery)] {
        dataset.queries.sorted { naturalOrder($0.id, $1.id) }.enumerated().map { ($0, $1) }
    }

    /// Candidate indices shown in one impression, in rank order.
    func shownOrder(_ q: RankingQuery, query qi: Int, impression i: Int, _ random: CounterRandom) -> [Int] {
        let n = min(config.shown, q.count)
        guard let t = config.loggingTemperature else { return Array(0..<n) }
        var weights = (0..<q.count).map { exp(-Double($0) / t) }
        var order: [Int] = []
        for k in 0..<n {
            let total = weights.reduce(0, +)
            var u = random.uniform(0x10C, UInt64(qi), UInt64(i), UInt64(k)) * total
            var pick = weights.lastIndex { $0 > 0 }!
            for (d, w) in weights.enumerated() where w > 0 {
                if u < w { pick = d; break }
                u -= w
            }
            order.append(pick)
            weights[pick] = 0
        }
        return order
    }

    func click(_ attract: [Double], _ u: (Int) -> Double) -> [Int] {
        var clicks: [Int] = []
        switch config.model {
        case .pbm:
            for k in attract.indices where u(k) < config.examination(k) * attract[k] { clicks.append(k) }
        case .cascade:
            for k in attract.indices where u(k) < attract[k] { clicks.append(k); break }
        case .dcm:
            for k in attract.indices where u(k) < attract[k] {
                clicks.append(k)
                if u(k + 1000) >= config.lambda * pow(config.lambdaDecay, Double(k)) { break }
            }
        }
        return clicks
    }

    /// The attraction scale at which the PBM log's expected clicks per impression equal
    /// `target` (bisection; the lists are those `simulate` will show).
    public static func calibrate(_ config: ClickSimulationConfig, dataset: RankingDataset, clicksPerImpression target: Double) -> Double {
        let sim = ClickSimulator(config: config)
        let freq = sim.frequencies(queryIDs: dataset.queries.map(\.id))
        let random = CounterRandom(seed: config.seed &+ 1)
        // (examination, base attractiveness) of every shown slot, once.
        var slots: [(Double, Double)] = []
        var impressions = 0
        for (qi, q) in sim.sortedQueries(dataset) {
            for i in 0..<(freq[q.id] ?? 0) {
                let order = sim.shownOrder(q, query: qi, impression: i, random)
                for (k, d) in order.enumerated() { slots.append((config.examination(k), config.attractivenessUncapped(q.labels[d]))) }
                impressions += 1
            }
        }
        guard impressions > 0 else { return 1 }
        func expected(_ m: Double) -> Double { slots.reduce(0) { $0 + $1.0 * min(1, m * $1.1) } / Double(impressions) }
        var lo = 0.0, hi = 1.0
        while expected(hi) < target && hi < 1e6 { hi *= 2 }
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            if expected(mid) < target { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }
}
