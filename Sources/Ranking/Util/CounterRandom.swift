/// Counter-based randomness: every draw is a pure hash of (seed, counters), so a replayed
/// shard or a resumed run sees the same numbers in any process.
public struct CounterRandom: Sendable {
    public let seed: UInt64
    public init(seed: UInt64) { self.seed = seed }

    /// SplitMix64's finaliser: a fast, well-mixed 64-bit hash.
    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A 64-bit value for the counters.
    public func bits(_ counters: UInt64...) -> UInt64 {
        var h = CounterRandom.mix(seed)
        for c in counters { h = CounterRandom.mix(h ^ c) }
        return h
    }

    /// A uniform double in [0, 1).
    public func uniform(_ counters: UInt64...) -> Double {
        var h = CounterRandom.mix(seed)
        for c in counters { h = CounterRandom.mix(h ^ c) }
        return Double(h >> 11) * 0x1.0p-53
    }

    /// A permutation of 0..<n, a Fisher-Yates shuffle driven by the counters.
    public func permutation(_ n: Int, _ a: UInt64, _ b: UInt64) -> [Int] {
        var p = Array(0..<n)
        guard n > 1 else { return p }
        for i in stride(from: n - 1, to: 0, by: -1) {
            let j = Int(bits(a, b, UInt64(i)) % UInt64(i + 1))
            p.swapAt(i, j)
        }
        return p
    }
}

/// A small sequential generator for simulations, seeded from a counter-based stream.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = CounterRandom.mix(seed ^ 0x5DEE_CE66_D1CE_4E5B) }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return CounterRandom.mix(state)
    }
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
