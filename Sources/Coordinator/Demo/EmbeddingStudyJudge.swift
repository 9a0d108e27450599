import Annotation
import Foundation
import Ranking

/// The embedded all-MiniLM-L6-v2 in a study: the semantic feature of every arm, and the
/// pointwise judge whose grades come from collection-wide shares of the cosine.
struct EmbeddingStudyJudge {
    static let semanticFeature = FeatureInfo("semantic_cosine", .queryDocument)
    let judge: EmbeddingJudge

    init(settings: JudgeSettings) throws {
        let encoder = try loadEncoder(modelDir: settings.embeddingModelDir, maxTokens: settings.embeddingMaxTokens, threads: settings.embeddingThreads)
        judge = EmbeddingJudge(cache: EmbeddingCache(encoder: encoder))
    }

    /// The cosine of query and document, as a feature column.
    var semanticFeature: CollectionFeatures.ExtraFeature {
        let judge = self.judge
        return CollectionFeatures.ExtraFeature(info: Self.semanticFeature) { q, docs in
            judge.similarities(query: q, documents: docs).map { Float($0) }
        }
    }

    /// Grades every candidate of `dataset` (one calibration over all of them, so a grade means
    /// the same in every list) and writes them as qrels to `qrelsPath`.
    func labels(collection: TextCollection, dataset: RankingDataset, shares: [Double], qrelsPath: String) throws -> (LabelSource, [Judgment]) {
        let documents = Dictionary(uniqueKeysWithValues: collection.documents.map { ($0.id, $0) })
        let queries = Dictionary(uniqueKeysWithValues: collection.queries.map { ($0.id, $0) })
        var similarities: [(String, [String], [Double])] = []
        for q in dataset.queries {
            similarities.append((q.id, q.docIDs, judge.similarities(query: queries[q.id]!, documents: q.docIDs.map { documents[$0]! })))
        }
        let calibration = GradeCalibration.global(similarities.flatMap(\.2), shares: shares)
        var judgments: [Judgment] = []
        for (q, docs, sims) in similarities {
            for (d, (sim, grade)) in zip(docs, zip(sims, calibration.grades(sims))) {
                judgments.append(Judgment(query: q, document: d, label: grade, score: sim))
            }
        }
        let qrels = AnnotationRun.qrels(judgments)
        try AtomicFile.write(qrels.render(), to: qrelsPath)
        let provenance = "embedding judge \(judge.cache.encoder.modelID) (cosine; \(calibration.description), collection-wide shares \(shares.map { "\($0)" }.joined(separator: "/")) for grades 3/2/1); pointwise"
        return (LabelSource(name: "embedding", provenance: provenance, qrels: qrels), judgments)
    }
}
