/// The durations of the last `capacity` finished tasks and their median, which the straggler
/// policy reads at every dispatch: kept sorted lazily, once per change, not once per read.
struct RecentDurations {
    let capacity: Int
    private var ring: [Double] = []
    private var next = 0
    private var cachedMedian: Double?

    init(capacity: Int = 200) { self.capacity = capacity }

    mutating func append(_ seconds: Double) {
        if ring.count < capacity { ring.append(seconds) } else { ring[next] = seconds }
        next = (next + 1) % capacity
        cachedMedian = nil
    }

    mutating func removeAll() {
        ring.removeAll()
        next = 0
        cachedMedian = nil
    }

    /// The upper median; 0 before any task finished.
    mutating func median() -> Double {
        if let cachedMedian { return cachedMedian }
        let sorted = ring.sorted()
        let m = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        cachedMedian = m
        return m
    }
}
