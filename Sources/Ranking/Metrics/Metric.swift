import Foundation

/// A ranking metric with an optional cutoff, parsed from names like `ndcg@10`, `err@10`,
/// `mrr`, `map`, `p@5`.
public enum Metric: Hashable, Sendable, CustomStringConvertible, Codable {
    case ndcg(Int?)
    case err(Int?)
    case mrr
    case map
    case precision(Int)

    public init(parsing text: String) throws {
        let parts = text.lowercased().split(separator: "@", omittingEmptySubsequences: false)
        let name = String(parts[0])
        var cutoff: Int? = nil
        if parts.count == 2 {
            guard let k = Int(parts[1]), k > 0 else {
                throw InputError(file: "--metrics", field: text, "cutoff '\(parts[1])' is not a positive integer")
            }
            cutoff = k
        } else if parts.count > 2 {
            throw InputError(file: "--metrics", field: text, "more than one '@'")
        }
        switch (name, cutoff) {
        case ("ndcg", _): self = .ndcg(cutoff)
        case ("err", _): self = .err(cutoff)
        case ("mrr", nil), ("recip_rank", nil): self = .mrr
        case ("map", nil): self = .map
        case ("p", let k?), ("precision", let k?): self = .precision(k)
        default:
            throw InputError(file: "--metrics", field: text, "unknown metric",
                             hint: "use ndcg@K, err@K, mrr, map or p@K")
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown metric '\(text)'"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public static func list(_ text: String) throws -> [Metric] {
        try text.split(separator: ",").map { try Metric(parsing: String($0).trimmingCharacters(in: .whitespaces)) }
    }

    public var description: String {
        switch self {
        case .ndcg(let k): k.map { "ndcg@\($0)" } ?? "ndcg"
        case .err(let k): k.map { "err@\($0)" } ?? "err"
        case .mrr: "mrr"
        case .map: "map"
        case .precision(let k): "p@\(k)"
        }
    }

    /// The metric of one ranked list.
    ///
    /// - Parameters:
    ///   - ranked: grades of the retrieved documents in rank order (unjudged = 0).
    ///   - judged: every grade the qrels hold for the query (for the ideal ranking and recall).
    ///   - maxGrade: the top grade of the scale, for ERR's stopping probabilities.
    public func value(ranked: [Int], judged: [Int], maxGrade: Int) -> Double {
        switch self {
        case .ndcg(let k):
            let n = k ?? Int.max
            let ideal = judged.sorted(by: >)
            let idcg = dcg(ideal, n)
            return idcg > 0 ? dcg(ranked, n) / idcg : 0
        case .err(let k):
            let n = min(k ?? Int.max, ranked.count)
            var notStopped = 1.0
            var err = 0.0
            let top = pow(2.0, Double(maxGrade))
            for i in 0..<n {
                let r = gain(ranked[i]) / top
                err += notStopped * r / Double(i + 1)
                notStopped *= 1 - r
            }
            return err
        case .mrr:
            guard let first = ranked.firstIndex(where: { $0 >= 1 }) else { return 0 }
            return 1 / Double(first + 1)
        case .map:
            let relevant = judged.filter { $0 >= 1 }.count
            guard relevant > 0 else { return 0 }
            var hits = 0
            var sum = 0.0
            for (i, g) in ranked.enumerated() where g >= 1 {
                hits += 1
                sum += Double(hits) / Double(i + 1)
            }
            return sum / Double(relevant)
        case .precision(let k):
            return Double(ranked.prefix(k).filter { $0 >= 1 }.count) / Double(k)
        }
    }
}

/// nDCG's gain for a grade: `2^g - 1`, and 0 for grades at or below 0.
@inline(__always) func gain(_ g: Int) -> Double { g > 0 ? pow(2.0, Double(g)) - 1 : 0 }

func dcg(_ grades: [Int], _ k: Int) -> Double {
    var s = 0.0
    for i in 0..<min(k, grades.count) { s += gain(grades[i]) / log2(Double(i + 2)) }
    return s
}
