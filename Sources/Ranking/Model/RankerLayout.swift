/// The ranker's shape and where each tensor sits in the flat Float32 parameter vector.
///
/// Layer l has a weight matrix `widths[l+1] x widths[l]` (row-major) followed by its bias.
/// DLA's position-propensity logits, when used, follow the last layer.
public struct RankerLayout: Sendable, Equatable, Codable {
    public var inputCount: Int
    public var hidden: [Int]
    public var propensityPositions: Int

    public init(inputCount: Int, hidden: [Int] = [64, 32], propensityPositions: Int = 0) {
        precondition(inputCount > 0 && hidden.allSatisfy { $0 > 0 })
        self.inputCount = inputCount
        self.hidden = hidden
        self.propensityPositions = propensityPositions
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
    public var parameterCount: Int { rankerParameterCount + propensityPositions }

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
        return p  // biases and propensity logits start at 0 (uniform propensities)
    }
}
