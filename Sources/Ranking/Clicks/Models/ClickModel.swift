/// The click models famol fits to a log, by their usual short names.
public enum ClickModelName: String, Sendable, Codable, CaseIterable {
    case pbm, ubm, dbn, sdbn, dcm, cascade

    /// A model of this kind with every parameter at its prior.
    public func makeModel() -> any ClickModel {
        switch self {
        case .pbm: PositionBasedModel()
        case .ubm: UserBrowsingModel()
        case .dbn: DynamicBayesianNetworkModel()
        case .sdbn: SimplifiedDBNModel()
        case .dcm: DependentClickModel()
        case .cascade: CascadeModel()
        }
    }
}

/// A probabilistic model of clicks on a ranked list, fitted as PyClick fits it: the same
/// parameters, updates, prior (every parameter starts at 1/2 and a pair never seen in
/// training keeps 1/2) and caps, so that held-out figures can be compared with PyClick's.
public protocol ClickModel: Sendable {
    var name: ClickModelName { get }
    /// Fits on a log; `iterations` counts EM passes (MLE models make one pass whatever it says).
    mutating func fit(_ log: ClickSessions, iterations: Int)
    /// P(C_r = 1) at every rank, given nothing about the session's clicks.
    func fullClickProbabilities(_ session: ClickSessions.Session) -> [Double]
    /// P(C_r = c_r | C_1 .. C_r-1): the probability of what was observed at each rank.
    func conditionalClickProbabilities(_ session: ClickSessions.Session) -> [Double]
    /// The fitted parameters, for writing out.
    func parameters(_ log: ClickSessions) -> ClickModelParameters
}

extension ClickModel {
    /// Probability of the observed click or skip at each rank, from full click probabilities.
    func observed(_ full: [Double], _ session: ClickSessions.Session) -> [Double] {
        zip(full, session.clicks).map { p, c in c ? p : 1 - p }
    }
}
