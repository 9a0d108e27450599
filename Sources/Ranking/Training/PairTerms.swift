/// The transductive protocol's per query-document score terms: the ranker scores
/// `MLP(x_qd) + b_qd`, where b_qd is learned for every training candidate, so that a query's
/// own supervision can reorder its list beyond what the features say.
///
/// Each b_qd has the prior `lambda_q b_qd^2` with `lambda_q = regularization / (1 + evidence_q)`
/// and `evidence_q = a clicks_q + (1 - a) labelEvidence`, a the query's click share: a head
/// query's thousands of clicks free its terms, a tail query's two clicks barely move them, and
/// one judge label per document counts as `labelEvidence` clicks. Both are named parameters of
/// the study and printed in its report.
public struct PairTerms: Sendable, Codable, Equatable {
    public var regularization: Double = 1
    public var labelEvidence: Double = 1

    public init(regularization: Double = 1, labelEvidence: Double = 1) {
        self.regularization = regularization
        self.labelEvidence = labelEvidence
    }

    func regularization(_ ex: TrainingExample, clickShare a: Double) -> Double {
        let clicks = ex.clicks?.cells.reduce(0) { $0 + $1.clicks } ?? 0
        return regularization / (1 + a * clicks + (1 - a) * (ex.hasLabels ? labelEvidence : 0))
    }

    /// Each query's terms (indices among the pair terms), in the order of `queries` (the
    /// training file's): one per candidate.
    public static func offsets(_ queries: [RankingQuery]) -> [String: Range<Int>] {
        var out: [String: Range<Int>] = [:]
        var next = 0
        for q in queries {
            out[q.id] = next..<(next + q.count)
            next += q.count
        }
        return out
    }
}
