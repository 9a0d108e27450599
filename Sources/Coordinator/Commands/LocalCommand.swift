import ArgumentParser
import FamolLog
import Foundation
import Logging

/// `famol local --workers N train ...`: a single-host cluster in one command.
struct LocalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local",
        abstract: "Run a famol command (train, annotate) on a local cluster: the coordinator plus N famol-worker processes on this host.",
        discussion: "Example: famol local --workers 2 train --train a.svm --valid b.svm --out run. The cluster is torn down when the coordinator exits, on Ctrl-C or SIGTERM (the coordinator checkpoints first), or if the coordinator crashes. A worker that dies is reported; the run goes on with the others."
    )

    @Option(help: "Worker processes.") var workers = 2
    @Flag(help: "Connect over TCP on 127.0.0.1, with CURVE keys made for the run, instead of a Unix socket in a directory only you can open.")
    var tcp = false
    /// The default since the Unix socket became it; kept so that scripts passing it still run.
    @Flag(help: .private) var ipc = false
    @Option(help: "Fault injection for one worker, 'INDEX:SPEC' (1-based), e.g. 2:crash-after=5; repeatable.")
    var workerFault: [String] = []
    @Argument(parsing: .captureForPassthrough, help: "The command to distribute (train) and its arguments.")
    var command: [String] = []

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard command.first == "train" || command.first == "annotate" else {
            throw ValidationError("famol local runs 'train ...' or 'annotate --judge openai ...' on the cluster")
        }
        if command.contains("--bind") { throw ValidationError("famol local chooses the endpoint; drop --bind") }
        if command.contains("--curve") { throw ValidationError("famol local makes its own CURVE keys; drop --curve") }
    }

    func run() throws {
        // The command's --log-level and --log-format reach the workers through the environment.
        LogSettings.set(level: Self.value(of: "--log-level", in: command).flatMap(Logger.Level.init(rawValue:)),
                        format: Self.value(of: "--log-format", in: command).flatMap(LogFormat.init(rawValue:)))
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let workerExe = try LocalWorkers.executable()
        // Only this user can open the scratch directory: its ipc socket and its keys are ours.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("famol-local-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: scratch) }
        let transport = try LocalTransport(directory: scratch.path, workers: workers, tcp: tcp)
        var faults: [Int: String] = [:]
        for f in workerFault {
            let parts = f.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let i = Int(parts[0]), (1...workers).contains(i) else {
                throw ValidationError("--worker-fault '\(f)': expected INDEX:SPEC with INDEX in 1...\(workers)")
            }
            faults[i] = String(parts[1])
        }
        let coordinator = try launchDyingWithParent(exe, command + transport.coordinatorArguments + ["--min-workers", String(workers)])
        // Annotation: each worker keeps its own store in the run directory, where the next run's
        // coordinator finds every request it sent and every answer it got.
        var storeDir: String? = nil
        if command.first == "annotate", let out = Self.value(of: "--out", in: command) {
            storeDir = out + "/workers"
            try FileManager.default.createDirectory(atPath: storeDir!, withIntermediateDirectories: true)
        }
        let children = try LocalWorkers.launch(workerExe, count: workers, endpoint: transport.endpoint, faults: faults) { i in
            (storeDir.map { ["--store", $0 + "/local-\(i).sqlite"] } ?? []) + transport.workerArguments(i)
        }
        Termination.install()
        var forwarded = false
        var reported = Set<Int>()
        while coordinator.isRunning {
            if Termination.requested != 0 && !forwarded {
                coordinator.terminate()  // SIGTERM: it checkpoints and exits
                forwarded = true
            }
            for (i, w) in children.enumerated() where !w.isRunning && !reported.contains(i) {
                reported.insert(i)
                if w.terminationStatus != 0 { printError("famol local: worker \(i + 1) exited with status \(w.terminationStatus)") }
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        LocalWorkers.stop(children)
        let status = coordinator.terminationStatus
        if coordinator.terminationReason == .uncaughtSignal {
            // Killed (SIGKILL, out of memory): what its workers stored is kept for the next run.
            printError("famol local: the coordinator was killed by signal \(status); workers stopped (rerun the same command to continue)")
            throw ExitStatus.clusterUnavailable
        }
        if status != 0 {
            printError("famol local: coordinator exited with status \(status); workers stopped")
            throw ExitCode(status)
        }
    }

    /// The value of `--name VALUE` or `--name=VALUE` in passthrough arguments.
    static func value(of name: String, in args: [String]) -> String? {
        for (i, a) in args.enumerated() {
            if a == name, i + 1 < args.count { return args[i + 1] }
            if a.hasPrefix(name + "=") { return String(a.dropFirst(name.count + 1)) }
        }
        return nil
    }
}
