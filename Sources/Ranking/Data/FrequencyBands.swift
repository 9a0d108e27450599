/// The three query-frequency bands of the study.
public enum Band: String, Sendable, CaseIterable, Codable, Comparable {
    case high, mid, low

    public static func < (a: Band, b: Band) -> Bool { a.order < b.order }
    var order: Int { switch self { case .high: 0; case .mid: 1; case .low: 2 } }
}

/// How queries are assigned to bands from their frequency.
public enum BandRule: Sendable, Equatable {
    /// `high` at or above `high`, `low` below `low`, `mid` between.
    case thresholds(high: Int, low: Int)
    /// Quantiles of queries ordered by frequency: the top `highShare` are high, the bottom
    /// `lowShare` low (default terciles).
    case quantiles(highShare: Double, lowShare: Double)
    /// Baidu-style bucket ids 0-9 given per query: 0-2 high, 3-6 mid, 7-9 low.
    case buckets

    public static let terciles = BandRule.quantiles(highShare: 1.0 / 3, lowShare: 1.0 / 3)
}

/// Query frequencies and their bands.
public struct FrequencyBands: Sendable, Equatable {
    public var frequency: [String: Int]
    public var band: [String: Band]

    /// Assigns bands; with `.buckets`, `values` are bucket ids rather than frequencies.
    public init(values: [String: Int], rule: BandRule = .terciles) {
        frequency = values
        band = [:]
        switch rule {
        case let .thresholds(high, low):
            for (q, f) in values { band[q] = f >= high ? .high : (f < low ? .low : .mid) }
        case let .quantiles(highShare, lowShare):
            // Deterministic order: frequency descending, then query id, as the sharder uses.
            let ordered = values.sorted { $0.value != $1.value ? $0.value > $1.value : naturalOrder($0.key, $1.key) }
            let n = ordered.count
            let highCount = Int((Double(n) * highShare).rounded())
            let lowCount = Int((Double(n) * lowShare).rounded())
            for (i, (q, _)) in ordered.enumerated() {
                band[q] = i < highCount ? .high : (i >= n - lowCount ? .low : .mid)
            }
        case .buckets:
            for (q, b) in values { band[q] = b <= 2 ? .high : (b <= 6 ? .mid : .low) }
        }
    }

    /// Reads `query frequency [band]` lines; without a band column bands come from `rule`.
    public static func read(_ path: String, rule: BandRule = .terciles) throws -> FrequencyBands {
        var values: [String: Int] = [:]
        var given: [String: Band] = [:]
        for (i, raw) in try readLines(path).enumerated() {
            let line = raw.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count == 2 || f.count == 3 else {
                throw InputError(file: path, line: i + 1, "expected 'query frequency [band]'")
            }
            guard let v = Int(f[1]), v >= 0 else {
                throw InputError(file: path, line: i + 1, field: "frequency", "'\(f[1])' is not a non-negative integer")
            }
            values[String(f[0])] = v
            if f.count == 3 {
                guard let b = Band(rawValue: String(f[2])) else {
                    throw InputError(file: path, line: i + 1, field: "band", "'\(f[2])' is not high, mid or low")
                }
                given[String(f[0])] = b
            }
        }
        if values.isEmpty { throw InputError(file: path, "no queries", hint: "the bands file is empty") }
        var bands = FrequencyBands(values: values, rule: rule)
        if !given.isEmpty {
            guard given.count == values.count else {
                throw InputError(file: path, field: "band", "some lines give a band and others do not")
            }
            bands.band = given
        }
        return bands
    }

    public func render() -> String {
        frequency.keys.sorted(by: naturalOrder).map { "\($0) \(frequency[$0]!) \(band[$0]!.rawValue)\n" }.joined()
    }
}
