import Foundation
import Metrics
import Prometheus

/// famol's metrics registry: every library records through swift-metrics (counters, gauges,
/// timers as Prometheus histograms) and `MetricsServer` serves the registry as Prometheus text.
public enum FamolMetrics {
    public static let registry = PrometheusCollectorRegistry()

    /// Installs the Prometheus backend (once per process; before it, metrics are no-ops).
    public static func bootstrap() { installed }

    private static let installed: Void = {
        var factory = PrometheusMetricsFactory(registry: registry)
        // From a gradient step (milliseconds) to an LLM request (up to minutes).
        factory.defaultDurationHistogramBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
            .map { Duration.milliseconds(Int64($0 * 1000)) }
        MetricsSystem.bootstrap(factory)
    }()

    /// The Prometheus text exposition of everything recorded.
    public static func text() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// The coordinator's counters, gauges and timers, recorded through swift-metrics. Handles are
/// made once per series: `add` runs for every task leased, on the step path.
public final class ClusterCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var counters: [String: Metrics.Counter] = [:]
    private var gauges: [String: Metrics.Gauge] = [:]
    private var timers: [String: Metrics.Timer] = [:]

    public init() {}

    public func add(_ name: String, _ value: Double = 1, label: String? = nil) {
        lock.lock()
        let key = label.map { "\(name){reason=\"\($0)\"}" } ?? name
        let counter = counters[key] ?? Metrics.Counter(label: name, dimensions: label.map { [("reason", $0)] } ?? [])
        counters[key] = counter
        lock.unlock()
        counter.increment(by: Int64(value))
    }

    public func set(_ name: String, _ value: Double) {
        lock.lock()
        let gauge = gauges[name] ?? Metrics.Gauge(label: name)
        gauges[name] = gauge
        lock.unlock()
        gauge.record(value)
    }

    /// Records a duration in the histogram `name` (seconds).
    public func time(_ name: String, seconds: Double) {
        lock.lock()
        let timer = timers[name] ?? Metrics.Timer(label: name)
        timers[name] = timer
        lock.unlock()
        timer.recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    /// Prometheus text exposition format 0.0.4.
    public func prometheusText() -> String { FamolMetrics.text() }
}
