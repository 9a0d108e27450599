import Annotation
import Cluster
import FamolLog
import Foundation
import Ranking

extension AnnotateCommand {
    /// Encodes every query and candidate once, in the batches any process forms for them: on
    /// the workers with --bind (an `embed` job, one batch per task), else here. The labels are
    /// the same bits either way.
    func prefillEmbeddings(_ cache: EmbeddingCache, collection: TextCollection, candidates: [String: [String]],
                           settings: AnnotateSettings) throws {
        let documents = Dictionary(uniqueKeysWithValues: collection.documents.map { ($0.id, $0) })
        var texts: [String] = []
        for q in collection.queries {
            guard let ids = candidates[q.id] else { continue }
            texts.append(q.text)
            texts += ids.compactMap { documents[$0] }.map(EmbeddingJudge.documentText)
        }
        guard let bind = cluster.bind else { return cache.prefill(texts) }
        let job = EmbeddingJobSpec(modelID: cache.encoder.modelID, maxTokens: settings.judging.embeddingMaxTokens,
                                   modelDirectory: settings.judging.embeddingModelDir)
        let coordinator = ClusterCoordinator(settings: try cluster.settings(bind: bind), job: .embed(job), datasetHash: job.modelID,
                                             logger: Log.famol)
        try coordinator.start()
        defer { coordinator.stop(reason: "encoding finished") }
        print("coordinator on \(coordinator.boundEndpoint), waiting for \(cluster.minWorkers) worker(s)")
        try coordinator.waitForWorkers(cluster.minWorkers)
        let batches = cache.missingBatches(texts).count
        let started = Date()
        try cache.prefill(texts) { try coordinator.embed(batches: $0) }
        print(String(format: "encoded %d texts in %d batches on the workers in %.1f s", Set(texts).count, batches, Date().timeIntervalSince(started)))
    }
}
