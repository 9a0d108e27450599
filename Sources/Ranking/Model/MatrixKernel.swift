import COpenBLAS

/// Matrix products for the ranker: OpenBLAS, or a fixed-order Swift loop used as the reference.
public enum MatrixKernel: Sendable {
    case blas
    case reference

    /// C (m x n) = alpha * op(A) * op(B) + beta * C, all row-major.
    @inline(__always)
    func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
        beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0 && n > 0 else { return }
        switch self {
        case .blas:
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        case .reference:
            for i in 0..<m {
                for j in 0..<n {
                    var s: Float = 0
                    for p in 0..<k {
                        let x = transA ? a[p * lda + i] : a[i * lda + p]
                        let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                        s += x * y
                    }
                    c[i * ldc + j] = beta == 0 ? s : beta * c[i * ldc + j] + s
                }
            }
        }
    }
}

/// Pins OpenBLAS to one thread: results then depend only on the inputs, never on scheduling.
public func pinBLASToOneThread() {
    openblas_set_num_threads(1)
}

/// Sets OpenBLAS's thread count (throughput work such as embedding; training pins one).
public func openblasThreads(_ n: Int) {
    openblas_set_num_threads(Int32(max(1, n)))
}
