#if canImport(Glibc)
import Glibc
#endif

/// A loss over one query's list: its value and d(loss)/d(scores).
public struct LossValue: Sendable {
    public var loss: Double
    public var gradient: [Double]
    public static func zero(_ n: Int) -> LossValue { LossValue(loss: 0, gradient: [Double](repeating: 0, count: n)) }
}

/// The listwise losses of DESIGN.md section 4, computed in Double on small lists.
public enum ListLoss: String, Sendable, Codable, CaseIterable {
    /// `- sum_i y_i log softmax(s)_i / sum_i y_i`.
    case softmax
    /// Plackett-Luce likelihood of the order given by the targets (ties by list position).
    case listmle
    /// Pairwise logistic (RankNet) over pairs with different targets, averaged over pairs.
    case ranknet

    public func evaluate(scores: [Float], targets: [Double]) -> LossValue {
        switch self {
        case .softmax: ListLoss.softmaxCrossEntropy(scores: scores, targets: targets)
        case .listmle: ListLoss.listMLE(scores: scores, targets: targets)
        case .ranknet: ListLoss.rankNet(scores: scores, targets: targets)
        }
    }

    public static func softmax(_ s: [Float]) -> [Double] {
        let m = Double(s.max() ?? 0)
        let e = s.map { exp(Double($0) - m) }
        let z = e.reduce(0, +)
        return e.map { $0 / z }
    }

    static func softmaxCrossEntropy(scores: [Float], targets y: [Double]) -> LossValue {
        let total = y.reduce(0, +)
        guard total > 0 else { return .zero(scores.count) }
        let p = softmax(scores)
        var loss = 0.0
        var g = [Double](repeating: 0, count: scores.count)
        for i in 0..<scores.count {
            if y[i] > 0 { loss -= y[i] * log(max(p[i], 1e-300)) }
            g[i] = p[i] - y[i] / total
        }
        return LossValue(loss: loss / total, gradient: g)
    }

    static func listMLE(scores: [Float], targets y: [Double]) -> LossValue {
        let n = scores.count
        guard n > 1, y.contains(where: { $0 != y[0] }) else { return .zero(n) }
        let order = (0..<n).sorted { y[$0] != y[$1] ? y[$0] > y[$1] : $0 < $1 }
        let s = order.map { Double(scores[$0]) }
        var loss = 0.0
        var gs = [Double](repeating: 0, count: n)
        // acc[i] = sum_{j>=i} exp(s_j - M), M the largest score, for a stable log-sum-exp.
        let big = s.max()!
        var acc = [Double](repeating: 0, count: n)
        var running = 0.0
        for i in stride(from: n - 1, through: 0, by: -1) { running += exp(s[i] - big); acc[i] = running }
        // d/ds_j of sum_{i<n-1} log acc[i] is exp(s_j - M) * sum_{i<=j, i<n-1} 1/acc[i].
        var inverseSum = 0.0
        for i in 0..<n {
            if i < n - 1 {
                loss += log(acc[i]) + big - s[i]
                gs[i] -= 1
                inverseSum += 1 / acc[i]
            }
            gs[i] += exp(s[i] - big) * inverseSum
        }
        var g = [Double](repeating: 0, count: n)
        for (k, idx) in order.enumerated() { g[idx] = gs[k] }
        return LossValue(loss: loss, gradient: g)
    }

    static func rankNet(scores: [Float], targets y: [Double]) -> LossValue {
        let n = scores.count
        var loss = 0.0
        var g = [Double](repeating: 0, count: n)
        var pairs = 0
        for i in 0..<n {
            for j in 0..<n where y[i] > y[j] {
                let d = Double(scores[i]) - Double(scores[j])
                // log(1 + e^-d), stable for both signs
                loss += d > 0 ? log1p(exp(-d)) : -d + log1p(exp(d))
                let sig = 1 / (1 + exp(d))  // -dl/dd
                g[i] -= sig
                g[j] += sig
                pairs += 1
            }
        }
        guard pairs > 0 else { return .zero(n) }
        return LossValue(loss: loss / Double(pairs), gradient: g.map { $0 / Double(pairs) })
    }
}
