import ArgumentParser
import Cluster
import FamolConfig
import Foundation

/// How `famol train`, `annotate` and `serve` run their coordinator: the worker endpoint and its
/// security, the failure policies and the metrics port. Each is a `cluster.*` config key and a
/// flag (flags override the file).
struct ClusterSettings {
    var bind: String? = nil
    var minWorkers = 1
    var curve = false
    var insecure = false
    var curveKey: String? = nil
    var authorizedKeys: String? = nil
    var metricsPort: Int? = nil
    var metricsHost = "127.0.0.1"
    var heartbeatMs = 250
    var liveness = 8
    var stallTimeout = 30.0
    var stragglerCopies = 2
    var noWorkerTimeout = 120.0
    var allowProfileMismatch = false
    var maxMessageMb = 256

    static var settings: [Setting<ClusterSettings>] {
        [
            Setting("cluster.bind", "serve workers on this ZeroMQ endpoint (e.g. tcp://*:5555 with --curve, or ipc://DIR/famol.sock in a directory of mode 0700); without it training and annotation run in-process",
                    \.bind) { try $0.string() },
            Setting("cluster.min_workers", "workers to wait for before the first step or task", \.minWorkers) { try $0.int(min: 1) },
            Setting("cluster.curve", "CURVE: encrypt and admit only the keys listed in --authorized-keys (needed for a tcp:// bind, loopback included)",
                    \.curve) { try $0.bool() },
            Setting("cluster.insecure", "allow a plain-text tcp:// bind that any process reaching the port can join (trusted networks and single-user hosts only)",
                    \.insecure) { try $0.bool() },
            Setting("cluster.curve_key", "CURVE: the coordinator's key pair file (from 'famol keys generate')", \.curveKey) { try $0.string() },
            Setting("cluster.authorized_keys", "CURVE: file of the admitted workers' (and submitting clients') public keys", \.authorizedKeys) {
                try $0.string()
            },
            Setting("cluster.metrics_port", "serve Prometheus metrics on this port (0 picks one)", \.metricsPort) { try $0.int(min: 0) },
            Setting("cluster.metrics_host", "address the metrics server listens on", \.metricsHost) { try $0.string() },
            Setting("cluster.heartbeat_ms", "heartbeat interval in milliseconds", \.heartbeatMs) { try $0.int(min: 10) },
            Setting("cluster.liveness", "heartbeats missed before a worker is dead (annotation: at least 10 s' worth, so that no call is paid twice for a slow worker)",
                    \.liveness) { try $0.int(min: 2) },
            Setting("cluster.stall_timeout", "seconds a task may go without progress before it is re-leased", \.stallTimeout) {
                try $0.double(in: 0.001...86_400)
            },
            Setting("cluster.straggler_copies", "copies of a slow task that may run at once (1 disables straggler re-issue)", \.stragglerCopies) {
                try $0.int(min: 1)
            },
            Setting("cluster.no_worker_timeout", "seconds without any live worker before the run fails", \.noWorkerTimeout) {
                try $0.double(in: 0.001...86_400)
            },
            Setting("cluster.allow_profile_mismatch", "accept workers whose numeric profile differs (results may then differ in the last bits)",
                    \.allowProfileMismatch) { try $0.bool() },
            Setting("cluster.max_message_mb", "largest inbound message in MiB (ZMQ_MAXMSGSIZE); larger ones close the sender's connection",
                    \.maxMessageMb) { try $0.int(min: 1) },
        ]
    }

    static var table: SettingsTable<ClusterSettings> { SettingsTable(command: "cluster", settings) }

    /// The checks across settings, once file and flags are merged.
    func checked() throws -> ClusterSettings {
        if let bind, case .refused(let why) = BindPolicy.decide(endpoint: bind, curve: curve, insecure: insecure) {
            throw ValidationError(why)
        }
        if curve && (curveKey == nil || authorizedKeys == nil) {
            throw ValidationError("--curve (cluster.curve) needs --curve-key FILE and --authorized-keys FILE")
        }
        return self
    }

    /// The coordinator's settings for workers on `bind`.
    func coordinatorSettings(bind: String) throws -> CoordinatorSettings {
        var s = CoordinatorSettings(bind: bind)
        s.minWorkers = minWorkers
        s.liveness = LivenessPolicy(heartbeatIntervalMS: heartbeatMs, liveness: liveness)
        s.straggler.stallTimeoutSeconds = stallTimeout
        s.straggler.maxCopies = stragglerCopies
        s.noWorkerTimeoutSeconds = noWorkerTimeout
        s.deterministic = !allowProfileMismatch
        s.maxMessageBytes = Int64(maxMessageMb) << 20
        if curve, let curveKey, let authorizedKeys {
            s.curve = (try CurveKeyPair.read(curveKey, needSecret: true), try CurveKeyPair.readAuthorized(authorizedKeys))
        }
        return s
    }
}
