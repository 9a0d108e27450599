/// The cascade model (Craswell et al. 2008): the user scans down and stops at the first
/// click. Attraction counts only ranks down to the first click (one pass). It cannot explain
/// a second click: as in PyClick, ranks below the first click get probability 1e-6.
public struct CascadeModel: ClickModel {
    public var name: ClickModelName { .cascade }
    public var attractiveness: [Double] = [0.5]

    public init() {}

    func attr(_ pair: Int) -> Double { pair < attractiveness.count ? attractiveness[pair] : 0.5 }

    public mutating func fit(_ log: ClickSessions, iterations _: Int) {
        var a = ParameterTally(count: log.pairCount + 1)
        for session in log.sessions {
            for r in 0...min(session.firstClick, session.count - 1) {
                a.add(session.pairs[r], session.clicks[r] ? session.weight : 0, session.weight)
            }
        }
        attractiveness = a.values(capped: false)
    }

    public func fullClickProbabilities(_ session: ClickSessions.Session) -> [Double] {
        CascadeFamily.full(session, attraction: attr) { _ in 0 }
    }

    public func conditionalClickProbabilities(_ session: ClickSessions.Session) -> [Double] {
        let first = session.firstClick
        return zip(fullClickProbabilities(session), session.clicks).enumerated().map { r, pc in
            r <= first ? (pc.1 ? pc.0 : 1 - pc.0) : ClickModelConstants.probabilityFloor
        }
    }

    public func parameters(_ log: ClickSessions) -> ClickModelParameters {
        var p = ClickModelParameters(model: .cascade, positions: log.positions)
        p.setAttractiveness(attractiveness, log)
        return p
    }
}
