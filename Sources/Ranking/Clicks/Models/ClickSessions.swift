/// A click log in the form click models fit and score: each (query, document) pair interned
/// to an index, lists cut to `positions` ranks, and identical sessions (same query, same
/// list, same clicks) merged into one with a weight. Real logs repeat a SERP thousands of
/// times (the bundled Yandex sample: 35,064 sessions, far fewer distinct), so EM runs over
/// the distinct ones.
public struct ClickSessions: Sendable {
    /// One distinct session.
    public struct Session: Sendable, Hashable {
        /// Pair index per rank; `ClickSessions.unseenPair` for a pair the fit never saw.
        public var pairs: [Int]
        public var clicks: [Bool]
        /// How many impressions this session stands for.
        public var weight: Double = 1

        public var count: Int { pairs.count }
        /// Rank of the last click, or `count` without a click (PyClick's convention).
        public var lastClick: Int { clicks.lastIndex(of: true) ?? count }
        /// Rank of the first click, or `count` without a click.
        public var firstClick: Int { clicks.firstIndex(of: true) ?? count }

        public static func == (a: Session, b: Session) -> Bool { a.pairs == b.pairs && a.clicks == b.clicks }
        public func hash(into h: inout Hasher) { h.combine(pairs); h.combine(clicks) }
    }

    public private(set) var sessions: [Session] = []
    /// Impressions read (the sum of the weights).
    public private(set) var impressions = 0
    public let positions: Int
    /// "query\tdocument" -> pair index, fixed by the log the model is fitted on.
    public private(set) var pairIndex: [String: Int]

    /// Pairs the fit knows; a model keeps one more slot, at this index, for unseen pairs.
    public var pairCount: Int { pairIndex.count }
    public var unseenPair: Int { pairIndex.count }

    /// Interns the pairs of a training log.
    public init(training impressions: [Impression], positions: Int = 10) {
        self.positions = positions
        pairIndex = [:]
        for imp in impressions {
            for doc in imp.shown.prefix(positions) where pairIndex[Self.key(imp.query, doc)] == nil {
                pairIndex[Self.key(imp.query, doc)] = pairIndex.count
            }
        }
        add(impressions)
    }

    /// A held-out log encoded with this log's pairs: pairs it never saw map to `unseenPair`,
    /// whose parameters stay at the prior, as PyClick's default parameters do.
    public func encoding(_ impressions: [Impression]) -> ClickSessions {
        var other = self
        other.sessions = []
        other.impressions = 0
        other.add(impressions)
        return other
    }

    private mutating func add(_ impressions: [Impression]) {
        var slot: [Session: Int] = [:]
        for imp in impressions {
            let shown = imp.shown.prefix(positions)
            guard !shown.isEmpty else { continue }
            let clicked = Set(imp.clicked)
            let s = Session(pairs: shown.map { pairIndex[Self.key(imp.query, $0)] ?? unseenPair },
                            clicks: shown.map { clicked.contains($0) })
            if let i = slot[s] { sessions[i].weight += 1 } else { slot[s] = sessions.count; sessions.append(s) }
            self.impressions += 1
        }
    }

    static func key(_ query: String, _ doc: String) -> String { query + "\t" + doc }

    /// (query, document) of every pair index, for writing parameters out.
    public func pairNames() -> [(query: String, document: String)] {
        var names = [(query: String, document: String)](repeating: ("", ""), count: pairCount)
        for (key, i) in pairIndex {
            let tab = key.firstIndex(of: "\t")!
            names[i] = (String(key[..<tab]), String(key[key.index(after: tab)...]))
        }
        return names
    }
}

/// Expected counts of one family of parameters, with PyClick's prior: every parameter starts
/// at numerator 1 and denominator 2 (value 0.5), which is also the value of a parameter no
/// training session touches.
struct ParameterTally {
    var numerator: [Double]
    var denominator: [Double]

    init(count: Int) {
        numerator = [Double](repeating: 1, count: count)
        denominator = [Double](repeating: 2, count: count)
    }

    mutating func add(_ i: Int, _ num: Double, _ den: Double) {
        numerator[i] += num
        denominator[i] += den
    }

    /// EM parameters are kept below 1 - 1e-6 so that no probability of a skip reaches 0.
    func values(capped: Bool) -> [Double] {
        zip(numerator, denominator).map { n, d in capped ? min(n / d, 1 - ClickModelConstants.probabilityFloor) : n / d }
    }
}

enum ClickModelConstants {
    /// PyClick's PROB_MIN: the cap distance of EM parameters from 1, and the cascade model's
    /// probability of anything after its first click.
    static let probabilityFloor = 1e-6
}
