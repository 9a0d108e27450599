import Foundation

/// A paired difference between two arms over a set of queries.
public struct PairedDifference: Sendable, Codable, Equatable {
    public var queries: Int
    /// Mean of a - b and its 95% interval (normal approximation over queries).
    public var mean: Double
    public var low: Double
    public var high: Double
    /// Two-sided paired randomization test, and the same after Holm's correction over the
    /// family the difference is reported in.
    public var p: Double
    public var pHolm: Double
    /// Minimum detectable effect: the true difference this many queries detect with 80%
    /// power at a two-sided 5% level, (1.96 + 0.84) times the standard error.
    public var mde: Double
}

/// The statistics of the study's comparisons.
public enum StudyStatistics {
    /// Holm-Bonferroni adjusted p-values, in the order given.
    public static func holm(_ p: [Double]) -> [Double] {
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 1, count: p.count)
        var running = 0.0
        for (rank, i) in order.enumerated() {
            running = max(running, min(1, Double(p.count - rank) * p[i]))
            adjusted[i] = running
        }
        return adjusted
    }

    /// Mean, 95% interval, randomization p-value and MDE of a - b (pHolm = p until corrected).
    public static func difference(_ a: [Double], _ b: [Double], permutations: Int, seed: UInt64) -> PairedDifference {
        let d = zip(a, b).map { $0 - $1 }
        let n = Double(d.count)
        guard d.count > 1 else {
            return PairedDifference(queries: d.count, mean: d.first ?? 0, low: -.infinity, high: .infinity, p: 1, pHolm: 1, mde: .infinity)
        }
        let mean = d.reduce(0, +) / n
        let variance = d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        let se = (variance / n).squareRoot()
        let p = PairedTest.randomization(a, b, permutations: permutations, seed: seed)
        return PairedDifference(queries: d.count, mean: mean, low: mean - 1.96 * se, high: mean + 1.96 * se, p: p, pHolm: p,
                                mde: 2.8 * se)
    }

    /// The band interaction of a per-query difference d: mean d over high-band queries minus
    /// mean d over low-band queries, with a permutation test that shuffles the band labels.
    public static func bandInteraction(_ d: [Double], bands: [Band], permutations: Int, seed: UInt64) -> (effect: Double, p: Double) {
        func effect(_ b: [Band]) -> Double {
            var hi = 0.0, lo = 0.0, nh = 0.0, nl = 0.0
            for (v, band) in zip(d, b) {
                if band == .high { hi += v; nh += 1 } else if band == .low { lo += v; nl += 1 }
            }
            return nh > 0 && nl > 0 ? hi / nh - lo / nl : 0
        }
        let observed = effect(bands)
        let random = CounterRandom(seed: seed)
        var extreme = 0
        for k in 0..<permutations {
            let perm = random.permutation(bands.count, 0xBA4D, UInt64(k))
            if abs(effect(perm.map { bands[$0] })) >= abs(observed) - 1e-12 { extreme += 1 }
        }
        return (observed, Double(extreme + 1) / Double(permutations + 1))
    }

    /// Pearson correlation of x and y with a two-sided permutation test (y shuffled); p = 1
    /// when either side is constant (the control world's equal traffic).
    public static func correlationTest(_ x: [Double], _ y: [Double], permutations: Int, seed: UInt64) -> (r: Double, p: Double) {
        let observed = correlation(x, y)
        guard observed != 0 else { return (0, 1) }
        let random = CounterRandom(seed: seed)
        var extreme = 0
        for k in 0..<permutations {
            let perm = random.permutation(y.count, 0xC0EE, UInt64(k))
            if abs(correlation(x, perm.map { y[$0] })) >= abs(observed) - 1e-12 { extreme += 1 }
        }
        return (observed, Double(extreme + 1) / Double(permutations + 1))
    }

    /// Pearson correlation; 0 when either side is constant.
    public static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        guard n > 1 else { return 0 }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }
}
