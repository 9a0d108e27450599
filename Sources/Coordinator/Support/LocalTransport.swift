import Foundation

/// How the processes of a cluster on this host reach each other (`famol local`, a study's shared
/// cluster). By default an ipc:// socket in a directory only this user can open: the kernel's
/// file permissions admit only this user, so no encryption is needed, and a Unix socket copies
/// less than loopback TCP. With `tcp`, 127.0.0.1 with CURVE keys made for the run, since any
/// local user can reach a loopback port.
struct LocalTransport {
    let endpoint: String
    let keys: LocalClusterKeys?

    /// The longest socket path a sockaddr_un holds, less its terminating zero.
    static let maxSocketPath = 107

    /// Sets up the transport in `directory` (made with mode 0700, removed by the caller with the
    /// run). A socket path too long for a sockaddr_un falls back to TCP with CURVE.
    init(directory: String, workers: Int, tcp: Bool) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        chmod(directory, 0o700)
        let socket = directory + "/coordinator.sock"
        if !tcp && socket.utf8.count <= Self.maxSocketPath {
            endpoint = "ipc://" + socket
            keys = nil
        } else {
            endpoint = "tcp://127.0.0.1:\(try LocalWorkers.freePort())"
            keys = try LocalClusterKeys(directory: directory + "/keys", workers: workers)
        }
    }

    /// Flags for a `famol train|annotate` coordinator: the bind and, over TCP, its CURVE keys.
    var coordinatorArguments: [String] { ["--bind", endpoint] + (keys?.coordinatorArguments ?? []) }

    /// Flags for worker `index` (1-based) besides its endpoint: its CURVE keys over TCP.
    func workerArguments(_ index: Int) -> [String] { keys?.workerArguments(index) ?? [] }
}
