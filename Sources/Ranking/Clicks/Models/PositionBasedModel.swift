/// PBM: a click happens when the user examines rank r (probability e_r) and the document
/// attracts (a_qd), independently. Fitted by EM (Chuklin, Markov and de Rijke 2015, 4.3).
public struct PositionBasedModel: ClickModel {
    public var name: ClickModelName { .pbm }
    public var attractiveness: [Double] = [0.5]
    public var examination: [Double] = []

    public init() {}

    public mutating func fit(_ log: ClickSessions, iterations: Int) {
        attractiveness = [Double](repeating: 0.5, count: log.pairCount + 1)
        examination = [Double](repeating: 0.5, count: log.positions)
        for _ in 0..<iterations {
            var attr = ParameterTally(count: log.pairCount + 1)
            var exam = ParameterTally(count: log.positions)
            for s in log.sessions {
                for r in 0..<s.count {
                    Self.expect(s.clicks[r], pair: s.pairs[r], slot: r, a: attractiveness[s.pairs[r]], e: examination[r],
                                weight: s.weight, &attr, &exam)
                }
            }
            attractiveness = attr.values(capped: true)
            examination = exam.values(capped: true)
        }
    }

    /// One E-step term of a model where a click needs examination (slot) and attraction
    /// (pair), independently: a click counts for both; a skip splits between them by posterior.
    static func expect(_ click: Bool, pair: Int, slot: Int, a: Double, e: Double, weight w: Double,
                       _ attr: inout ParameterTally, _ exam: inout ParameterTally) {
        if click {
            attr.add(pair, w, w)
            exam.add(slot, w, w)
        } else {
            let skip = 1 - e * a
            attr.add(pair, w * (1 - e) * a / skip, w)
            exam.add(slot, w * (1 - a) * e / skip, w)
        }
    }

    func attraction(_ pair: Int) -> Double { pair < attractiveness.count ? attractiveness[pair] : 0.5 }

    public func fullClickProbabilities(_ s: ClickSessions.Session) -> [Double] {
        (0..<s.count).map { attraction(s.pairs[$0]) * examination[$0] }
    }

    public func conditionalClickProbabilities(_ s: ClickSessions.Session) -> [Double] {
        observed(fullClickProbabilities(s), s)
    }

    public func parameters(_ log: ClickSessions) -> ClickModelParameters {
        var p = ClickModelParameters(model: .pbm, positions: log.positions)
        p.examination = examination
        p.setAttractiveness(attractiveness, log)
        return p
    }
}
