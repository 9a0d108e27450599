import ArgumentParser
import Cluster
import Foundation
import Ranking

/// Options that distribute work over `famol-worker` processes (train and annotate).
struct ClusterOptions: ParsableArguments {
    @Option(help: "Serve workers on this ZeroMQ endpoint (e.g. tcp://*:5555 with --curve, or ipc://DIR/famol.sock in a directory of mode 0700); without it training runs in-process.")
    var bind: String?
    @Option(help: "Workers to wait for before the first step.") var minWorkers = 1
    @Flag(help: "CURVE: encrypt and admit only workers listed in --authorized-keys (needed for a tcp:// bind, loopback included).")
    var curve = false
    @Flag(help: "Allow a plain-text tcp:// bind that any process reaching the port can join (trusted networks and single-user hosts only).")
    var insecure = false
    @Option(help: "CURVE: the coordinator's key pair file (from 'famol keys generate').") var curveKey: String?
    @Option(help: "CURVE: file of admitted workers' public keys.") var authorizedKeys: String?
    @Option(help: "Serve Prometheus metrics on this port (0 picks one).") var metricsPort: Int?
    @Option(help: "Address the metrics server listens on.") var metricsHost = "127.0.0.1"
    @Option(help: "Heartbeat interval in milliseconds.") var heartbeatMs = 250
    @Option(help: "Heartbeats missed before a worker is dead (annotation: at least 10 s' worth, so that no call is paid twice for a slow worker).") var liveness = 8
    @Option(help: "Seconds a task may go without progress before it is re-leased.") var stallTimeout = 30.0
    @Option(help: "Copies of a slow task that may run at once (1 disables straggler re-issue).") var stragglerCopies = 2
    @Option(help: "Seconds without any live worker before the run fails.") var noWorkerTimeout = 120.0
    @Flag(help: "Accept workers whose numeric profile differs (results may then differ in the last bits).")
    var allowProfileMismatch = false
    @Option(help: "Largest inbound message in MiB (ZMQ_MAXMSGSIZE); larger ones close the sender's connection.")
    var maxMessageMb = 256

    func validate() throws {
        guard minWorkers >= 1, heartbeatMs >= 10, liveness >= 2, stallTimeout > 0 else {
            throw ValidationError("--min-workers >= 1, --heartbeat-ms >= 10, --liveness >= 2, --stall-timeout > 0")
        }
        if let bind, case .refused(let why) = BindPolicy.decide(endpoint: bind, curve: curve, insecure: insecure) {
            throw ValidationError(why)
        }
        if curve && (curveKey == nil || authorizedKeys == nil) {
            throw ValidationError("--curve needs --curve-key FILE and --authorized-keys FILE")
        }
    }

    func settings(bind: String) throws -> CoordinatorSettings {
        var s = CoordinatorSettings(bind: bind)
        s.minWorkers = minWorkers
        s.liveness = LivenessPolicy(heartbeatIntervalMS: heartbeatMs, liveness: liveness)
        s.straggler.stallTimeoutSeconds = stallTimeout
        s.straggler.maxCopies = max(1, stragglerCopies)
        s.noWorkerTimeoutSeconds = noWorkerTimeout
        s.deterministic = !allowProfileMismatch
        s.maxMessageBytes = Int64(max(1, maxMessageMb)) << 20
        if curve, let curveKey, let authorizedKeys {
            s.curve = (try CurveKeyPair.read(curveKey, needSecret: true), try CurveKeyPair.readAuthorized(authorizedKeys))
        }
        return s
    }
}

/// Checkpoint and resume options of `famol train`.
struct CheckpointOptions: ParsableArguments {
    @Option(help: "Write a checkpoint to --out every K steps (0: only at SIGTERM).") var checkpointEvery = 0
    @Option(help: "Resume from the checkpoint in this directory (an earlier run's --out).") var resume: String?
    @Flag(help: "Resume from --out's checkpoint when there is one, else start afresh (for restarted pods and services).")
    var autoResume = false

    func validate() throws {
        guard checkpointEvery >= 0 else { throw ValidationError("--checkpoint-every must be >= 0") }
    }
}
