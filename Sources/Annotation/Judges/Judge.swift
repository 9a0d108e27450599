import Ranking

/// One label for one (query, document): a grade, or an abstention with the judge's raw text.
public struct Judgment: Sendable, Equatable, Codable {
    public var query: String
    public var document: String
    /// nil when the judge abstained (output that did not parse, after retries).
    public var label: Double?
    /// A raw relevance score when the judge has one (similarity, BM25), for AUC and features.
    public var score: Double?
    public var raw: String?

    public init(query: String, document: String, label: Double?, score: Double? = nil, raw: String? = nil) {
        self.query = query
        self.document = document
        self.label = label
        self.score = score
        self.raw = raw
    }
}

/// Something that labels a query's candidate documents. Every output names its judge.
public protocol Judge: Sendable {
    /// Names the judge and its settings in reports ("embedding all-MiniLM-L6-v2@..., quantiles ...").
    var provenance: String { get }
    func judge(query: TextQuery, documents: [TextDocument]) throws -> [Judgment]
}

/// Turns per-document scores into grades 0-3.
public enum GradeCalibration: Sendable, Equatable {
    /// Per query: the top `shares[2]` of the candidates get 3, the next `shares[1]` 2, the next
    /// `shares[0]` 1, the rest 0 (default 10%, 15%, 25%).
    case quantiles(top3: Double, next2: Double, next1: Double)
    /// Fixed score thresholds for grades 1, 2 and 3.
    case thresholds(Double, Double, Double)

    public static let standard = GradeCalibration.quantiles(top3: 0.10, next2: 0.15, next1: 0.25)

    public var description: String {
        switch self {
        case let .quantiles(a, b, c): "per-query quantiles: top \(Int(a * 100))% -> 3, next \(Int(b * 100))% -> 2, next \(Int(c * 100))% -> 1, rest 0"
        case let .thresholds(a, b, c): "thresholds: >= \(a) -> 1, >= \(b) -> 2, >= \(c) -> 3"
        }
    }

    /// Thresholds that grade the top `shares[0]` of all scores (over a whole collection, not
    /// one list) 3, the next `shares[1]` 2 and the next `shares[2]` 1.
    public static func global(_ scores: [Double], shares: [Double]) -> GradeCalibration {
        precondition(shares.count == 3 && !scores.isEmpty)
        let sorted = scores.sorted(by: >)
        func cut(_ share: Double) -> Double { sorted[min(sorted.count - 1, max(0, Int((share * Double(sorted.count)).rounded()) - 1))] }
        return .thresholds(cut(shares[0] + shares[1] + shares[2]), cut(shares[0] + shares[1]), cut(shares[0]))
    }

    public func grades(_ scores: [Double]) -> [Double] {
        switch self {
        case let .thresholds(t1, t2, t3):
            return scores.map { $0 >= t3 ? 3 : $0 >= t2 ? 2 : $0 >= t1 ? 1 : 0 }
        case let .quantiles(s3, s2, s1):
            let n = Double(scores.count)
            let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            var out = [Double](repeating: 0, count: scores.count)
            for (rank, i) in order.enumerated() {
                let r = Double(rank) + 0.5
                out[i] = r <= n * s3 ? 3 : r <= n * (s3 + s2) ? 2 : r <= n * (s3 + s2 + s1) ? 1 : 0
            }
            return out
        }
    }
}
