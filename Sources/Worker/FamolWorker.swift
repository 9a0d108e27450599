import ArgumentParser
import Cluster
import ClusterAnnotation
import FamolLog
import Foundation
import Logging
import Ranking

/// famol-worker: connects to a coordinator and computes the tasks it leases.
@main
struct FamolWorker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "famol-worker",
        abstract: "Serve famol training tasks for a coordinator.",
        discussion: "Exit codes: 0 after the coordinator's Shutdown; 3 refused by the coordinator (numeric profile); 65 the run's data cannot be loaded or differs from the coordinator's; 70 other failures."
    )

    /// OpenBLAS's kernels first (this may run the program again, see BLASCore), then the command.
    static func main() {
        BLASCore.adoptBestForThisCPU()
        main(nil)
    }

    @Option(help: "Coordinator endpoint, e.g. tcp://10.0.0.5:5555 or ipc:///tmp/famol.sock.") var connect: String
    @Option(help: "Worker id (default: host name and process id).") var id: String?
    @Option(help: "Embedding batches held at once (a training step's shards come in one message; LLM calls in flight follow the job's --concurrency).") var credit = 2
    @Option(help: "Folder with this host's copies of the run's data files (looked up by file name).") var dataDir: String?
    @Option(help: "CURVE: the coordinator's public key file.") var curveServerKey: String?
    @Option(help: "CURVE: this worker's key pair file (from 'famol keys generate').") var curveKey: String?
    @Option(help: "Fault injection: crash-after=N, hang-after=N, delay-ms=M, corrupt-after=N (also FAMOL_FAULT).") var fault: String?
    @Option(help: "Largest message accepted, in MiB.") var maxMessageMb = 256
    @Option(help: "Touch this file on every heartbeat while in a run (for liveness probes).") var healthFile: String?
    @Option(help: "Annotation: this worker's store (SQLite), where every request is recorded before it is sent and every answer before it is returned.")
    var store: String?
    @Option(help: "Serve this worker's Prometheus metrics (its LLM requests, tokens, retries) on this port of 127.0.0.1 (0 picks one).")
    var metricsPort: Int?
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        logging.apply()
        FamolMetrics.bootstrap()
        tuneAllocatorForTraining()
        dieWithParentIfAsked()
        var settings = WorkerSettings(connect: connect, workerID: id ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())")
        settings.credit = max(1, credit)
        settings.dataDirectory = dataDir
        settings.healthFile = healthFile
        settings.storePath = store
        settings.jobKinds = WorkerJobKind.all
        settings.maxMessageBytes = Int64(maxMessageMb) << 20
        do {
            settings.faults = try FaultPlan(parsing: fault ?? ProcessInfo.processInfo.environment["FAMOL_FAULT"] ?? "")
        } catch {
            throw ValidationError("\(error)")
        }
        if curveServerKey != nil || curveKey != nil {
            guard let curveServerKey, let curveKey else { throw ValidationError("CURVE needs both --curve-server-key and --curve-key") }
            do {
                settings.curve = (try CurveKeyPair.read(curveServerKey, needSecret: false).publicKey,
                                  try CurveKeyPair.read(curveKey, needSecret: true))
            } catch let e as InputError {
                Logger(label: "famol-worker").error("\(e)")
                throw ExitCode(65)
            }
        }
        var logger = Logger(label: "famol-worker \(settings.workerID)")
        logger[metadataKey: "worker"] = "\(settings.workerID)"
        let metrics = try metricsPort.map { try MetricsServer(port: $0) { FamolMetrics.text() } }
        if let metrics { logger.info("metrics on http://127.0.0.1:\(metrics.port)/metrics") }
        defer { metrics?.stop() }
        let node = WorkerNode(settings: settings, logger: logger)
        switch try node.run() {
        case .shutdown(let reason):
            logger.info("shutdown (\(reason))")
        case .refused(let reason):
            logger.error("refused by the coordinator: \(reason)")
            throw ExitCode(3)
        case .failed(let reason):
            logger.error("\(reason)")
            throw ExitCode(65)
        }
    }
}
