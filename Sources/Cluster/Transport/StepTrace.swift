import Foundation

/// Timestamps through a training step's path, for `bench/step_trace.py`: with FAMOL_STEP_TRACE
/// set, each mark prints `TRACE <monotonic microseconds> <pid> <event>` to stderr. Off, a mark
/// costs one branch.
enum StepTrace {
    static let enabled = ProcessInfo.processInfo.environment["FAMOL_STEP_TRACE"] != nil

    static func mark(_ event: @autoclosure () -> String) {
        guard enabled else { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let micros = Int(now.tv_sec) * 1_000_000 + Int(now.tv_nsec) / 1000
        FileHandle.standardError.write(Data("TRACE \(micros) \(getpid()) \(event())\n".utf8))
    }
}
