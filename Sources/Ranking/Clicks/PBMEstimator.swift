#if canImport(Glibc)
import Glibc
#endif

/// Fits a position-based click model to a log by expectation-maximisation.
///
/// P(click | q, d, k) = theta_k * alpha_qd. EM updates (Chuklin, Markov, de Rijke 2015):
/// theta_k <- mean over impressions at k of [c + (1 - c) theta_k (1 - alpha) / (1 - theta_k alpha)],
/// alpha_qd <- mean over impressions of (q, d) of [c + (1 - c) alpha (1 - theta_k) / (1 - theta_k alpha)].
public struct PBMEstimator: Sendable {
    public struct Fit: Sendable {
        /// Examination propensity per position.
        public var theta: [Double]
        /// Attractiveness per "query\tdocument".
        public var alpha: [String: Double]
        public var logLikelihood: Double
        /// Mean over positions of 2^(-mean log2 P(observed click or skip)).
        public var perplexity: Double
        public var perplexityByPosition: [Double]
        public var iterations: Int
        /// Log-likelihood per observation after each iteration (never decreases under EM).
        public var trace: [Double]
    }

    public var iterations: Int
    public var positions: Int

    public init(iterations: Int = 50, positions: Int = 10) {
        self.iterations = iterations
        self.positions = positions
    }

    /// One (query, document, position) cell with its counts.
    struct Cell { var pair: Int; var position: Int; var shown: Double; var clicks: Double }

    public func fit(_ log: [Impression]) -> Fit {
        var pairIndex: [String: Int] = [:]
        var pairs: [String] = []
        var table: [Int: Cell] = [:]
        for imp in log {
            let flags = imp.clickFlags
            for (k, doc) in imp.shown.enumerated() where k < positions {
                let key = imp.query + "\t" + doc
                let p: Int
                if let e = pairIndex[key] { p = e } else { p = pairs.count; pairIndex[key] = p; pairs.append(key) }
                let id = p * positions + k
                table[id, default: Cell(pair: p, position: k, shown: 0, clicks: 0)].shown += 1
                if flags[k] { table[id]!.clicks += 1 }
            }
        }
        let cells = table.keys.sorted().map { table[$0]! }
        var theta = [Double](repeating: 0.5, count: positions)
        var alpha = [Double](repeating: 0.5, count: pairs.count)
        var trace: [Double] = []
        for _ in 0..<iterations {
            var thetaNum = [Double](repeating: 0, count: positions), thetaDen = thetaNum
            var alphaNum = [Double](repeating: 0, count: pairs.count), alphaDen = alphaNum
            for c in cells {
                let t = theta[c.position], a = alpha[c.pair]
                let skips = c.shown - c.clicks
                let denom = max(1 - t * a, 1e-12)
                thetaNum[c.position] += c.clicks + skips * t * (1 - a) / denom
                thetaDen[c.position] += c.shown
                alphaNum[c.pair] += c.clicks + skips * a * (1 - t) / denom
                alphaDen[c.pair] += c.shown
            }
            for k in 0..<positions where thetaDen[k] > 0 { theta[k] = clamp(thetaNum[k] / thetaDen[k]) }
            for p in alpha.indices where alphaDen[p] > 0 { alpha[p] = clamp(alphaNum[p] / alphaDen[p]) }
            trace.append(likelihood(cells, theta, alpha).ll / max(cells.reduce(0) { $0 + $1.shown }, 1))
        }
        let (ll, perPosition) = likelihood(cells, theta, alpha)
        let used = perPosition.filter { !$0.isNaN }
        var alphaMap: [String: Double] = [:]
        for (i, key) in pairs.enumerated() { alphaMap[key] = alpha[i] }
        return Fit(theta: theta, alpha: alphaMap, logLikelihood: ll,
                   perplexity: used.isEmpty ? .nan : used.reduce(0, +) / Double(used.count),
                   perplexityByPosition: perPosition, iterations: iterations, trace: trace)
    }

    private func clamp(_ x: Double) -> Double { min(max(x, 1e-6), 1 - 1e-6) }

    private func likelihood(_ cells: [Cell], _ theta: [Double], _ alpha: [Double]) -> (ll: Double, perplexity: [Double]) {
        var ll = 0.0
        var log2Sum = [Double](repeating: 0, count: positions), count = log2Sum
        for c in cells {
            let p = theta[c.position] * alpha[c.pair]
            let skips = c.shown - c.clicks
            let l = c.clicks * log(p) + skips * log(1 - p)
            ll += l
            log2Sum[c.position] += l / M_LN2
            count[c.position] += c.shown
        }
        let perplexity = (0..<positions).map { k in count[k] > 0 ? pow(2, -log2Sum[k] / count[k]) : .nan }
        return (ll, perplexity)
    }
}
