/// Paired significance tests over per-query metric values.
public enum PairedTest {
    /// Two-sided paired randomization test (sign flips of the per-query differences) of the
    /// mean difference between `a` and `b`; seeded, so the same inputs give the same p-value.
    /// The p-value counts the observed assignment, so it is never 0 (Smucker et al., CIKM 2007).
    public static func randomization(_ a: [Double], _ b: [Double], permutations: Int = 10_000, seed: UInt64 = 0x5EED) -> Double {
        precondition(a.count == b.count, "paired test needs paired values")
        let diffs = zip(a, b).map { $0 - $1 }
        guard !diffs.isEmpty else { return 1 }
        let observed = abs(diffs.reduce(0, +))
        // A tolerance keeps exact ties (the same sum in another order) counted as extreme.
        let tolerance = 1e-12 * max(1, diffs.reduce(0) { $0 + abs($1) })
        let random = CounterRandom(seed: seed)
        var extreme = 0
        for p in 0..<permutations {
            var sum = 0.0
            var word: UInt64 = 0
            for (i, d) in diffs.enumerated() {
                if i % 64 == 0 { word = random.bits(UInt64(p), UInt64(i / 64)) }
                sum += (word >> UInt64(i % 64)) & 1 == 1 ? d : -d
            }
            if abs(sum) >= observed - tolerance { extreme += 1 }
        }
        return Double(extreme + 1) / Double(permutations + 1)
    }
}

/// Agreement between two binary raters.
public enum Agreement {
    /// Cohen's kappa of two binary judgments of the same items; nil when it is undefined
    /// (no items, or both raters constant and equal, so chance agreement is 1).
    public static func cohensKappa(_ x: [Bool], _ y: [Bool]) -> Double? {
        precondition(x.count == y.count, "kappa needs paired judgments")
        let n = Double(x.count)
        guard n > 0 else { return nil }
        var both = 0.0, neither = 0.0, px = 0.0, py = 0.0
        for (a, b) in zip(x, y) {
            if a && b { both += 1 }
            if !a && !b { neither += 1 }
            if a { px += 1 }
            if b { py += 1 }
        }
        let observed = (both + neither) / n
        let chance = (px / n) * (py / n) + (1 - px / n) * (1 - py / n)
        guard chance < 1 - 1e-12 else { return nil }
        return (observed - chance) / (1 - chance)
    }
}
