import Foundation

/// Starts `executable` as a child that dies with its parent (FAMOL_DIE_WITH_PARENT); output
/// goes to `log` when given, else to ours.
func launchDyingWithParent(_ executable: URL, _ arguments: [String], log: FileHandle? = nil) throws -> Process {
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    if let log {
        p.standardOutput = log
        p.standardError = log
    }
    var env = ProcessInfo.processInfo.environment
    env["FAMOL_DIE_WITH_PARENT"] = "1"
    p.environment = env
    try p.run()
    return p
}

/// Runs this famol binary as such a child and waits for it. Returns its exit status, or the
/// signal that ended it (never 0 then).
func runFamolChild(_ arguments: [String], log: FileHandle? = nil) throws -> Int32 {
    let p = try launchDyingWithParent(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(), arguments, log: log)
    p.waitUntilExit()
    return p.terminationStatus
}
