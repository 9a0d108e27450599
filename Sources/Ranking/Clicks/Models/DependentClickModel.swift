/// DCM (Guo, Liu and Wang 2009): a cascade that may go on after a click at rank r with
/// probability lambda_r; ranks down to the last click are examined and the last click ends
/// the session, so the parameters are counts (maximum likelihood, one pass).
public struct DependentClickModel: ClickModel {
    public var name: ClickModelName { .dcm }
    public var attractiveness: [Double] = [0.5]
    /// lambda_r: continuing after a click at rank r.
    public var continuation: [Double] = []

    public init() {}

    func attr(_ pair: Int) -> Double { pair < attractiveness.count ? attractiveness[pair] : 0.5 }

    public mutating func fit(_ log: ClickSessions, iterations _: Int) {
        var a = ParameterTally(count: log.pairCount + 1)
        var lambda = ParameterTally(count: log.positions)
        for session in log.sessions {
            let last = session.lastClick, w = session.weight
            for r in 0..<session.count {
                if r <= last { a.add(session.pairs[r], session.clicks[r] ? w : 0, w) }
                if session.clicks[r] { lambda.add(r, r != last ? w : 0, w) }
            }
        }
        attractiveness = a.values(capped: false)
        continuation = lambda.values(capped: false)
    }

    public func fullClickProbabilities(_ session: ClickSessions.Session) -> [Double] {
        CascadeFamily.full(session, attraction: attr) { continuation[$0] }
    }

    public func conditionalClickProbabilities(_ session: ClickSessions.Session) -> [Double] {
        CascadeFamily.conditional(session, attraction: attr) { continuation[$0] }
    }

    public func parameters(_ log: ClickSessions) -> ClickModelParameters {
        var p = ClickModelParameters(model: .dcm, positions: log.positions)
        p.continuation = continuation
        p.setAttractiveness(attractiveness, log)
        return p
    }
}
