import Annotation
import ArgumentParser
import Foundation
import Ranking

/// `famol demo`: the per-band study on the bundled Cranfield collection, in one process.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Train click-, label- and FAMOL-supervised rankers on Cranfield and print nDCG@10 per frequency band.",
        discussion: "Labels come from the embedded all-MiniLM-L6-v2 judge (--judge embedding, the default) or from Cranfield's human judgments (--judge human); clicks are simulated; evaluation is always on the human judgments."
    )

    @Option(help: "Cranfield directory.") var cranfield = "../shared/datasets/cranfield"
    @Option(help: "Output directory.") var out = "runs/demo"
    @Option(help: "Cross-validation folds.") var folds = 5
    @Option(help: "Simulated impressions.") var impressions = 20_000
    @Option(help: "Seed.") var seed: UInt64 = 42
    @Option(help: "Epochs per model.") var epochs = 40
    @Option(help: "Use only the first N queries (quick runs).") var queries: Int?
    @Option(help: "Source of training labels: embedding (the embedded judge) or human.") var judge: DemoJudge = .embedding
    @Option(help: "BLAS threads of the embedding judge.") var threads = 2

    enum DemoJudge: String, ExpressibleByArgument { case embedding, human }

    func run() throws {
        try reportingInputErrors {
            pinBLASToOneThread()
            let collection = try CranfieldReader.read(directory: cranfield)
            var config = StudyConfig()
            config.folds = folds
            config.clicks.impressions = impressions
            config.clicks.seed = seed &+ 1
            config.trainer.seed = seed
            config.trainer.epochs = epochs
            config.queryLimit = queries
            print("Cranfield: \(collection.documents.count) documents, \(collection.queries.count) queries; BM25 top-\(config.candidates) candidates")
            let written = try CollectionFeatures.write(collection, k: config.candidates, to: out)
            let dataset = try SVMLightReader.read(written[0])
            var labelSource = "human judgments (Cranfield qrels; \(collection.gradeMapping))"
            if judge == .embedding {
                let judgeModel = EmbeddingJudge(cache: EmbeddingCache(encoder: try loadEncoder(modelDir: nil, maxTokens: 256, threads: threads)))
                let candidates = Dictionary(uniqueKeysWithValues: dataset.queries.prefix(queries ?? Int.max).map { ($0.id, $0.docIDs) })
                let started = Date()
                let judgments = try AnnotationRun(collection: collection, candidates: candidates).run(judgeModel) { done, total in
                    Progress.bar("judge", done, total, started: started)
                }
                config.trainingLabels = AnnotationRun.qrels(judgments)
                try AtomicFile.write(AnnotationRun.qrels(judgments).render(), to: out + "/judge.qrels")
                labelSource = judgeModel.provenance
                print(String(format: "judge labels: ROC AUC %.4f against the human judgments over the candidates",
                             AnnotationRun.auc(judgments, reference: collection.qrels)))
            }
            let result = try BandStudy(config: config).run(dataset) { print("  " + $0) }
            let report = StudyReport(result: result, config: config, labelSource: labelSource)
            print("")
            print(report.sourcesText)
            print("")
            print(report.table())
            try AtomicFile.write(try report.json(), to: out + "/results.json")
            print("\nresults -> \(out)/results.json")
        }
    }
}
