import Annotation
import ArgumentParser
import Cluster
import ClusterAnnotation
import FamolLog
import Foundation
import Ranking

extension AnnotateCommand {
    /// The embedded judge as one job: here, or with --bind its batches on the workers (the
    /// labels are the same bits either way); --write-spec writes the job and stops.
    func runEmbedding(settings: AnnotateSettings, cluster: ClusterSettings) throws {
        var job = EmbeddingAnnotationJob()
        job.collection = try annotationCandidates(settings)
        job.calibration = settings.calibration
        job.maxTokens = settings.judging.embeddingMaxTokens
        job.modelDirectory = settings.judging.embeddingModelDir
        job.threads = settings.judging.embeddingThreads
        if let writeSpec {
            try AtomicFile.write(job.json + "\n", to: writeSpec)
            return print("spec written to \(writeSpec)")
        }
        guard let bind = cluster.bind else {
            _ = try job.run(outputDirectory: out, encode: nil) { print($0) }
            return
        }
        var coordinator: ClusterCoordinator? = nil
        defer { coordinator?.stop(reason: "encoding finished") }
        _ = try job.run(outputDirectory: out, encode: { spec, batches in
            let c = ClusterCoordinator(settings: try cluster.coordinatorSettings(bind: bind), job: .embed(spec), datasetHash: spec.modelID, logger: Log.famol)
            try c.start()
            coordinator = c
            print("coordinator on \(c.boundEndpoint), waiting for \(cluster.minWorkers) worker(s)")
            try c.waitForWorkers(cluster.minWorkers)
            return try c.embed(batches: batches)
        }) { print($0) }
    }
}
