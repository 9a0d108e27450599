import Foundation

/// The fault-injection seam of a worker: failures on purpose, for tests and drills.
///
/// Spelled as comma-separated `name=value` pairs, from `--fault` or `FAMOL_FAULT`:
/// - `crash-after=N`: exit abruptly (no Goodbye) when starting task N+1, mid-step.
/// - `hang-after=N`: the compute thread hangs on task N+1 while heartbeats go on.
/// - `delay-ms=M`: every task takes M ms longer (a straggler).
/// - `corrupt-after=N`: from task N+1 on, results carry a bad checksum.
public struct FaultPlan: Sendable, Equatable {
    public var crashAfter: Int?
    public var hangAfter: Int?
    public var delayMS: Int = 0
    public var corruptAfter: Int?

    public init() {}

    public init(parsing text: String) throws {
        for part in text.split(separator: ",") where !part.isEmpty {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, let n = Int(kv[1]), n >= 0 else {
                throw FaultPlanError(text: String(part))
            }
            switch kv[0] {
            case "crash-after": crashAfter = n
            case "hang-after": hangAfter = n
            case "delay-ms": delayMS = n
            case "corrupt-after": corruptAfter = n
            default: throw FaultPlanError(text: String(part))
            }
        }
    }

    public var isEmpty: Bool { self == FaultPlan() }

    public struct FaultPlanError: Error, CustomStringConvertible {
        public var text: String
        public var description: String {
            "unknown fault '\(text)': use crash-after=N, hang-after=N, delay-ms=M or corrupt-after=N"
        }
    }
}
