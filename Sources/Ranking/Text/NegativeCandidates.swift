/// Documents added to each query's list for the true-negative analysis, with the same
/// feature columns as its candidates. Their labels are the collection's grades (the study's
/// worlds turn them into gold grades); training treats them as non-relevant.
public enum NegativeCandidates {
    /// BM25 ranks `ranks` of each query (for example 21...50): hard negatives, never shown
    /// to a simulated user and not all of them non-relevant.
    public static func hard(_ collection: TextCollection, ranks: ClosedRange<Int>, extra: [CollectionFeatures.ExtraFeature]) throws -> RankingDataset {
        let extractor = FeatureExtractor(collection: collection)
        return try build(collection, extractor: extractor, extra: extra) { _, q in
            Array(extractor.candidates(for: q.text, k: ranks.upperBound).dropFirst(ranks.lowerBound - 1))
        }
    }

    /// `perQuery` documents drawn (seeded) from the other queries' candidate lists, none of
    /// them among the query's own top `exclude` by BM25: random, almost surely non-relevant.
    public static func random(_ collection: TextCollection, candidates: RankingDataset, perQuery: Int, exclude: Int, seed: UInt64,
                              extra: [CollectionFeatures.ExtraFeature]) throws -> RankingDataset {
        let extractor = FeatureExtractor(collection: collection)
        let index = Dictionary(collection.documents.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>(), pool: [Int] = []
        for q in candidates.queries { for d in q.docIDs where seen.insert(d).inserted { if let i = index[d] { pool.append(i) } } }
        let random = CounterRandom(seed: seed)
        return try build(collection, extractor: extractor, extra: extra) { qi, q in
            let own = Set(extractor.candidates(for: q.text, k: exclude))
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

    static func build(_ collection: TextCollection, extractor: FeatureExtractor, extra: [CollectionFeatures.ExtraFeature],
                      documents: (Int, TextQuery) -> [Int]) throws -> RankingDataset {
        let analyzer = Analyzer()
        var queries: [RankingQuery] = []
        for (qi, q) in collection.queries.enumerated() {
            let docs = documents(qi, q)
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
