/// One query's candidate documents: their ids, feature rows and graded labels.
public struct RankingQuery: Sendable, Equatable {
    public var id: String
    public var docIDs: [String]
    /// Graded relevance per document (0 = not relevant); unjudged documents are 0.
    public var labels: [Float]
    /// Row-major features, `docIDs.count` rows of `featureCount` values.
    public var features: [Float]

    public init(id: String, docIDs: [String], labels: [Float], features: [Float]) {
        self.id = id
        self.docIDs = docIDs
        self.labels = labels
        self.features = features
    }

    public var count: Int { docIDs.count }
}

/// A learning-to-rank data set: queries with feature vectors of one fixed width.
public struct RankingDataset: Sendable, Equatable {
    public var featureCount: Int
    public var queries: [RankingQuery]

    public init(featureCount: Int, queries: [RankingQuery]) {
        self.featureCount = featureCount
        self.queries = queries
    }

    public var documentCount: Int { queries.reduce(0) { $0 + $1.count } }

    /// Widens or checks every query's rows to `width` features (missing trailing features are 0).
    public func padded(to width: Int) -> RankingDataset {
        guard width != featureCount else { return self }
        precondition(width > featureCount, "cannot narrow a data set")
        var out = self
        out.featureCount = width
        out.queries = queries.map { q in
            var r = q
            r.features = []
            r.features.reserveCapacity(q.count * width)
            for d in 0..<q.count {
                r.features.append(contentsOf: q.features[(d * featureCount)..<((d + 1) * featureCount)])
                r.features.append(contentsOf: repeatElement(0, count: width - featureCount))
            }
            return r
        }
        return out
    }

    /// Replaces labels from qrels; documents absent from the qrels get 0.
    public func relabeled(with qrels: Qrels) -> RankingDataset {
        var out = self
        out.queries = queries.map { q in
            var r = q
            let judged = qrels.judgments[q.id] ?? [:]
            r.labels = q.docIDs.map { Float(max(0, judged[$0] ?? 0)) }
            return r
        }
        return out
    }

    /// The data set as qrels (every document with its label, including zeros).
    public var qrels: Qrels {
        var q = Qrels()
        for query in queries {
            for (d, doc) in query.docIDs.enumerated() {
                q.judgments[query.id, default: [:]][doc] = Int(query.labels[d].rounded())
            }
        }
        return q
    }
}
