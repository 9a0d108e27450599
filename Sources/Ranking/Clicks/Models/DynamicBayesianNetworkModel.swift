import Foundation

/// DBN (Chapelle and Zhang 2009): the user examines down the list; an examined document
/// attracts a click with a_qd; a clicked one satisfies with s_qd and ends the session;
/// otherwise the user continues with gamma. Fitted by EM with PyClick's updates: attraction
/// and satisfaction from the session's unconditional examination and click-after-rank
/// probabilities, gamma from the posterior of (E_r, S_r, E_r+1) given every click.
public struct DynamicBayesianNetworkModel: ClickModel {
    public var name: ClickModelName { .dbn }
    public var attractiveness: [Double] = [0.5]
    public var satisfaction: [Double] = [0.5]
    public var continuation = 0.5

    public init() {}

    func attr(_ pair: Int) -> Double { pair < attractiveness.count ? attractiveness[pair] : 0.5 }
    func sat(_ pair: Int) -> Double { pair < satisfaction.count ? satisfaction[pair] : 0.5 }

    public mutating func fit(_ log: ClickSessions, iterations: Int) {
        attractiveness = [Double](repeating: 0.5, count: log.pairCount + 1)
        satisfaction = attractiveness
        continuation = 0.5
        for _ in 0..<iterations {
            var a = ParameterTally(count: log.pairCount + 1)
            var s = ParameterTally(count: log.pairCount + 1)
            var gamma = ParameterTally(count: 1)
            for session in log.sessions { accumulate(session, &a, &s, &gamma) }
            attractiveness = a.values(capped: true)
            satisfaction = s.values(capped: true)
            continuation = gamma.values(capped: true)[0]
        }
    }

    private func accumulate(_ session: ClickSessions.Session, _ a: inout ParameterTally, _ s: inout ParameterTally,
                            _ gamma: inout ParameterTally) {
        let n = session.count, w = session.weight
        let exam = unconditionalExamination(session)
        let car = clickAfterRank(session)
        let last = session.lastClick
        let examGivenAbove = tail(session, from: 0).examination
        for r in 0..<n {
            let pair = session.pairs[r]
            let ar = attr(pair), sr = sat(pair)
            if session.clicks[r] {
                a.add(pair, w, w)
                s.add(pair, r == last ? w * sr / (1 - (1 - sr) * continuation * car[r + 1]) : 0, w)
            } else {
                // PyClick adds attraction mass only below the last click; above it an examined
                // unclicked document was not attractive, and without clicks it adds none.
                a.add(pair, r >= last ? w * (1 - exam[r]) * ar / (1 - exam[r] * car[r]) : 0, w)
            }
            let (stay, leave) = continuationPosterior(session, r, examGivenAbove[r])
            gamma.add(0, w * stay, w * (stay + leave))
        }
    }

    /// P(E_r = 1, S_r = 0, E_r+1 = 1 | C) and P(E_r = 1, S_r = 0, E_r+1 = 0 | C).
    private func continuationPosterior(_ session: ClickSessions.Session, _ r: Int, _ examHere: Double) -> (Double, Double) {
        let n = session.count
        let click = session.clicks[r]
        let ar = attr(session.pairs[r]), sr = sat(session.pairs[r]), g = continuation
        let tailLikelihood = r + 1 < n ? tail(session, from: r + 1).clicks.reduce(1, *) : 1
        // Joint P(E_r = x, S_r = y, E_r+1 = z, C) up to a constant (PyClick's factor).
        func factor(_ x: Bool, _ y: Bool, _ z: Bool) -> Double {
            var p: Double
            if !click {
                if y { return 0 }
                p = 1 - ar
                if x { p *= z ? g : 1 - g } else if z { return 0 }
            } else {
                if !x { return 0 }
                p = ar
                if !y { p *= (1 - sr) * (z ? g : 1 - g) } else { if z { return 0 }; p *= sr }
            }
            if !z {
                // PyClick compares with the last click rank, which is n without clicks: a
                // session without clicks is taken to be examined to its end.
                if session.lastClick >= r + 1 { return 0 }
            } else {
                p *= tailLikelihood
            }
            return p * (x ? examHere : 1 - examHere)
        }
        var total = 0.0
        for x in [false, true] { for y in [false, true] { for z in [false, true] { total += factor(x, y, z) } } }
        guard total > 0 else { return (0, 0) }
        return (factor(true, false, true) / total, factor(true, false, false) / total)
    }

    /// P(E_r = 1) with nothing observed: E_0 = 1, E_r+1 = E_r gamma ((1 - s) a + (1 - a)).
    func unconditionalExamination(_ session: ClickSessions.Session) -> [Double] {
        var exam = [1.0]
        for r in 0..<session.count {
            let a = attr(session.pairs[r]), s = sat(session.pairs[r])
            exam.append(exam[r] * continuation * ((1 - s) * a + (1 - a)))
        }
        return exam
    }

    /// P(a click at r or below | E_r = 1), with a trailing 0 past the end.
    func clickAfterRank(_ session: ClickSessions.Session) -> [Double] {
        var car = [Double](repeating: 0, count: session.count + 1)
        for r in stride(from: session.count - 1, through: 0, by: -1) {
            let a = attr(session.pairs[r])
            car[r] = a + (1 - a) * continuation * car[r + 1]
        }
        return car
    }

    /// P(C_r = c_r | C_start..r-1, E_start = 1) and P(E_r = 1 | the same) from `start` down.
    func tail(_ session: ClickSessions.Session, from start: Int) -> (clicks: [Double], examination: [Double]) {
        var exam = 1.0
        var clicks: [Double] = []
        var examination = [Double](repeating: 0, count: start)
        examination.append(exam)
        for r in start..<session.count {
            let a = attr(session.pairs[r]), s = sat(session.pairs[r])
            if session.clicks[r] {
                clicks.append(a * exam)
                exam = continuation * (1 - s)
            } else {
                let p = 1 - a * exam
                clicks.append(p)
                exam *= continuation * (1 - a) / p
            }
            examination.append(exam)
        }
        return (clicks, examination)
    }

    public func fullClickProbabilities(_ session: ClickSessions.Session) -> [Double] {
        let exam = unconditionalExamination(session)
        return (0..<session.count).map { attr(session.pairs[$0]) * exam[$0] }
    }

    public func conditionalClickProbabilities(_ session: ClickSessions.Session) -> [Double] {
        tail(session, from: 0).clicks
    }

    public func parameters(_ log: ClickSessions) -> ClickModelParameters {
        var p = ClickModelParameters(model: .dbn, positions: log.positions)
        p.continuation = [continuation]
        p.setAttractiveness(attractiveness, log)
        p.satisfaction = ClickModelParameters.byQuery(satisfaction, log)
        return p
    }
}
