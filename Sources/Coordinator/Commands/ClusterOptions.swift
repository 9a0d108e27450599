import ArgumentParser
import Cluster
import Foundation
import Ranking

/// The flags of `ClusterSettings` (train, annotate and serve): each is a `cluster.*` setting,
/// whose table gives its help line and checks its value as it checks the config key.
struct ClusterOptions: ParsableArguments {
    @Option(help: help("cluster.bind")) var bind: String?
    @Option(help: help("cluster.min_workers")) var minWorkers: String?
    @Flag(help: help("cluster.curve")) var curve = false
    @Flag(help: help("cluster.insecure")) var insecure = false
    @Option(help: help("cluster.curve_key")) var curveKey: String?
    @Option(help: help("cluster.authorized_keys")) var authorizedKeys: String?
    @Option(help: help("cluster.metrics_port")) var metricsPort: String?
    @Option(help: help("cluster.metrics_host")) var metricsHost: String?
    @Option(help: help("cluster.heartbeat_ms")) var heartbeatMs: String?
    @Option(help: help("cluster.liveness")) var liveness: String?
    @Option(help: help("cluster.stall_timeout")) var stallTimeout: String?
    @Option(help: help("cluster.straggler_copies")) var stragglerCopies: String?
    @Option(help: help("cluster.no_worker_timeout")) var noWorkerTimeout: String?
    @Flag(help: help("cluster.allow_profile_mismatch")) var allowProfileMismatch = false
    @Option(help: help("cluster.max_message_mb")) var maxMessageMb: String?

    private static func help(_ key: String) -> ArgumentHelp {
        ArgumentHelp(ClusterSettings.table.flagHelp(key, defaults: ClusterSettings()))
    }

    /// Each flag with its key (nil: not given).
    var given: [(key: String, text: String?)] {
        [
            ("cluster.bind", bind), ("cluster.min_workers", minWorkers), ("cluster.curve", curve ? "true" : nil),
            ("cluster.insecure", insecure ? "true" : nil), ("cluster.curve_key", curveKey), ("cluster.authorized_keys", authorizedKeys),
            ("cluster.metrics_port", metricsPort), ("cluster.metrics_host", metricsHost), ("cluster.heartbeat_ms", heartbeatMs),
            ("cluster.liveness", liveness), ("cluster.stall_timeout", stallTimeout), ("cluster.straggler_copies", stragglerCopies),
            ("cluster.no_worker_timeout", noWorkerTimeout), ("cluster.allow_profile_mismatch", allowProfileMismatch ? "true" : nil),
            ("cluster.max_message_mb", maxMessageMb),
        ]
    }

    /// The flags given over `settings` (defaults, or what a config file set), checked.
    func resolved(over settings: ClusterSettings = ClusterSettings()) throws -> ClusterSettings {
        var s = settings
        try ClusterSettings.table.applyCommandLine(given, to: &s)
        return try s.checked()
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
