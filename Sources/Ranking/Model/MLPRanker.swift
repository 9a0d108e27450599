#if canImport(Glibc)
import Glibc
#endif

/// An MLP scoring each document from its standardised features: ELU hidden layers, linear output.
///
/// Forward and backward run over all documents of a batch at once (one matrix), so each layer
/// is a single `sgemm`. The ranker holds no parameters itself: they are passed in, which keeps
/// the gradient a pure function of (parameters, data).
public struct MLPRanker: Sendable {
    public let layout: RankerLayout
    public let kernel: MatrixKernel
    /// Per-feature mean and standard deviation, fixed from the training data.
    public let mean: [Float]
    public let scale: [Float]

    public init(layout: RankerLayout, mean: [Float], scale: [Float], kernel: MatrixKernel = .blas) {
        precondition(mean.count == layout.inputCount && scale.count == layout.inputCount)
        self.layout = layout
        self.mean = mean
        self.scale = scale
        self.kernel = kernel
    }

    /// Activations kept by `forward` for `backward`: layer inputs, then the scores.
    public struct Activations {
        public var rows: Int
        public var layers: [[Float]]
        public var scores: [Float] { layers.last! }
    }

    /// Standardises raw feature rows.
    public func standardise(_ features: [Float], rows: Int) -> [Float] {
        let d = layout.inputCount
        var x = features
        x.withUnsafeMutableBufferPointer { v in
            mean.withUnsafeBufferPointer { m in
                scale.withUnsafeBufferPointer { s in
                    for r in 0..<rows {
                        let row = v.baseAddress! + r * d
                        for f in 0..<d { row[f] = (row[f] - m[f]) / s[f] }
                    }
                }
            }
        }
        return x
    }

    public func forward(parameters p: [Float], features: [Float], rows: Int) -> Activations {
        let w = layout.widths
        var layers = [standardise(features, rows: rows)]
        p.withUnsafeBufferPointer { pp in
            for l in 0..<layout.layerCount {
                var z = [Float](repeating: 0, count: rows * w[l + 1])
                let input = layers[l]
                input.withUnsafeBufferPointer { a in
                    z.withUnsafeMutableBufferPointer { c in
                        kernel.gemm(transA: false, transB: true, m: rows, n: w[l + 1], k: w[l],
                                    a.baseAddress!, lda: w[l], pp.baseAddress! + layout.weightOffset(l), ldb: w[l],
                                    beta: 0, c.baseAddress!, ldc: w[l + 1])
                    }
                }
                let b = layout.biasOffset(l)
                let width = w[l + 1]
                z.withUnsafeMutableBufferPointer { c in
                    let bias = pp.baseAddress! + b
                    for r in 0..<rows {
                        let row = c.baseAddress! + r * width
                        for j in 0..<width { row[j] += bias[j] }
                    }
                    if l < layout.layerCount - 1 { FastMath.elu(c.baseAddress!, count: rows * width) }
                }
                layers.append(z)
            }
        }
        return Activations(rows: rows, layers: layers)
    }

    /// Scores only.
    public func scores(parameters: [Float], features: [Float], rows: Int) -> [Float] {
        forward(parameters: parameters, features: features, rows: rows).scores
    }

    /// Adds d(loss)/d(parameters) to `gradient` given d(loss)/d(scores).
    public func backward(parameters p: [Float], activations act: Activations, scoreGradient: [Float], into gradient: inout [Float]) {
        let w = layout.widths
        let rows = act.rows
        var dz = scoreGradient  // rows x 1
        p.withUnsafeBufferPointer { pp in
            gradient.withUnsafeMutableBufferPointer { g in
                for l in stride(from: layout.layerCount - 1, through: 0, by: -1) {
                    let input = act.layers[l]
                    let out = w[l + 1]
                    dz.withUnsafeBufferPointer { d in
                        input.withUnsafeBufferPointer { a in
                            kernel.gemm(transA: true, transB: false, m: out, n: w[l], k: rows,
                                        d.baseAddress!, lda: out, a.baseAddress!, ldb: w[l],
                                        beta: 1, g.baseAddress! + layout.weightOffset(l), ldc: w[l])
                        }
                    }
                    let b = layout.biasOffset(l)
                    dz.withUnsafeBufferPointer { d in
                        let bias = g.baseAddress! + b
                        for r in 0..<rows {
                            let row = d.baseAddress! + r * out
                            for j in 0..<out { bias[j] += row[j] }
                        }
                    }
                    guard l > 0 else { break }
                    var da = [Float](repeating: 0, count: rows * w[l])
                    dz.withUnsafeBufferPointer { d in
                        da.withUnsafeMutableBufferPointer { c in
                            kernel.gemm(transA: false, transB: false, m: rows, n: w[l], k: out,
                                        d.baseAddress!, lda: out, pp.baseAddress! + layout.weightOffset(l), ldb: w[l],
                                        beta: 0, c.baseAddress!, ldc: w[l])
                        }
                    }
                    // ELU'(z) = 1 for z > 0, else ELU(z) + 1; the stored activation tells which.
                    input.withUnsafeBufferPointer { a in
                        da.withUnsafeMutableBufferPointer { d in
                            for i in 0..<d.count { d[i] = a[i] > 0 ? d[i] : d[i] * (a[i] + 1) }
                        }
                    }
                    dz = da
                }
            }
        }
    }
}
