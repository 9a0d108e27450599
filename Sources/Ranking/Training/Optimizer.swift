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
        let l2 = config.kind == .adam ? decay : 0, decoupled = config.kind == .adamw ? decay : 0
        let epsilon = config.epsilon
        // One branch-free pass over raw buffers so the compiler vectorises it; IEEE sqrt and
        // division are exact in any lane, so the bits match an element-by-element loop.
        g.withUnsafeBufferPointer { g in
            p.withUnsafeMutableBufferPointer { p in
                m.withUnsafeMutableBufferPointer { m in
                    v.withUnsafeMutableBufferPointer { v in
                        for i in 0..<p.count {
                            let pi = Double(p[i])
                            let gi = g[i] + l2 * pi
                            let mi = b1 * Double(m[i]) + (1 - b1) * gi
                            let vi = b2 * Double(v[i]) + (1 - b2) * gi * gi
                            m[i] = Float(mi)
                            v[i] = Float(vi)
                            let update = lr * (mi / c1) / ((vi / c2).squareRoot() + epsilon) + lr * decoupled * pi
                            p[i] = Float(pi - update)
                        }
                    }
                }
            }
        }
    }
}
