/// Whether a feature depends on the query or on the document alone (the study ablates the two).
public enum FeatureGroup: String, Sendable, Codable {
    case queryDocument = "query-document"
    case document
}

/// A feature's name and group, as written to the side file next to the SVMlight features.
public struct FeatureInfo: Sendable, Equatable, Codable {
    public var name: String
    public var group: FeatureGroup
    public init(_ name: String, _ group: FeatureGroup) { self.name = name; self.group = group }
}

/// Candidate retrieval (BM25 top-k) and feature extraction for text collections.
public struct FeatureExtractor: Sendable {
    public let collection: TextCollection
    let analyzer = Analyzer()
    let title: FieldIndex
    let body: FieldIndex
    /// Retrieval field: title and body together.
    let all: FieldIndex

    public init(collection: TextCollection) {
        self.collection = collection
        title = FieldIndex(texts: collection.documents.map(\.title))
        body = FieldIndex(texts: collection.documents.map(\.body))
        all = FieldIndex(texts: collection.documents.map { $0.title + " " + $0.body })
    }

    public static let features: [FeatureInfo] = [
        FeatureInfo("bm25_title", .queryDocument), FeatureInfo("bm25_body", .queryDocument),
        FeatureInfo("tfidf_title", .queryDocument), FeatureInfo("tfidf_body", .queryDocument),
        FeatureInfo("lm_dirichlet_title", .queryDocument), FeatureInfo("lm_dirichlet_body", .queryDocument),
        FeatureInfo("coverage_title", .queryDocument), FeatureInfo("coverage_body", .queryDocument),
        FeatureInfo("query_length", .queryDocument),
        FeatureInfo("title_length", .document), FeatureInfo("body_length", .document),
        FeatureInfo("body_unique_ratio", .document), FeatureInfo("body_mean_idf", .document),
        FeatureInfo("author_count", .document), FeatureInfo("digit_share", .document),
    ]

    /// The BM25 top-`k` documents (indices into the collection) for a query text, best first;
    /// ties by document order so the list is deterministic.
    public func candidates(for text: String, k: Int) -> [Int] {
        let q = analyzer.terms(text)
        var scored: [(Int, Double)] = []
        for d in 0..<all.documentCount {
            let s = all.bm25(q, document: d)
            if s > 0 { scored.append((d, s)) }
        }
        scored.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        return scored.prefix(k).map(\.0)
    }

    /// The feature vector of (query, document), in the order of `features`.
    public func featureVector(query: [String], document d: Int) -> [Float] {
        let doc = collection.documents[d]
        let bodyTerms = body.termFrequencies[d]
        let meanIDF = bodyTerms.isEmpty ? 0 : bodyTerms.keys.reduce(0.0) { $0 + body.idf($1) } / Double(bodyTerms.count)
        let authors = doc.authors.isEmpty ? 0 : doc.authors.split(separator: " and ").count
        let digits = doc.body.utf8.filter { $0 >= 48 && $0 <= 57 }.count
        let v: [Double] = [
            title.bm25(query, document: d), body.bm25(query, document: d),
            title.tfidf(query, document: d), body.tfidf(query, document: d),
            title.lmDirichlet(query, document: d, mu: 100), body.lmDirichlet(query, document: d),
            title.coverage(query, document: d), body.coverage(query, document: d),
            Double(query.count),
            Double(title.lengths[d]), Double(body.lengths[d]),
            body.lengths[d] == 0 ? 0 : Double(bodyTerms.count) / Double(body.lengths[d]), meanIDF,
            Double(authors), doc.body.isEmpty ? 0 : Double(digits) / Double(doc.body.utf8.count),
        ]
        return v.map { Float($0) }
    }

    /// Candidates and features for every query; labels from the collection's qrels
    /// (unjudged candidates are 0). Judged documents outside the top-k are not added.
    public func dataset(k: Int = 20) -> RankingDataset {
        var queries: [RankingQuery] = []
        for q in collection.queries {
            let terms = analyzer.terms(q.text)
            let docs = candidates(for: q.text, k: k)
            let judged = collection.qrels.judgments[q.id] ?? [:]
            var features: [Float] = []
            features.reserveCapacity(docs.count * Self.features.count)
            for d in docs { features.append(contentsOf: featureVector(query: terms, document: d)) }
            let ids = docs.map { collection.documents[$0].id }
            queries.append(RankingQuery(id: q.id, docIDs: ids, labels: ids.map { Float(max(0, judged[$0] ?? 0)) },
                                        features: features))
        }
        return RankingDataset(featureCount: Self.features.count, queries: queries)
    }
}
