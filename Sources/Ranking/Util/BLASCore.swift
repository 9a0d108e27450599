import COpenBLAS
import Foundation

/// Which OpenBLAS kernels famol runs on. OpenBLAS picks them once, when it is loaded, from
/// the CPU model it knows or from `OPENBLAS_CORETYPE`; Debian 12's OpenBLAS (0.3.21) does not
/// know newer models and falls back to its SSE3 kernels (Prescott): measured on a 2-core Xeon
/// with AVX-512, single-thread sgemm ran at 30 GFLOP/s instead of the 121 its SkylakeX kernels
/// give. When that happens famol names the kernels the CPU's features allow and runs itself
/// again with them; an `OPENBLAS_CORETYPE` the user set is never overridden.
public enum BLASCore {
    /// What to do about the kernels OpenBLAS chose.
    public enum Decision: Equatable, Sendable {
        case keep
        /// Run again with `OPENBLAS_CORETYPE` set to this core.
        case use(String)
    }

    /// OpenBLAS's cores for CPU models it does not recognise (and the oldest x86 ones).
    static let fallbacks: Set<String> = ["unknown", "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2",
                                         "penryn", "dunnington", "nehalem"]

    /// The kernels for a CPU with `flags` (as /proc/cpuinfo names them) when OpenBLAS chose
    /// `current` and the user did or did not set `OPENBLAS_CORETYPE`.
    public static func decide(current: String, cpuFlags flags: Set<String>, coretypeSet: Bool) -> Decision {
        guard mayReplace(current, coretypeSet: coretypeSet) else { return .keep }
        if flags.isSuperset(of: ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]) { return .use("SkylakeX") }
        if flags.isSuperset(of: ["avx2", "fma"]) { return .use("Haswell") }
        if flags.contains("avx") { return .use("Sandybridge") }
        return .keep
    }

    /// Whether OpenBLAS's choice is open to replacement: it fell back and the user chose no core.
    static func mayReplace(_ current: String, coretypeSet: Bool) -> Bool {
        !coretypeSet && fallbacks.contains(current.lowercased())
    }

    /// The feature flags of the first CPU in a /proc/cpuinfo text (empty when there is none).
    public static func cpuFlags(cpuinfo: String) -> Set<String> {
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }

    /// The core OpenBLAS runs in this process.
    public static var current: String { String(cString: openblas_get_corename()) }

    /// Runs this program again with the kernels `decide` names, before it does anything else;
    /// returns when OpenBLAS's own choice stands (or the program cannot be run again).
    public static func adoptBestForThisCPU() {
        #if os(Linux) && arch(x86_64)
        let chosen = current
        let coretypeSet = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] != nil
        // Most starts end here: OpenBLAS knew the CPU, or the user chose; /proc/cpuinfo is not read.
        guard mayReplace(chosen, coretypeSet: coretypeSet) else { return }
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        guard case .use(let core) = decide(current: chosen, cpuFlags: cpuFlags(cpuinfo: cpuinfo), coretypeSet: coretypeSet) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // exec failed: go on with OpenBLAS's choice (slower, same results within this host).
        unsetenv("OPENBLAS_CORETYPE")
        #endif
    }
}
