import Foundation

/// A ranking measure, named either as trec_eval names it or in the learning-to-rank style.
///
/// trec_eval's measures keep trec_eval's names and definitions (gain = grade, relevant =
/// grade >= 1): `ndcg`, `ndcg_cut.K`, `P.K`, `recall.K`, `map`, `map_cut.K`, `recip_rank`,
/// `Rprec`, `bpref`, `success.K`; `-m`-style dots and pytrec_eval's underscores both parse,
/// and names print with underscores, as both tools print them.
///
/// The learning-to-rank names use the gains that LightGBM and the ULTR literature report:
/// `ndcg@K` has gain `2^g - 1`, `err@K` stops with probability `(2^g - 1) / 2^gmax`, `mrr`
/// equals `recip_rank` and `p@K` equals `P.K`.
public enum Metric: Hashable, Sendable, CustomStringConvertible, Codable {
    /// nDCG with exponential gain `2^g - 1` (learning to rank); nil: the whole list.
    case ndcg(Int?)
    /// trec_eval's `ndcg` (nil) and `ndcg_cut.K`: gain = grade.
    case trecNDCG(Int?)
    case err(Int?)
    case mrr
    case recipRank
    /// trec_eval's `map` (nil) and `map_cut.K`.
    case map(Int?)
    /// `p@K`.
    case precision(Int)
    /// trec_eval's `P.K`: the same value as `p@K`, under trec_eval's name.
    case trecPrecision(Int)
    case recall(Int)
    case rPrecision
    case bpref
    case success(Int)

    /// trec_eval's `map`.
    public static let map = Metric.map(nil)

    /// Every name `init(parsing:)` takes, for help texts and errors.
    public static let accepted = "ndcg@K (gain 2^g-1), err@K, mrr, p@K; trec_eval's ndcg, ndcg_cut.K, P.K, recall.K, map, map_cut.K, recip_rank, Rprec, bpref, success.K (gain = grade; '_' or '.' before K)"

    public init(parsing text: String) throws {
        let fail = { (why: String) in
            InputError(file: "--metrics", field: text, why, hint: "use \(Metric.accepted)")
        }
        if let at = text.firstIndex(of: "@") {
            let name = text[..<at].lowercased()
            let k = try Self.cutoff(text[text.index(after: at)...], text)
            switch name {
            case "ndcg": self = .ndcg(k)
            case "err": self = .err(k)
            case "p", "precision": self = .precision(k)
            default: throw fail("unknown metric")
            }
            return
        }
        // trec_eval's names: case matters there (P, Rprec), but accept any case.
        let (name, suffix) = Self.splitCutoff(text)
        let k = try suffix.map { try Self.cutoff($0, text) }
        switch (name.lowercased(), k) {
        case ("ndcg", nil): self = .trecNDCG(nil)
        case ("ndcg_cut", let k?): self = .trecNDCG(k)
        case ("map", nil): self = .map(nil)
        case ("map_cut", let k?): self = .map(k)
        case ("p", let k?): self = .trecPrecision(k)
        case ("recall", let k?): self = .recall(k)
        case ("success", let k?): self = .success(k)
        case ("recip_rank", nil): self = .recipRank
        case ("mrr", nil): self = .mrr
        case ("rprec", nil): self = .rPrecision
        case ("bpref", nil): self = .bpref
        case ("err", nil): self = .err(nil)
        default: throw fail("unknown metric")
        }
    }

    /// Splits `ndcg_cut.10`, `ndcg_cut_10` or `P_5` into the measure and its cutoff.
    private static func splitCutoff(_ text: String) -> (String, Substring?) {
        guard let sep = text.lastIndex(where: { $0 == "." || $0 == "_" }) else { return (text, nil) }
        let tail = text[text.index(after: sep)...]
        guard !tail.isEmpty, tail.allSatisfy(\.isNumber) else {
            return tail.isEmpty ? (String(text[..<sep]), tail) : (text, nil)
        }
        return (String(text[..<sep]), tail)
    }

    private static func cutoff(_ s: Substring, _ text: String) throws -> Int {
        guard s.count <= 9, let k = Int(s), k > 0 else {
            throw InputError(file: "--metrics", field: text, "cutoff '\(s.prefix(20))' is not a positive integer")
        }
        return k
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
        case .ndcg(let k): k.map { "ndcg@\($0)" } ?? "ndcg@all"
        case .trecNDCG(let k): k.map { "ndcg_cut_\($0)" } ?? "ndcg"
        case .err(let k): k.map { "err@\($0)" } ?? "err"
        case .mrr: "mrr"
        case .recipRank: "recip_rank"
        case .map(let k): k.map { "map_cut_\($0)" } ?? "map"
        case .precision(let k): "p@\(k)"
        case .trecPrecision(let k): "P_\(k)"
        case .recall(let k): "recall_\(k)"
        case .rPrecision: "Rprec"
        case .bpref: "bpref"
        case .success(let k): "success_\(k)"
        }
    }

    /// The gain convention behind the number, for reports: every nDCG says which it uses.
    public var gainNote: String? {
        switch self {
        case .ndcg: "gain 2^g-1"
        case .trecNDCG: "gain g (trec_eval)"
        case .err: "stop probability (2^g-1)/2^gmax"
        default: nil
        }
    }

    /// The name with its gain convention, as reports print it: `ndcg@10 (gain 2^g-1)`.
    public var labelled: String { gainNote.map { "\(description) (\($0))" } ?? description }

    /// The metric of one ranked list.
    ///
    /// - Parameters:
    ///   - ranked: grades of the retrieved documents in rank order; nil marks an unjudged
    ///     document (non-relevant everywhere, and skipped by bpref as trec_eval does).
    ///   - judged: every grade the qrels hold for the query (ideal ranking, R, bpref's N).
    ///   - maxGrade: the top grade of the scale, for ERR's stopping probabilities.
    public func value(ranked: [Int?], judged: [Int], maxGrade: Int) -> Double {
        let grades = ranked.map { $0 ?? 0 }
        let relevant = judged.filter { $0 >= 1 }.count
        func relevantIn(_ k: Int) -> Int { grades.prefix(k).filter { $0 >= 1 }.count }
        switch self {
        case .ndcg(let k):
            return normalizedDCG(grades, judged, k ?? Int.max, gain: exponentialGain)
        case .trecNDCG(let k):
            return normalizedDCG(grades, judged, k ?? Int.max, gain: linearGain)
        case .err(let k):
            let n = min(k ?? Int.max, grades.count)
            var notStopped = 1.0
            var err = 0.0
            let top = pow(2.0, Double(maxGrade))
            for i in 0..<n {
                let r = exponentialGain(grades[i]) / top
                err += notStopped * r / Double(i + 1)
                notStopped *= 1 - r
            }
            return err
        case .mrr, .recipRank:
            guard let first = grades.firstIndex(where: { $0 >= 1 }) else { return 0 }
            return 1 / Double(first + 1)
        case .map(let k):
            guard relevant > 0 else { return 0 }
            var hits = 0
            var sum = 0.0
            for (i, g) in grades.prefix(k ?? Int.max).enumerated() where g >= 1 {
                hits += 1
                sum += Double(hits) / Double(i + 1)
            }
            return sum / Double(relevant)
        case .precision(let k), .trecPrecision(let k):
            return Double(relevantIn(k)) / Double(k)
        case .recall(let k):
            return relevant > 0 ? Double(relevantIn(k)) / Double(relevant) : 0
        case .rPrecision:
            return relevant > 0 ? Double(relevantIn(relevant)) / Double(relevant) : 0
        case .success(let k):
            return relevantIn(k) > 0 ? 1 : 0
        case .bpref:
            return bprefValue(ranked, relevant: relevant, nonRelevant: judged.count - relevant)
        }
    }

    /// trec_eval's bpref: each judged relevant document scores 1 - min(n, R) / min(N, R), n the
    /// judged non-relevant documents above it; unjudged documents are skipped.
    private func bprefValue(_ ranked: [Int?], relevant: Int, nonRelevant: Int) -> Double {
        guard relevant > 0 else { return 0 }
        var nonRelevantSoFar = 0
        var sum = 0.0
        for case let g? in ranked {
            if g < 1 {
                nonRelevantSoFar += 1
            } else if nonRelevantSoFar > 0 {
                sum += 1 - Double(min(nonRelevantSoFar, relevant)) / Double(min(nonRelevant, relevant))
            } else {
                sum += 1
            }
        }
        return sum / Double(relevant)
    }
}

/// nDCG's learning-to-rank gain for a grade: `2^g - 1`, and 0 for grades at or below 0.
@inline(__always) func exponentialGain(_ g: Int) -> Double { g > 0 ? pow(2.0, Double(g)) - 1 : 0 }

/// trec_eval's gain: the grade itself (0 for negative grades).
@inline(__always) func linearGain(_ g: Int) -> Double { g > 0 ? Double(g) : 0 }

/// nDCG at cutoff k: the ideal ranking sorts every judged grade, as trec_eval does.
func normalizedDCG(_ grades: [Int], _ judged: [Int], _ k: Int, gain: (Int) -> Double) -> Double {
    let idcg = dcg(judged.sorted(by: >), k, gain: gain)
    return idcg > 0 ? dcg(grades, k, gain: gain) / idcg : 0
}

func dcg(_ grades: [Int], _ k: Int, gain: (Int) -> Double = exponentialGain) -> Double {
    var s = 0.0
    for i in 0..<min(k, grades.count) { s += gain(grades[i]) / log2(Double(i + 2)) }
    return s
}
