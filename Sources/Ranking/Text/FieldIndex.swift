#if canImport(Glibc)
import Glibc
#endif

/// Term statistics of one text field over a collection: enough for BM25, TF-IDF and LM scores.
public struct FieldIndex: Sendable {
    /// Term frequencies per document.
    public let termFrequencies: [[String: Int]]
    public let lengths: [Int]
    public let documentFrequency: [String: Int]
    public let collectionFrequency: [String: Int]
    public let totalLength: Int
    public var documentCount: Int { lengths.count }
    public var averageLength: Double { documentCount == 0 ? 0 : Double(totalLength) / Double(documentCount) }

    public init(texts: [String], analyzer: Analyzer = Analyzer()) {
        var tfs: [[String: Int]] = []
        var lengths: [Int] = []
        var df: [String: Int] = [:]
        var cf: [String: Int] = [:]
        for text in texts {
            let terms = analyzer.terms(text)
            var tf: [String: Int] = [:]
            for t in terms { tf[t, default: 0] += 1; cf[t, default: 0] += 1 }
            for t in tf.keys { df[t, default: 0] += 1 }
            tfs.append(tf)
            lengths.append(terms.count)
        }
        termFrequencies = tfs
        self.lengths = lengths
        documentFrequency = df
        collectionFrequency = cf
        totalLength = lengths.reduce(0, +)
    }

    /// Robertson-Sparck Jones IDF as Lucene uses it (never negative).
    public func idf(_ term: String) -> Double {
        let n = Double(documentFrequency[term] ?? 0)
        return log(1 + (Double(documentCount) - n + 0.5) / (n + 0.5))
    }

    public func bm25(_ query: [String], document d: Int, k1: Double = 1.2, b: Double = 0.75) -> Double {
        let len = Double(lengths[d])
        let norm = k1 * (1 - b + b * len / max(averageLength, 1e-9))
        var s = 0.0
        for t in query {
            guard let tf = termFrequencies[d][t] else { continue }
            let f = Double(tf)
            s += idf(t) * f * (k1 + 1) / (f + norm)
        }
        return s
    }

    public func tfidf(_ query: [String], document d: Int) -> Double {
        var s = 0.0
        for t in query {
            guard let tf = termFrequencies[d][t] else { continue }
            s += (1 + log(Double(tf))) * idf(t)
        }
        return s
    }

    /// Query log-likelihood under a Dirichlet-smoothed document language model.
    public func lmDirichlet(_ query: [String], document d: Int, mu: Double = 2000) -> Double {
        let len = Double(lengths[d])
        var s = 0.0
        for t in query {
            let pc = (Double(collectionFrequency[t] ?? 0) + 0.5) / (Double(totalLength) + 1)
            let tf = Double(termFrequencies[d][t] ?? 0)
            s += log((tf + mu * pc) / (len + mu))
        }
        return s
    }

    /// Fraction of distinct query terms present in the document.
    public func coverage(_ query: [String], document d: Int) -> Double {
        let distinct = Set(query)
        guard !distinct.isEmpty else { return 0 }
        return Double(distinct.filter { termFrequencies[d][$0] != nil }.count) / Double(distinct.count)
    }
}
