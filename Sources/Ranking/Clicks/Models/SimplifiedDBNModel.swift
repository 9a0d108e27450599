/// SDBN: DBN with gamma = 1, so every rank down to the last click is examined and the last
/// click is the satisfying one; the parameters are counts (maximum likelihood, one pass).
public struct SimplifiedDBNModel: ClickModel {
    public var name: ClickModelName { .sdbn }
    public var attractiveness: [Double] = [0.5]
    public var satisfaction: [Double] = [0.5]

    public init() {}

    func attr(_ pair: Int) -> Double { pair < attractiveness.count ? attractiveness[pair] : 0.5 }
    func sat(_ pair: Int) -> Double { pair < satisfaction.count ? satisfaction[pair] : 0.5 }

    public mutating func fit(_ log: ClickSessions, iterations _: Int) {
        var a = ParameterTally(count: log.pairCount + 1)
        var s = ParameterTally(count: log.pairCount + 1)
        for session in log.sessions {
            let last = session.lastClick, w = session.weight
            for r in 0..<session.count {
                let pair = session.pairs[r]
                if r <= last { a.add(pair, session.clicks[r] ? w : 0, w) }
                if session.clicks[r] { s.add(pair, r == last ? w : 0, w) }
            }
        }
        attractiveness = a.values(capped: false)
        satisfaction = s.values(capped: false)
    }

    public func fullClickProbabilities(_ session: ClickSessions.Session) -> [Double] {
        CascadeFamily.full(session, attraction: attr) { 1 - sat(session.pairs[$0]) }
    }

    public func conditionalClickProbabilities(_ session: ClickSessions.Session) -> [Double] {
        CascadeFamily.conditional(session, attraction: attr) { 1 - sat(session.pairs[$0]) }
    }

    public func parameters(_ log: ClickSessions) -> ClickModelParameters {
        var p = ClickModelParameters(model: .sdbn, positions: log.positions)
        p.setAttractiveness(attractiveness, log)
        p.satisfaction = ClickModelParameters.byQuery(satisfaction, log)
        return p
    }
}
