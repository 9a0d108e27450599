import ArgumentParser
import Ranking

/// `famol train`: trains the MLP ranker; its last line is `model sha256 <hex>`.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the MLP ranker from labels, clicks, FAMOL or a data schedule.",
        discussion: "An SVMlight --train file's own labels serve as label supervision unless --labels (qrels) is given. Writes model.json, history.json and, with --test, test.run to --out."
    )

    @Option(help: "Training data (SVMlight/LETOR).") var train: String
    @Option(help: "Validation data (SVMlight) for early stopping, judged by its own labels.") var valid: String
    @Option(help: "Test data (SVMlight); its run and metrics are written and printed.") var test: String?
    @Option(help: "Click log (famol JSONL or Yandex format).") var clicks: String?
    @Option(help: "Qrels replacing the training file's labels.") var labels: String?
    @Option(help: "Bands file ('query frequency [band]'); default terciles of click frequencies.") var bands: String?
    @Option(help: "Output directory.") var out: String
    @OptionGroup var options: TrainOptions

    func run() throws {
        try reportingInputErrors {
            pinBLASToOneThread()
            var spec = TrainingSpec(trainPath: train, validPath: valid)
            spec.testPath = test
            spec.clicksPath = clicks
            spec.labelsPath = labels
            spec.bandsPath = bands
            spec.config = try options.trainerConfig()
            spec.objective = try options.objective()
            let job = TrainingJob(spec: spec, outputDirectory: out)
            let outcome = try job.run(log: { print($0) })
            print("best epoch \(outcome.state.bestEpoch + 1), validation \(spec.config.validationMetric) \(fmt(outcome.state.bestScore))")
            if let m = outcome.testMetrics {
                print("test " + [Metric.ndcg(10), .err(10), .mrr, .map].map { "\($0) \(fmt(m[$0]!))" }.joined(separator: "  "))
            }
            print("model written to \(outcome.modelPath)")
            print("model sha256 \(outcome.modelSHA256)")
        }
    }
}
