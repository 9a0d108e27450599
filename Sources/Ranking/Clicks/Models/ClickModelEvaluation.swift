import Foundation

/// Held-out figures of a click model, as PyClick defines them.
public struct ClickModelScores: Sendable, Codable, Equatable {
    /// Mean over sessions of the per-rank mean of ln P(C_r = c_r | C_<r).
    public var logLikelihood: Double
    /// Mean over ranks of 2^-(mean over sessions of log2 P(C_r = c_r)), from full click
    /// probabilities (nothing about the session's other clicks is known).
    public var perplexity: Double
    public var perplexityByRank: [Double]
    /// The same with conditional click probabilities.
    public var conditionalPerplexity: Double
    public var conditionalPerplexityByRank: [Double]
    public var sessions: Int
}

public enum ClickModelEvaluation {
    /// Scores a fitted model on a log encoded with the training log's pairs.
    ///
    /// Every session counts at every rank it has; a rank's perplexity averages over the
    /// sessions that reach it (PyClick divides by all sessions, the same when every list has
    /// `positions` documents, as in the Yandex logs). A probability that is not positive adds
    /// nothing to the perplexity, as in PyClick; the log-likelihood floors it at 1e-300.
    public static func score(_ model: any ClickModel, on sessions: ClickSessions) -> ClickModelScores {
        let n = sessions.positions
        var fullLog2 = [Double](repeating: 0, count: n), condLog2 = fullLog2, reach = fullLog2
        var ll = 0.0, total = 0.0
        for s in sessions.sessions {
            let w = s.weight
            let full = zip(model.fullClickProbabilities(s), s.clicks).map { p, c in c ? p : 1 - p }
            let cond = model.conditionalClickProbabilities(s)
            var sessionLL = 0.0
            for r in 0..<s.count {
                if full[r] > 0 { fullLog2[r] += w * log2(full[r]) }
                if cond[r] > 0 { condLog2[r] += w * log2(cond[r]) }
                sessionLL += log(max(cond[r], 1e-300))
                reach[r] += w
            }
            ll += w * sessionLL / Double(s.count)
            total += w
        }
        let ranks = (0..<n).filter { reach[$0] > 0 }
        let fullByRank = ranks.map { pow(2, -fullLog2[$0] / reach[$0]) }
        let condByRank = ranks.map { pow(2, -condLog2[$0] / reach[$0]) }
        func mean(_ x: [Double]) -> Double { x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count) }
        return ClickModelScores(logLikelihood: total > 0 ? ll / total : .nan,
                                perplexity: mean(fullByRank), perplexityByRank: fullByRank,
                                conditionalPerplexity: mean(condByRank), conditionalPerplexityByRank: condByRank,
                                sessions: Int(total))
    }
}
