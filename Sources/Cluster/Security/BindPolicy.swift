import Foundation

/// Whether a coordinator may bind an endpoint without CURVE. Any local user can connect to a
/// loopback port, so a TCP bind, loopback included, needs CURVE (or an explicit --insecure);
/// an ipc:// socket is private when its directory is this user's and closed to everyone else.
public enum BindPolicy {
    public enum Decision: Equatable, Sendable {
        case allowed
        case refused(String)
    }

    public static func decide(endpoint: String, curve: Bool, insecure: Bool,
                              directoryMode: (String) -> (mode: mode_t, owner: uid_t)? = Self.directoryInfo) -> Decision {
        if curve || insecure || endpoint.hasPrefix("inproc://") { return .allowed }
        if endpoint.hasPrefix("ipc://") {
            let path = String(endpoint.dropFirst("ipc://".count))
            let directory = (path as NSString).deletingLastPathComponent
            guard let info = directoryMode(directory.isEmpty ? "." : directory) else {
                return .refused("--bind \(endpoint): the directory '\(directory)' does not exist; create it with mode 0700")
            }
            guard info.owner == getuid(), info.mode & 0o077 == 0 else {
                return .refused("--bind \(endpoint): other users can open '\(directory)' (mode \(String(info.mode & 0o7777, radix: 8))), so any of them could join as a worker; put the socket in a directory of mode 0700 (mkdir -m 700), or add --curve")
            }
            return .allowed
        }
        return .refused("--bind \(endpoint) admits any process that can reach the port, other users' included (loopback too): add --curve with --curve-key and --authorized-keys ('famol keys generate'), use ipc:// in a directory of mode 0700, or --insecure on a trusted network")
    }

    /// A directory's mode and owner; nil when it is not a directory.
    public static func directoryInfo(_ path: String) -> (mode: mode_t, owner: uid_t)? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return nil }
        return (info.st_mode, info.st_uid)
    }
}
