#if canImport(Glibc)
import Glibc
#endif

/// Optimizer settings: Adam or AdamW, gradient clipping and a learning-rate schedule.
public struct OptimizerConfig: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case adam, adamw }
    public enum LRSchedule: String, Sendable, Codable, CaseIterable { case constant, cosine }

    public var kind: Kind = .adam
    public var learningRate: Double = 1e-3
    public var beta1: Double = 0.9
    public var beta2: Double = 0.999
    public var epsilon: Double = 1e-8
    /// L2 penalty (Adam) or decoupled weight decay (AdamW).
    public var weightDecay: Double = 0
    /// Global gradient-norm clip; 0 disables it.
    public var clipNorm: Double = 5
    public var schedule: LRSchedule = .constant

    public init() {}
}

/// Adam / AdamW state over the flat parameter vector.
public struct Optimizer: Sendable, Equatable, Codable {
    public var config: OptimizerConfig
    public var m: [Float]
    public var v: [Float]
    public var step: Int = 0

    public init(config: OptimizerConfig, parameterCount: Int) {
        self.config = config
        m = [Float](repeating: 0, count: parameterCount)
        v = [Float](repeating: 0, count: parameterCount)
    }

    /// Applies one update from a mean gradient (Double, as summed by the coordinator).
    /// `progress` in [0, 1] drives the learning-rate schedule.
    public mutating func apply(gradient: [Double], to p: inout [Float], progress: Double) {
        step += 1
        var g = gradient
        if config.clipNorm > 0 {
            let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > config.clipNorm { let s = config.clipNorm / norm; for i in g.indices { g[i] *= s } }
        }
        var lr = config.learningRate
        if config.schedule == .cosine { lr *= 0.5 * (1 + cos(Double.pi * min(max(progress, 0), 1))) }
        let b1 = config.beta1, b2 = config.beta2
        let c1 = 1 - pow(b1, Double(step)), c2 = 1 - pow(b2, Double(step))
        let decay = config.weightDecay
        for i in p.indices {
            var gi = g[i]
            if config.kind == .adam && decay > 0 { gi += decay * Double(p[i]) }
            let mi = b1 * Double(m[i]) + (1 - b1) * gi
            let vi = b2 * Double(v[i]) + (1 - b2) * gi * gi
            m[i] = Float(mi)
            v[i] = Float(vi)
            var update = lr * (mi / c1) / ((vi / c2).squareRoot() + config.epsilon)
            if config.kind == .adamw && decay > 0 { update += lr * decay * Double(p[i]) }
            p[i] = Float(Double(p[i]) - update)
        }
    }
}
