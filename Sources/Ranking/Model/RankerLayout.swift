/// The ranker's shape and where each tensor sits in the flat Float32 parameter vector.
///
/// Layer l has a weight matrix `widths[l+1] x widths[l]` (row-major) followed by its bias.
/// DLA's position-propensity logits, when used, follow the last layer; then the per
/// query-document score terms of the transductive protocol, one per training candidate.
public struct RankerLayout: Sendable, Equatable, Codable {
    public var inputCount: Int
    public var hidden: [Int]
    public var propensityPositions: Int
    /// Score offsets b_qd, one per (training query, candidate), in training-file order.
    public var pairTerms: Int

    public init(inputCount: Int, hidden: [Int] = [64, 32], propensityPositions: Int = 0, pairTerms: Int = 0) {
        precondition(inputCount > 0 && hidden.allSatisfy { $0 > 0 })
        self.inputCount = inputCount
        self.hidden = hidden
        self.propensityPositions = propensityPositions
        self.pairTerms = pairTerms
    }

    enum CodingKeys: String, CodingKey { case inputCount, hidden, propensityPositions, pairTerms }

    /// Model files written before pair terms existed have none.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        inputCount = try c.decode(Int.self, forKey: .inputCount)
        hidden = try c.decode([Int].self, forKey: .hidden)
        propensityPositions = try c.decode(Int.self, forKey: .propensityPositions)
        pairTerms = try c.decodeIfPresent(Int.self, forKey: .pairTerms) ?? 0
    }

    /// Writes `pairTerms` only when there are some, so that older layouts keep their bytes.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inputCount, forKey: .inputCount)
        try c.encode(hidden, forKey: .hidden)
        try c.encode(propensityPositions, forKey: .propensityPositions)
        if pairTerms > 0 { try c.encode(pairTerms, forKey: .pairTerms) }
    }

    public var widths: [Int] { [inputCount] + hidden + [1] }
    public var layerCount: Int { hidden.count + 1 }

    public func weightOffset(_ l: Int) -> Int {
        var o = 0
        for k in 0..<l { o += widths[k + 1] * widths[k] + widths[k + 1] }
        return o
    }

    public func biasOffset(_ l: Int) -> Int { weightOffset(l) + widths[l + 1] * widths[l] }
    public var rankerParameterCount: Int { weightOffset(layerCount) }
    public var propensityOffset: Int { rankerParameterCount }
    public var pairTermOffset: Int { rankerParameterCount + propensityPositions }
    public var parameterCount: Int { pairTermOffset + pairTerms }

    /// He-style uniform initialisation from counter-based randomness: the same for any process.
    public func initialParameters(seed: UInt64) -> [Float] {
        let rng = CounterRandom(seed: seed)
        var p = [Float](repeating: 0, count: parameterCount)
        for l in 0..<layerCount {
            let fanIn = Double(widths[l])
            let limit = (6.0 / fanIn).squareRoot() * (l == layerCount - 1 ? 0.5 : 1)
            let w = weightOffset(l)
            for i in 0..<(widths[l + 1] * widths[l]) {
                p[w + i] = Float((rng.uniform(0xF00D, UInt64(l), UInt64(i)) * 2 - 1) * limit)
            }
        }
        return p  // biases, propensity logits (uniform propensities) and pair terms start at 0
    }
}
