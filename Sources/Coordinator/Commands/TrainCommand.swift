import ArgumentParser
import Cluster
import FamolLog
import Foundation
import Ranking

/// `famol train`: trains the MLP ranker; its last line is `model sha256 <hex>`.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the MLP ranker from labels, clicks, FAMOL or a data schedule.",
        discussion: "An SVMlight --train file's own labels serve as label supervision unless --labels (qrels) is given. Writes model.json, history.json and, with --test, test.run to --out." + "\n\n" + TrainSettings.table.configHelp + "\n" + ClusterSettings.table.helpText
    )

    @Option(help: "The whole job as one JSON file (a TrainingSpec, as famol demo writes spec.json next to each model); replaces --train, --valid, the data files and the training flags.")
    var spec: String?
    @Option(help: "Write the job the flags and --config describe as a spec file (for famol train --spec or famol submit) and stop.")
    var writeSpec: String?
    @Option(help: "Training data (SVMlight/LETOR).") var train: String?
    @Option(help: "Validation data (SVMlight) for early stopping, judged by its own labels; an empty file trains every epoch and keeps the last.") var valid: String?
    @Option(help: "Test data (SVMlight); its run and metrics are written and printed.") var test: String?
    @Option(help: "Click log (famol JSONL or Yandex format).") var clicks: String?
    @Option(help: "Qrels replacing the training file's labels.") var labels: String?
    @Option(help: "Bands file ('query frequency [band]'); default terciles of click frequencies.") var bands: String?
    @Option(help: "Output directory.") var out: String
    @OptionGroup var options: TrainOptions
    @OptionGroup(title: "Cluster") var cluster: ClusterOptions
    @OptionGroup(title: "Checkpoints") var checkpoints: CheckpointOptions
    @OptionGroup(title: "Logging") var logging: LoggingOptions

    func validate() throws {
        if spec != nil {
            guard train == nil, valid == nil, test == nil, clicks == nil, labels == nil, bands == nil, options.config == nil else {
                throw ValidationError("--spec holds the whole job: drop --train, --valid, --test, --clicks, --labels, --bands and --config")
            }
        } else if train == nil || valid == nil {
            throw ValidationError("give --train FILE and --valid FILE, or --spec FILE")
        }
    }

    /// The job (the spec file as written, or the flags and --config rendered into the same
    /// type) and how its cluster runs.
    func jobSpec() throws -> (TrainingSpec, ClusterSettings) {
        if let spec { return (try TrainingSpec.read(spec), try cluster.resolved()) }
        var s = TrainingSpec(trainPath: train!, validPath: valid!)
        s.testPath = test
        s.clicksPath = clicks
        s.labelsPath = labels
        s.bandsPath = bands
        let settings = try options.settings(cluster: cluster)
        s.config = settings.training.trainerConfig()
        s.objective = settings.training.objective()
        return (s, settings.cluster)
    }

    func run() throws {
        logging.apply()
        FamolMetrics.bootstrap()
        try reportingInputErrors {
            pinBLASToOneThread()
            let (spec, cluster) = try jobSpec()
            if let writeSpec {
                try AtomicFile.write(spec.json + "\n", to: writeSpec)
                print("spec written to \(writeSpec) (config hash \(spec.configHash.prefix(16)))")
                return
            }
            let job = TrainingJob(spec: spec, outputDirectory: out)
            let loaded = try TrainingJob.loadTrainer(spec)
            let datasetHash = try spec.datasetHash()
            let resumeDirectory = checkpoints.resume
                ?? (checkpoints.autoResume && FileManager.default.fileExists(atPath: out + "/" + Checkpoint.fileName) ? out : nil)
            let resumed = try resumeDirectory.map {
                try Checkpoint.read(directory: $0, configHash: spec.configHash, datasetHash: datasetHash).state
            }
            if let r = resumed { print("resuming at epoch \(r.epoch + 1), step \(r.step + 1) from \(resumeDirectory!)") }
            var coordinator: ClusterCoordinator? = nil
            var metrics: MetricsServer? = nil
            // Before anything can throw: a coordinator left running when no worker joined
            // crashed famol on its way out (its socket thread outlived it).
            defer {
                coordinator?.stop(reason: "training finished")
                metrics?.stop()
            }
            if let bind = cluster.bind {
                let c = ClusterCoordinator(settings: try cluster.coordinatorSettings(bind: bind), job: .train(spec), datasetHash: datasetHash,
                                           trainer: loaded.0, logger: Log.famol)
                try c.start()
                coordinator = c
                if let port = cluster.metricsPort {
                    metrics = try MetricsServer(host: cluster.metricsHost, port: port) { c.counters.prometheusText() }
                    print("metrics on http://\(cluster.metricsHost):\(metrics!.port)/metrics")
                }
                print("coordinator on \(c.boundEndpoint), waiting for \(cluster.minWorkers) worker(s)")
                try c.waitForWorkers(cluster.minWorkers)
            }
            Termination.install()
            let every = checkpoints.checkpointEvery
            let outcome: TrainingJob.Outcome
            let trainingStarted = DispatchTime.now().uptimeNanoseconds
            do {
                outcome = try job.run(loaded: loaded, gradients: coordinator?.gradientSource, resume: resumed, onStep: { state in
                    let stop = Termination.requested != 0
                    if stop || (every > 0 && state.parametersVersion % every == 0) {
                        try Checkpoint(configHash: spec.configHash, datasetHash: datasetHash, state: state).write(directory: out)
                    }
                    if stop { throw Termination.Stopped() }
                }, log: { print($0) })
            } catch is Termination.Stopped {
                print("stopped by signal; checkpoint written to \(out)/\(Checkpoint.fileName); continue with --resume \(out)")
                throw ExitCode(143)
            }
            let trainingSeconds = Double(DispatchTime.now().uptimeNanoseconds - trainingStarted) / 1e9
            let steps = outcome.state.parametersVersion - (resumed?.parametersVersion ?? 0)
            print(String(format: "training took %.3f s for %d steps: %.3f ms per step (validation included)", trainingSeconds, steps,
                         trainingSeconds * 1000 / Double(max(steps, 1))))
            print("best epoch \(outcome.state.bestEpoch + 1), validation \(spec.config.validationMetric.labelled) \(fmt(outcome.state.bestScore))")
            if let m = outcome.testMetrics {
                print("test " + [Metric.ndcg(10), .err(10), .mrr, .map].map { "\($0) \(fmt(m[$0]!))" }.joined(separator: "  "))
            }
            print("model written to \(outcome.modelPath)")
            print("model sha256 \(outcome.modelSHA256)")
        }
    }
}
