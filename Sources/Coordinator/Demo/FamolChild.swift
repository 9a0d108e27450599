import Foundation

/// Runs this famol binary as a child that dies with its parent (FAMOL_DIE_WITH_PARENT) and
/// waits for it; output goes to `log` when given, else to ours. Returns its exit status, or
/// the signal that ended it (never 0 then).
func runFamolChild(_ arguments: [String], log: FileHandle? = nil) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    p.arguments = arguments
    if let log {
        p.standardOutput = log
        p.standardError = log
    }
    var env = ProcessInfo.processInfo.environment
    env["FAMOL_DIE_WITH_PARENT"] = "1"
    p.environment = env
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}
