import Foundation
import Ranking

/// Which job the coordinator serves, and switching to the next one on the same workers.
extension ClusterCoordinator {
    /// A job's run id (which every message carries) and the Welcome that hands it to workers.
    static func identify(_ job: ClusterJob, datasetHash: String, settings: CoordinatorSettings) -> (String, WireMessage.Welcome) {
        (String(SHA256.hex(Array((job.configHash + datasetHash).utf8)).prefix(16)),
         .init(heartbeatIntervalMS: UInt32(settings.liveness.heartbeatIntervalMS), liveness: UInt32(settings.liveness.liveness),
               configHash: job.configHash, datasetHash: datasetHash, jobJSON: job.json))
    }

    /// Serves the next job on the same workers: each gets the new Welcome, loads the job
    /// (unless it has it) and says Ready again; call `waitForWorkers` before its tasks. Tasks of
    /// the previous job still outstanding (it failed) are abandoned; its late messages carry the
    /// old run id and are dropped.
    /// `policies` replaces the job's liveness, straggler, profile and no-worker settings (an LLM
    /// job never re-issues a call); `storeResult` is the next job's store (nil: none).
    public func switchJob(_ next: ClusterJob, datasetHash: String, trainer nextTrainer: Trainer?,
                          policies: CoordinatorSettings? = nil, storeResult nextStore: (@Sendable (String) throws -> Void)? = nil) throws {
        locked {
            if !tasks.isEmpty { logger.info("abandoning \(tasks.count) task(s) of the previous job") }
            tasks.removeAll()
            if let policies {
                settings.liveness = policies.liveness
                settings.straggler = policies.straggler
                settings.deterministic = policies.deterministic
                settings.noWorkerTimeoutSeconds = policies.noWorkerTimeoutSeconds
            }
            storeResult = nextStore
            storeFailure = nil
            job = next
            trainer = nextTrainer
            (runID, welcome) = Self.identify(next, datasetHash: datasetHash, settings: settings)
            parameters = nil
            leases.removeAll()
            pending.removeAll()
            gradientTaskIDs.removeAll()
            stepParts.removeAll()
            annotationTaskIDs.removeAll()
            taskSeconds.removeAll()
            for id in workers.keys {
                workers[id]!.ready = false
                workers[id]!.freeCredit = 0
                workers[id]!.leases.removeAll()
                workers[id]!.paramsVersion = -1  // parameter versions start again at 0
                send(to: id, .welcome(welcome))
            }
            counters.add("famol_jobs_total")
        }
    }
}
