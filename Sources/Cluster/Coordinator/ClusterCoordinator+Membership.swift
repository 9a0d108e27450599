import Foundation
import Logging

/// Workers joining (Hello: admitted or refused) and leaving the run.
extension ClusterCoordinator {
    func hello(_ h: WireMessage.Hello, from identity: [UInt8]) {
        if settings.deterministic && h.numericProfile != profile {
            counters.add("famol_workers_refused_total")
            // One line per 10 s at most: a flood of Hellos must not flood the log.
            let now = Self.now()
            if now - lastRefusalLogged >= 10 {
                let more = refusalsNotLogged > 0 ? " (and \(refusalsNotLogged) refusal(s) not logged since the last line)" : ""
                logger.warning("refused worker \(h.workerID): numeric profile '\(h.numericProfile)' differs from the coordinator's '\(profile)'\(more)")
                lastRefusalLogged = now
                refusalsNotLogged = 0
            } else {
                refusalsNotLogged += 1
            }
            send(to: identity, .refuse(reason: "numeric profile '\(h.numericProfile)' differs from the coordinator's '\(profile)'; a deterministic run needs the same BLAS, core type and threads (or start the coordinator with --allow-profile-mismatch)"))
            return
        }
        // A worker that restarted (or reconnected) replaces its old record.
        for (id, w) in workers where w.workerID == h.workerID && id != identity { removeWorker(id, why: "reconnected") }
        if workers[identity] == nil {
            workers[identity] = WorkerRecord(identity: identity, workerID: h.workerID, incarnation: h.incarnation, lastSeen: Self.now())
        }
        counters.set("famol_workers_alive", Double(workers.count))
        send(to: identity, .welcome(welcome))
    }

    func removeWorker(_ identity: [UInt8], why: String) {
        guard let w = workers.removeValue(forKey: identity) else { return }
        logger.warning("worker \(w.workerID) removed: \(why)", metadata: ["worker": "\(w.workerID)"])
        for id in w.leases { if let lease = leases.removeValue(forKey: id) { requeueIfOrphaned(lease.task) } }
        counters.set("famol_workers_alive", Double(workers.count))
    }

    /// Workers that said Ready for the current job.
    public var readyWorkers: Int { locked { workers.values.filter(\.ready).count } }
}
