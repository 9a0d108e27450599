import Cluster
import ClusterAnnotation
import FamolLog
import Foundation
import Ranking

/// The jobs of `famol serve`, run one at a time on one coordinator whose workers stay
/// connected from job to job (each job is a new Welcome, as in a study's shared cluster).
final class ServedJobs {
    private let settings: CoordinatorSettings
    private let minWorkers: Int
    private let outputDirectory: String
    private var coordinator: ClusterCoordinator?
    private var started = 0

    init(settings: CoordinatorSettings, minWorkers: Int, outputDirectory: String) {
        self.settings = settings
        self.minWorkers = minWorkers
        self.outputDirectory = outputDirectory
    }

    /// Runs one job, telling `events` how it goes; whatever fails, fails this job only.
    func run(_ submission: SubmitServer.Submission, events: (SubmitEvent) -> Void) {
        let job = submission.job
        events(SubmitEvent(event: .running, job: job))
        Log.famol.info("job \(job) started: \(submission.request.kind)")
        let say = { (line: String) in
            var e = SubmitEvent(event: .progress, job: job)
            e.line = line
            events(e)
        }
        do {
            let directory = outputDirectory + "/job-\(job)"
            var done = SubmitEvent(event: .done, job: job)
            switch submission.request.kind {
            case "train":
                let outcome = try train(submission.request.spec, job: job, directory: directory, log: say)
                (done.sha256, done.output) = (outcome.modelSHA256, outcome.modelPath)
            case "annotate" where LLMAnnotationJob.judge(ofSpec: submission.request.spec) == "openai":
                let spec = try LLMAnnotationJob.parse(submission.request.spec, source: "job \(job)'s spec")
                // One store for the pool: a judgment any earlier job paid for is reused, never asked again.
                try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
                try spec.run(outputDirectory: directory, storePath: outputDirectory + "/annotations.sqlite", cluster: { annotationJob, policies, store in
                    var adjusted = self.settings
                    policies(&adjusted)
                    let c = try self.coordinator(for: .annotate(annotationJob), datasetHash: "", trainer: nil, policies: adjusted, storeResult: store)
                    return (c, max(1, c.readyWorkers), {})
                }, workerStores: nil, say: say)
                done.output = directory + "/labels.jsonl"
                done.sha256 = SHA256.hex(Array(try Data(contentsOf: URL(fileURLWithPath: done.output!))))
            case "annotate":
                let spec = try EmbeddingAnnotationJob.parse(submission.request.spec, source: "job \(job)'s spec")
                done.sha256 = try spec.run(outputDirectory: directory, encode: { encoder, batches in
                    try self.coordinator(for: .embed(encoder), datasetHash: encoder.modelID, trainer: nil).embed(batches: batches)
                }, say: say)
                done.output = directory + "/labels.jsonl"
            case "study":
                let results = try study(submission.request.spec, job: job, directory: directory, say: say)
                (done.sha256, done.output) = (SHA256.hex(Array(try Data(contentsOf: URL(fileURLWithPath: results)))), results)
            default:
                throw UnservedKind(kind: submission.request.kind)
            }
            Log.famol.info("job \(job) done: sha256 \(done.sha256 ?? "")")
            events(done)
        } catch {
            var failed = SubmitEvent(event: .failed, job: job)
            failed.error = "\(error)"
            failed.exitCode = error is UnservedKind ? 64 : ExitStatus.code(for: error).rawValue
            Log.famol.warning("job \(job) failed: \(error)")
            events(failed)
        }
    }

    private func train(_ specJSON: String, job: Int, directory: String, log: (String) -> Void) throws -> TrainingJob.Outcome {
        let spec = try TrainingSpec.parse(specJSON, source: "job \(job)'s spec")
        let loaded = try TrainingJob.loadTrainer(spec)
        let c = try coordinator(for: .train(spec), datasetHash: try spec.datasetHash(), trainer: loaded.0)
        return try TrainingJob(spec: spec, outputDirectory: directory).run(loaded: loaded, gradients: c.gradientSource, log: log)
    }

    /// A study whose spec is its TOML config: every model trains on the pool, one after
    /// another; its judge (if it runs one) and its report run here. Writes to the job's directory.
    private func study(_ toml: String, job: Int, directory: String, say: (String) -> Void) throws -> String {
        let source = "job \(job)'s spec"
        var s = try StudySettings.parse(toml, source: source)
        s.out = directory
        s.workers = 0  // the pool trains; a judge runs in this process
        try StudySettings.validated(s, source: source)
        let trainer = PoolStudyTrainer { [unowned self] next, hash, trainer in try self.coordinator(for: next, datasetHash: hash, trainer: trainer) }
        say("training the study's models on the pool's workers")
        return try StudyRun(settings: s).run(trainer: { trainer }, say: say)
    }

    /// The pool's coordinator serving `next`: started with the first job, handed each later
    /// one in a new Welcome; the first waits for --min-workers, later ones for whoever is ready.
    /// `policies` and `storeResult` are an LLM job's (the pool's own policies otherwise).
    private func coordinator(for next: ClusterJob, datasetHash: String, trainer: Trainer?, policies: CoordinatorSettings? = nil,
                             storeResult: (@Sendable (String) throws -> Void)? = nil) throws -> ClusterCoordinator {
        let c: ClusterCoordinator
        if let existing = coordinator {
            try existing.switchJob(next, datasetHash: datasetHash, trainer: trainer, policies: policies ?? settings, storeResult: storeResult)
            c = existing
        } else {
            c = ClusterCoordinator(settings: policies ?? settings, job: next, datasetHash: datasetHash, trainer: trainer,
                                   storeResult: storeResult, logger: Log.famol)
            try c.start()
            coordinator = c
        }
        try c.waitForWorkers(started == 0 ? minWorkers : 1)
        started += 1
        return c
    }

    func stop() {
        coordinator?.stop(reason: "famol serve stopped")
        coordinator = nil
    }

    struct UnservedKind: Error, CustomStringConvertible {
        let kind: String
        var description: String { "famol serve runs train, annotate and study jobs; '\(kind)' jobs are not served (yet): run famol \(kind) itself" }
    }
}
