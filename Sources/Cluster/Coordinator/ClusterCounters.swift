import Foundation

/// The coordinator's counters and gauges, rendered as Prometheus text.
public final class ClusterCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var counters: [String: Double] = [:]
    private var gauges: [String: Double] = [:]

    public static let help: [String: String] = [
        "famol_workers_alive": "Workers currently alive.",
        "famol_steps_total": "Optimizer steps completed.",
        "famol_step_seconds": "Duration of the last step.",
        "famol_tasks_leased_total": "Gradient tasks leased to workers (including re-leases and duplicates).",
        "famol_tasks_requeued_total": "Leases returned to the queue after a death, a stall or a failure.",
        "famol_duplicate_results_total": "Results dropped because the task was already done or the lease was stale.",
        "famol_dropped_frames_total": "Inbound messages dropped, by reason.",
        "famol_heartbeat_misses_total": "Workers declared dead after missed heartbeats.",
        "famol_workers_refused_total": "Workers refused (numeric profile or run mismatch).",
    ]

    public init() {}

    public func add(_ name: String, _ value: Double = 1, label: String? = nil) {
        lock.lock()
        counters[key(name, label), default: 0] += value
        lock.unlock()
    }

    public func set(_ name: String, _ value: Double) {
        lock.lock()
        gauges[name] = value
        lock.unlock()
    }

    public func value(_ name: String, label: String? = nil) -> Double {
        lock.lock()
        defer { lock.unlock() }
        return counters[key(name, label)] ?? gauges[name] ?? 0
    }

    private func key(_ name: String, _ label: String?) -> String {
        label.map { "\(name){reason=\"\($0)\"}" } ?? name
    }

    /// Prometheus text exposition format 0.0.4.
    public func prometheusText() -> String {
        lock.lock()
        let c = counters, g = gauges
        lock.unlock()
        var out = ""
        var described = Set<String>()
        func describe(_ series: String, _ type: String) {
            let base = String(series.prefix { $0 != "{" })
            guard described.insert(base).inserted else { return }
            if let h = Self.help[base] { out += "# HELP \(base) \(h)\n" }
            out += "# TYPE \(base) \(type)\n"
        }
        for name in g.keys.sorted() { describe(name, "gauge"); out += "\(name) \(g[name]!)\n" }
        for name in c.keys.sorted() { describe(name, "counter"); out += "\(name) \(c[name]!)\n" }
        return out
    }
}
