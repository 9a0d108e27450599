import ArgumentParser
import Ranking

/// `famol rank`: scores a data set with a trained model and writes a TREC run.
struct RankCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rank", abstract: "Write a TREC run of a model's scores over an SVMlight file.")

    @Option(help: "Model file written by 'famol train'.") var model: String
    @Option(help: "Data to rank (SVMlight).") var data: String
    @Option(help: "Output run file.") var out: String
    @Option(help: "Run tag.") var tag = "famol"

    func run() throws {
        try reportingInputErrors {
            pinBLASToOneThread()
            let (ranker, parameters, _) = try ModelFile.read(model)
            var dataset = try DatasetFile.read(data)
            guard dataset.featureCount <= ranker.layout.inputCount else {
                throw InputError(file: data, field: "feature \(dataset.featureCount)",
                                 "the model takes \(ranker.layout.inputCount) features", hint: "rank data with the model's feature set")
            }
            dataset = dataset.padded(to: ranker.layout.inputCount)
            try AtomicFile.write(Scoring.run(ranker: ranker, parameters: parameters, dataset: dataset, tag: tag).render(), to: out)
            print("ranked \(dataset.queries.count) queries, \(dataset.documentCount) documents -> \(out)")
        }
    }
}
