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

/// True negatives: documents drawn from other queries' candidate lists and added to a query
/// as certain non-relevant candidates (label 0, never shown to a simulated user).
public struct TrueNegatives: Sendable {
    public var perQuery: Int
    public var seed: UInt64

    public init(perQuery: Int, seed: UInt64) {
        self.perQuery = perQuery
        self.seed = seed
    }

    /// Appends `perQuery` negatives to every query, with their real features for that query.
    /// A drawn document that the query's judgments call relevant, or that is already a
    /// candidate, is skipped, so every added document is a certain negative.
    public func adding(to data: RankingDataset, collection: TextCollection) -> RankingDataset {
        let extractor = FeatureExtractor(collection: collection)
        let analyzer = Analyzer()
        let docIndex = Dictionary(uniqueKeysWithValues: collection.documents.enumerated().map { ($1.id, $0) })
        let texts = Dictionary(uniqueKeysWithValues: collection.queries.map { ($0.id, $0.text) })
        // The pool: every document some query retrieved, in a fixed order.
        var seen = Set<String>()
        var pool: [String] = []
        for q in data.queries { for d in q.docIDs where seen.insert(d).inserted { pool.append(d) } }
        let random = CounterRandom(seed: seed)
        var out = data
        for (qi, q) in data.queries.enumerated() {
            guard let text = texts[q.id], !pool.isEmpty else { continue }
            let terms = analyzer.terms(text)
            let relevant = Set((collection.qrels.judgments[q.id] ?? [:]).filter { $0.value > 0 }.keys)
            var taken = Set(q.docIDs)
            var r = q
            var draw: UInt64 = 0
            while r.count < q.count + perQuery && draw < UInt64(perQuery * 50) {
                let pick = pool[Int(random.bits(0x7E6A, UInt64(qi), draw) % UInt64(pool.count))]
                draw += 1
                guard !taken.contains(pick), !relevant.contains(pick), let d = docIndex[pick] else { continue }
                taken.insert(pick)
                r.docIDs.append(pick)
                r.labels.append(0)
                r.features += extractor.featureVector(query: terms, document: d)
            }
            out.queries[qi] = r
        }
        return out
    }
}
