import ArgumentParser
import Foundation

/// famol-worker processes on this host, for `famol local` and the studies' shared cluster.
enum LocalWorkers {
    /// The famol-worker binary beside this famol.
    static func executable() throws -> URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let worker = exe.deletingLastPathComponent().appendingPathComponent("famol-worker")
        guard FileManager.default.isExecutableFile(atPath: worker.path) else {
            printError("error: \(worker.path) not found: build it with 'swift build --product famol-worker'")
            throw ExitStatus.internalFailure
        }
        return worker
    }

    /// Starts `count` workers connecting to `endpoint` (`faults`: 1-based index -> spec); they
    /// die with this process.
    static func launch(_ executable: URL, count: Int, endpoint: String, faults: [Int: String] = [:], log: FileHandle? = nil,
                       extra: (Int) -> [String] = { _ in [] }) throws -> [Process] {
        try (1...count).map { i in try launchDyingWithParent(executable, arguments(i, endpoint: endpoint, fault: faults[i]) + extra(i), log: log) }
    }

    /// The arguments of worker `index` (1-based).
    static func arguments(_ index: Int, endpoint: String, fault: String? = nil) -> [String] {
        ["--connect", endpoint, "--id", "local-\(index)"] + (fault.map { ["--fault", $0] } ?? [])
    }

    /// SIGTERM, then SIGKILL for any that linger.
    static func stop(_ processes: [Process]) {
        for p in processes where p.isRunning { p.terminate() }
        let deadline = Date(timeIntervalSinceNow: 3)
        while processes.contains(where: \.isRunning) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        for p in processes where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        for p in processes { p.waitUntilExit() }
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw ValidationError("no free TCP port on 127.0.0.1; use --ipc") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
