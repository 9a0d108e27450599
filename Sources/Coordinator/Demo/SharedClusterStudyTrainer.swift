import Cluster
import FamolLog
import Foundation
import Ranking

/// Trains every model of a study on one local cluster: a coordinator in this process and N
/// famol-worker processes that stay connected from the first model to the last, each model
/// a job handed to them in a new Welcome. The models are the in-process ones, bit for bit.
final class SharedClusterStudyTrainer: StudyTrainer, @unchecked Sendable {
    let workers: Int
    private let lock = NSLock()
    private let logFile: FileHandle
    private let endpoint: String
    /// A socket (or CURVE keys) in a directory only this user can open: no other user's process
    /// can join.
    private let transport: LocalTransport
    private var processes: [Process] = []
    private var coordinator: ClusterCoordinator?
    private(set) var jobs = 0
    private var pool: PoolStudyTrainer!

    /// Starts the workers; they say Hello until the first job's coordinator answers.
    init(workers: Int, logPath: String) throws {
        self.workers = workers
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: logPath).deletingLastPathComponent().path,
                                                withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        logFile = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        transport = try LocalTransport(directory: Self.scratchDirectory, workers: workers, tcp: false)
        endpoint = transport.endpoint
        let transport = transport
        processes = try LocalWorkers.launch(try LocalWorkers.executable(), count: workers, endpoint: endpoint, log: logFile) { transport.workerArguments($0) }
        pool = PoolStudyTrainer { [unowned self] job, hash, trainer in try self.handover(job, datasetHash: hash, trainer: trainer) }
    }

    static var scratchDirectory: String { FileManager.default.temporaryDirectory.path + "/famol-study-\(getpid())" }

    /// The process ids of the workers (for tests that count them).
    var workerPIDs: [Int32] { processes.map(\.processIdentifier) }

    func train(_ spec: TrainingSpec, directory: String) throws -> StudyModel {
        try pool.train(spec, directory: directory)
    }

    /// The next training on this cluster: dead workers replaced, the coordinator started with
    /// the first job and handed each later one.
    private func handover(_ job: ClusterJob, datasetHash: String, trainer: Trainer) throws -> ClusterCoordinator {
        lock.lock()
        defer { lock.unlock() }
        try replaceDeadWorkers()
        let c: ClusterCoordinator
        if let existing = coordinator {
            try existing.switchJob(job, datasetHash: datasetHash, trainer: trainer)
            c = existing
        } else {
            var settings = CoordinatorSettings(bind: endpoint)
            settings.minWorkers = workers
            settings.curve = transport.keys?.coordinatorCurve
            c = ClusterCoordinator(settings: settings, job: job, datasetHash: datasetHash, trainer: trainer,
                                   logger: FamolLogHandler.logger(label: "famol study cluster", output: logFile))
            try c.start()
            coordinator = c
        }
        // The first job waits for the whole pool; later ones start with whoever is ready (the
        // others join when they are: any number of workers computes the same model).
        try c.waitForWorkers(jobs == 0 ? workers : 1)
        jobs += 1
        return c
    }

    /// A worker that died (killed, out of memory) is started again under its id before the
    /// next job; the job it was in finished on the others.
    private func replaceDeadWorkers() throws {
        for (i, p) in processes.enumerated() where !p.isRunning {
            logFile.write(Data("famol study cluster: worker local-\(i + 1) exited (status \(p.terminationStatus)); starting it again\n".utf8))
            processes[i] = try launchDyingWithParent(try LocalWorkers.executable(),
                                                     LocalWorkers.arguments(i + 1, endpoint: endpoint) + transport.workerArguments(i + 1), log: logFile)
        }
    }

    /// Stops the coordinator (its Shutdown ends the workers) and reaps the workers.
    func close() {
        lock.lock()
        defer { lock.unlock() }
        coordinator?.stop(reason: "study finished")
        coordinator = nil
        LocalWorkers.stop(processes)
        try? FileManager.default.removeItem(atPath: Self.scratchDirectory)
        try? logFile.close()
    }

    deinit { if coordinator != nil || processes.contains(where: \.isRunning) { close() } }
}
