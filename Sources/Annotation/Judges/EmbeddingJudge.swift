import Ranking

/// Judges semantic relevance by the cosine between query and document embeddings
/// (all-MiniLM-L6-v2, embedded), graded by a calibration.
public struct EmbeddingJudge: Judge {
    public let cache: EmbeddingCache
    public var calibration: GradeCalibration

    public init(cache: EmbeddingCache, calibration: GradeCalibration = .standard) {
        self.cache = cache
        self.calibration = calibration
    }

    public var provenance: String { "embedding judge \(cache.encoder.modelID) (cosine; \(calibration.description))" }

    public static func documentText(_ d: TextDocument) -> String { d.title.isEmpty ? d.body : d.title + ". " + d.body }

    public func similarities(query: TextQuery, documents: [TextDocument]) -> [Double] {
        let vectors = cache.embed([query.text] + documents.map(Self.documentText))
        let q = vectors[0]
        return vectors.dropFirst().map { v in zip(q, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
    }

    public func judge(query: TextQuery, documents: [TextDocument]) throws -> [Judgment] {
        let s = similarities(query: query, documents: documents)
        let grades = calibration.grades(s)
        return documents.indices.map { Judgment(query: query.id, document: documents[$0].id, label: grades[$0], score: s[$0]) }
    }
}
