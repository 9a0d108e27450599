import Cluster
import Foundation
import Ranking

/// Ephemeral CURVE keys for a cluster on this host (`famol local`, a study's shared cluster):
/// on a shared machine any local user can reach a loopback port, so the coordinator admits only
/// the workers it started. The keys live in a directory only this user can open, and die with
/// the run.
struct LocalClusterKeys {
    let directory: String
    let server: CurveKeyPair
    let workers: [CurveKeyPair]

    /// Makes a key pair for the coordinator and for each of `count` workers in `directory`.
    init(directory: String, workers count: Int) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        chmod(directory, 0o700)
        self.directory = directory
        server = try CurveKeyPair.generate()
        workers = try (0..<count).map { _ in try CurveKeyPair.generate() }
        try server.write(prefix: directory + "/coordinator")
        for (i, w) in workers.enumerated() { try w.write(prefix: directory + "/worker-\(i + 1)") }
        try AtomicFile.write(workers.map { "public-key = \($0.publicKey)\n" }.joined(), to: directory + "/authorized.pub")
    }

    /// The coordinator's CURVE setting: its key pair and the workers admitted.
    var coordinatorCurve: (server: CurveKeyPair, authorized: Set<String>) { (server, Set(workers.map(\.publicKey))) }

    /// Flags for a `famol train|annotate --bind` coordinator.
    var coordinatorArguments: [String] {
        ["--curve", "--curve-key", directory + "/coordinator.key", "--authorized-keys", directory + "/authorized.pub"]
    }

    /// Flags for worker `index` (1-based).
    func workerArguments(_ index: Int) -> [String] {
        ["--curve-server-key", directory + "/coordinator.pub", "--curve-key", directory + "/worker-\(index).key"]
    }
}
