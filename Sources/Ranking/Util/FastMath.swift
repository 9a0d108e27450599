/// Branch-free exp, ELU and GELU over buffers, written so the compiler vectorises them: the
/// encoder and the ranker call them millions of times per step, where libm's scalar calls
/// would dominate.
public enum FastMath {
    /// e^x for every element (Cephes' expf: range reduction by ln 2, degree-5 polynomial;
    /// within 2 ulp over the float range; inputs below -87 give e^-87, about 1.6e-38).
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let clamped = min(max(x, -87.0), 88.0)
        // Adding 1.5 * 2^23 rounds to the nearest integer n (ties to even) and leaves n in the
        // low mantissa bits: no float-to-int conversion, whose overflow trap stops vectorisation.
        let shifted = clamped * 1.44269504088896341 + 12_582_912.0
        let n = shifted - 12_582_912.0
        var r = clamped - n * 0.693359375
        r = r + n * 2.12194440e-4
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * r * r + r + 1
        let scale = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
        return y * scale
    }

    /// erf(x) as a rational function of x on [-4, 4] (clamped outside, where erf is +-1 in
    /// float): absolute error below 1e-6.
    @inline(__always)
    public static func erf(_ value: Float) -> Float {
        let x = min(max(value, -4), 4)
        let x2 = x * x
        var p: Float = -2.72614225801306e-10
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 - 2.10102402082508e-06
        p = p * x2 - 5.69250639462346e-05
        p = p * x2 - 7.34990630326855e-04
        p = p * x2 - 2.95459980854025e-03
        p = p * x2 - 1.60960333262415e-02
        p = p * x
        var q: Float = -1.45660718464996e-05
        q = q * x2 - 2.13374055278905e-04
        q = q * x2 - 1.68282697438203e-03
        q = q * x2 - 7.37332916720468e-03
        q = q * x2 - 1.42647390514189e-02
        return p / q
    }

    /// GELU with the exact erf form, in place.
    public static func gelu(_ v: UnsafeMutableBufferPointer<Float>) {
        for i in v.indices {
            let x = v[i]
            v[i] = 0.5 * x * (1 + erf(x * 0.70710678118654752))
        }
    }

    /// Row-wise softmax of a rows x columns block, in place. The maximum and the sum run in 16
    /// lanes (a running sum in one register waits on each add: that serial chain was a fifth of
    /// the encoder's time), in a fixed order, so the bits do not depend on the caller's threads.
    public static func softmaxRows(_ base: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        let whole = columns / 16 * 16
        for r in 0..<rows {
            let row = base + r * columns
            let raw = UnsafeRawPointer(row)
            var lanes = SIMD16<Float>(repeating: -.infinity)
            for c in stride(from: 0, to: whole, by: 16) {
                let v = raw.loadUnaligned(fromByteOffset: c * 4, as: SIMD16<Float>.self)
                lanes.replace(with: v, where: v .> lanes)  // a compare and a blend (pointwiseMax goes lane by lane)
            }
            var m = lanes.max()
            for c in whole..<columns { m = max(m, row[c]) }
            for c in 0..<columns { row[c] = exp(row[c] - m) }
            var sums = SIMD16<Float>(repeating: 0)
            for c in stride(from: 0, to: whole, by: 16) { sums += raw.loadUnaligned(fromByteOffset: c * 4, as: SIMD16<Float>.self) }
            var z = sums.sum()
            for c in whole..<columns { z += row[c] }
            let inv = 1 / z
            for c in 0..<columns { row[c] *= inv }
        }
    }

    /// ELU in place: x for x > 0, e^x - 1 otherwise. Both sides are computed and one is
    /// selected, so the loop has no branch and vectorises.
    @inline(__always)
    public static func elu(_ v: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let x = v[i]
            let negative = exp(min(x, 0)) - 1
            v[i] = x > 0 ? x : negative
        }
    }
}
