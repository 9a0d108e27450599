import COpenBLAS
import Foundation

/// What decides the bits of a gradient in this process: BLAS build, core type, thread count
/// and architecture. A deterministic run only accepts workers whose profile equals its own.
public enum NumericProfile {
    public static var current: String {
        let config = String(cString: openblas_get_config())
        let core = String(cString: openblas_get_corename())
        let coretype = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "auto"
        #if arch(x86_64)
        let arch = "x86_64"
        #elseif arch(arm64)
        let arch = "arm64"
        #else
        let arch = "other"
        #endif
        return "\(arch); \(config); core \(core); OPENBLAS_CORETYPE=\(coretype); threads \(openblas_get_num_threads())"
    }
}
