import ArgumentParser
import Foundation
import Ranking

/// `famol demo`: the per-band study on the bundled Cranfield collection, in one process.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Train click-, label- and FAMOL-supervised rankers on Cranfield and print nDCG@10 per frequency band."
    )

    @Option(help: "Cranfield directory.") var cranfield = "../shared/datasets/cranfield"
    @Option(help: "Output directory.") var out = "runs/demo"
    @Option(help: "Cross-validation folds.") var folds = 5
    @Option(help: "Simulated impressions.") var impressions = 20_000
    @Option(help: "Seed.") var seed: UInt64 = 42
    @Option(help: "Epochs per model.") var epochs = 40
    @Option(help: "Use only the first N queries (quick runs).") var queries: Int?

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
            let result = try BandStudy(config: config).run(dataset) { print("  " + $0) }
            let report = StudyReport(result: result, config: config, gradeMapping: collection.gradeMapping)
            print("")
            print(report.sourcesText)
            print("")
            print(report.table())
            try AtomicFile.write(try report.json(), to: out + "/results.json")
            print("\nresults -> \(out)/results.json")
        }
    }
}
