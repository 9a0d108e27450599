/// The data variants the study's analyses train and test on.
extension RankingDataset {
    /// Keeps only the given feature columns (0-based, in the given order).
    public func selectingFeatures(_ columns: [Int]) -> RankingDataset {
        var out = RankingDataset(featureCount: columns.count, queries: [])
        out.queries = queries.map { q in
            var r = q
            r.features = []
            r.features.reserveCapacity(q.count * columns.count)
            for d in 0..<q.count {
                let row = d * featureCount
                for c in columns { r.features.append(q.features[row + c]) }
            }
            return r
        }
        return out
    }
}

/// Which feature groups a model sees (the paper's ablation).
public enum FeatureSelection: String, Sendable, Codable, CaseIterable {
    case all
    case queryDocument = "query-document"
    case document

    /// Column indices of the selection among `features`.
    public func columns(_ features: [FeatureInfo]) -> [Int] {
        features.indices.filter { i in
            switch self {
            case .all: true
            case .queryDocument: features[i].group == .queryDocument
            case .document: features[i].group == .document
            }
        }
    }
}
