/// When a peer counts as dead: `liveness` heartbeat intervals without a message.
public struct LivenessPolicy: Sendable, Equatable, Codable {
    public var heartbeatIntervalMS: Int = 250
    public var liveness: Int = 8

    public init(heartbeatIntervalMS: Int = 250, liveness: Int = 8) {
        self.heartbeatIntervalMS = heartbeatIntervalMS
        self.liveness = liveness
    }

    public var deadAfterSeconds: Double { Double(heartbeatIntervalMS * liveness) / 1000 }
}

/// When a leased task is re-issued although its worker is alive.
public struct StragglerPolicy: Sendable, Equatable, Codable {
    /// A lease whose progress has not moved for this long is re-leased: a live socket thread
    /// can hide a hung compute thread.
    public var stallTimeoutSeconds: Double = 30
    /// When no task is waiting, idle workers duplicate leases older than this many times the
    /// median task time of the run (and at least `minimumAgeSeconds`); the first result wins.
    public var duplicateAfterMedians: Double = 3
    public var minimumAgeSeconds: Double = 0.05
    public var maxCopies: Int = 2

    public init() {}
}
