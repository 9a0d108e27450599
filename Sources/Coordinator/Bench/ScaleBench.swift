import ArgumentParser
import Foundation
import Ranking

/// `famol bench scale`: how the coordinator's memory and step time grow with the number of
/// queries (generated), at a fixed shard count and batch.
struct ScaleBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scale", abstract: "Peak memory and per-step time of training with many generated queries and shards.")
    @Option(help: "Queries.") var queries = 10_000
    @Option(help: "Documents per query.") var documents = 10
    @Option(help: "Features.") var features = 16
    @Option(help: "Virtual shards.") var shards = 256
    @Option(help: "Queries per step.") var batch = 256
    @Option(help: "Steps timed.") var steps = 20

    struct Enough: Error {}

    func run() throws {
        pinBLASToOneThread()
        let data = syntheticDataset(queries: queries, documents: documents, features: features, seed: 3)
        var config = TrainerConfig()
        config.shards = shards
        config.batchQueries = batch
        config.epochs = 1
        config.patience = 0
        var trainer: Trainer!
        let setup = timed {
            trainer = Trainer(config: config, objective: Objective(supervision: .labels), examples: TrainingSetBuilder(dataset: data).build(),
                              validation: RankingDataset(featureCount: features, queries: [data.queries[0]]))
        }
        // Time from the end of the first step (a warm-up) to the end of the last one timed; an
        // epoch shorter than the steps asked for ends the count early.
        var done = 0
        var first = 0.0, last = 0.0
        do {
            _ = try trainer.train(onStep: { _ in
                done += 1
                let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
                if done == 1 { first = now } else { last = now }
                if done == steps + 1 { throw Enough() }
            })
        } catch is Enough {}
        guard done >= 2 else {
            throw ValidationError("one epoch has \(done) step(s): give at least \(2 * batch) queries")
        }
        try printJSON(["queries": queries, "shards": shards, "batch": batch, "setup_seconds": setup, "steps_timed": done - 1,
                       "step_ms": (last - first) / Double(done - 1) * 1000, "peak_rss_mib": peakResidentMiB()])
    }
}
