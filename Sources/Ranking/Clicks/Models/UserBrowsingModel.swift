/// UBM (Dupret and Piwowarski 2008): examination depends on the rank and on the rank of the
/// previous click; with no click above, the "previous click" slot is the last rank
/// (positions - 1), as in PyClick. Fitted by EM.
public struct UserBrowsingModel: ClickModel {
    public var name: ClickModelName { .ubm }
    public var attractiveness: [Double] = [0.5]
    /// Row-major [rank][previous click rank].
    public var examination: [Double] = []
    var positions = 10

    public init() {}

    @inline(__always) func examIndex(_ r: Int, _ previous: Int) -> Int { r * positions + previous }

    /// The previous-click slot of every rank of a session.
    func previousClicks(_ s: ClickSessions.Session) -> [Int] {
        var out = [Int](repeating: positions - 1, count: s.count)
        var last = positions - 1
        for r in 0..<s.count {
            out[r] = last
            if s.clicks[r] { last = r }
        }
        return out
    }

    public mutating func fit(_ log: ClickSessions, iterations: Int) {
        positions = log.positions
        attractiveness = [Double](repeating: 0.5, count: log.pairCount + 1)
        examination = [Double](repeating: 0.5, count: positions * positions)
        let previous = log.sessions.map(previousClicks)
        for _ in 0..<iterations {
            var attr = ParameterTally(count: log.pairCount + 1)
            var exam = ParameterTally(count: positions * positions)
            for (s, prev) in zip(log.sessions, previous) {
                for r in 0..<s.count {
                    let j = examIndex(r, prev[r])
                    PositionBasedModel.expect(s.clicks[r], pair: s.pairs[r], slot: j, a: attractiveness[s.pairs[r]], e: examination[j],
                                              weight: s.weight, &attr, &exam)
                }
            }
            attractiveness = attr.values(capped: true)
            examination = exam.values(capped: true)
        }
    }

    func clickProbability(_ s: ClickSessions.Session, _ r: Int, previous: Int) -> Double {
        let pair = s.pairs[r]
        return (pair < attractiveness.count ? attractiveness[pair] : 0.5) * examination[examIndex(r, previous)]
    }

    /// P(C_r = 1) = sum over the rank j of the last click above r (or none) of
    /// P(C_j = 1) P(no click between j and r | j) P(C_r = 1 | j).
    public func fullClickProbabilities(_ s: ClickSessions.Session) -> [Double] {
        var p: [Double] = []
        for r in 0..<s.count {
            var total = 0.0
            for j in -1..<r {
                let slot = j < 0 ? positions - 1 : j
                var noClickBetween = 1.0
                for k in (j + 1)..<r { noClickBetween *= 1 - clickProbability(s, k, previous: slot) }
                total += (j < 0 ? 1 : p[j]) * noClickBetween * clickProbability(s, r, previous: slot)
            }
            p.append(total)
        }
        return p
    }

    public func conditionalClickProbabilities(_ s: ClickSessions.Session) -> [Double] {
        let prev = previousClicks(s)
        return (0..<s.count).map { r in
            let p = clickProbability(s, r, previous: prev[r])
            return s.clicks[r] ? p : 1 - p
        }
    }

    public func parameters(_ log: ClickSessions) -> ClickModelParameters {
        var p = ClickModelParameters(model: .ubm, positions: positions)
        p.examinationByPreviousClick = (0..<positions).map { r in Array(examination[(r * positions)..<((r + 1) * positions)]) }
        p.setAttractiveness(attractiveness, log)
        return p
    }
}
