/// Documents added to each query's list for the true-negative analysis, with the same
/// feature columns as its candidates. Their labels are the collection's grades (the study's
/// worlds turn them into gold grades); training treats them as non-relevant.
///
/// One extractor and one BM25 ranking per query, to `depth`, serve both kinds.
public struct NegativeCandidates {
    let collection: TextCollection
    let extractor: FeatureExtractor
    /// Each query's BM25 top `depth` (document indices), in `collection.queries` order.
    let ranked: [[Int]]

    public init(_ collection: TextCollection, depth: Int) {
        self.collection = collection
        extractor = FeatureExtractor(collection: collection)
        ranked = collection.queries.map { [extractor] q in extractor.candidates(for: q.text, k: depth) }
    }

    /// BM25 ranks `ranks` of each query (for example 21...50, within `depth`): hard negatives,
    /// never shown to a simulated user and not all of them non-relevant.
    public func hard(ranks: ClosedRange<Int>, extra: [CollectionFeatures.ExtraFeature]) throws -> RankingDataset {
        try build(extra: extra) { qi in Array(ranked[qi].dropFirst(ranks.lowerBound - 1).prefix(ranks.count)) }
    }

    /// `perQuery` documents drawn (seeded) from the other queries' candidate lists, none of
    /// them among the query's own BM25 top `depth`: random, almost surely non-relevant.
    public func random(candidates: RankingDataset, perQuery: Int, seed: UInt64,
                       extra: [CollectionFeatures.ExtraFeature]) throws -> RankingDataset {
        let index = Dictionary(collection.documents.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>(), pool: [Int] = []
        for q in candidates.queries { for d in q.docIDs where seen.insert(d).inserted { if let i = index[d] { pool.append(i) } } }
        let random = CounterRandom(seed: seed)
        return try build(extra: extra) { qi in
            let own = Set(ranked[qi])
            var out: [Int] = []
            var draw: UInt64 = 0
            while out.count < perQuery && draw < UInt64(perQuery * 50) && !pool.isEmpty {
                let d = pool[Int(random.bits(0x7E6A, UInt64(qi), draw) % UInt64(pool.count))]
                draw += 1
                if !own.contains(d) && !out.contains(d) { out.append(d) }
            }
            return out
        }
    }

    func build(extra: [CollectionFeatures.ExtraFeature], documents: (Int) -> [Int]) throws -> RankingDataset {
        let analyzer = Analyzer()
        var queries: [RankingQuery] = []
        for (qi, q) in collection.queries.enumerated() {
            let docs = documents(qi)
            let terms = analyzer.terms(q.text)
            let judged = collection.qrels.judgments[q.id] ?? [:]
            let texts = docs.map { collection.documents[$0] }
            let columns = try extra.map { try $0.values(q, texts) }
            var features: [Float] = []
            for (k, d) in docs.enumerated() {
                features += extractor.featureVector(query: terms, document: d)
                features += columns.map { $0[k] }
            }
            queries.append(RankingQuery(id: q.id, docIDs: texts.map(\.id), labels: texts.map { Float(max(0, judged[$0.id] ?? 0)) },
                                        features: features))
        }
        return RankingDataset(featureCount: FeatureExtractor.features.count + extra.count, queries: queries)
    }
}
