import Cluster
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
        do {
            guard submission.request.kind == "train" else {
                throw UnservedKind(kind: submission.request.kind)
            }
            let outcome = try train(submission.request.spec, job: job) { line in
                var e = SubmitEvent(event: .progress, job: job)
                e.line = line
                events(e)
            }
            var done = SubmitEvent(event: .done, job: job)
            done.modelSHA256 = outcome.modelSHA256
            done.modelPath = outcome.modelPath
            Log.famol.info("job \(job) done: model sha256 \(outcome.modelSHA256)")
            events(done)
        } catch {
            var failed = SubmitEvent(event: .failed, job: job)
            failed.error = "\(error)"
            failed.exitCode = error is UnservedKind ? 64 : ExitStatus.code(for: error).rawValue
            Log.famol.warning("job \(job) failed: \(error)")
            events(failed)
        }
    }

    private func train(_ specJSON: String, job: Int, log: (String) -> Void) throws -> TrainingJob.Outcome {
        let spec = try TrainingSpec.parse(specJSON, source: "job \(job)'s spec")
        let loaded = try TrainingJob.loadTrainer(spec)
        let datasetHash = try spec.datasetHash()
        let c: ClusterCoordinator
        if let existing = coordinator {
            try existing.switchJob(.train(spec), datasetHash: datasetHash, trainer: loaded.0)
            c = existing
        } else {
            c = ClusterCoordinator(settings: settings, job: .train(spec), datasetHash: datasetHash, trainer: loaded.0, logger: Log.famol)
            try c.start()
            coordinator = c
        }
        // The pool's first job waits for --min-workers; later ones start with whoever is ready.
        try c.waitForWorkers(started == 0 ? minWorkers : 1)
        started += 1
        return try TrainingJob(spec: spec, outputDirectory: outputDirectory + "/job-\(job)")
            .run(loaded: loaded, gradients: c.gradientSource, log: log)
    }

    func stop() {
        coordinator?.stop(reason: "famol serve stopped")
        coordinator = nil
    }

    struct UnservedKind: Error, CustomStringConvertible {
        let kind: String
        var description: String { "famol serve runs train jobs; '\(kind)' jobs are not served (yet): run famol \(kind) itself" }
    }
}
