import Foundation
import Logging

/// What the coordinator does when a worker reports a task it could not finish: decided by the
/// failure's kind, never by the wording of its reason.
extension ClusterCoordinator {
    func taskFailed(_ f: TaskFailure, from identity: [UInt8], now: Double) {
        if f.kind != .cancelled { logger.warning("worker \(workers[identity]!.workerID) failed a task: \(f.reason)", metadata: ["worker": "\(workers[identity]!.workerID)"]) }
        if let lease = leases[f.leaseID], lease.worker == identity, tasks[lease.task]?.output == nil {
            let id = lease.task
            tasks[id]!.spent.requests += Int(f.requestsSent)
            tasks[id]!.spent.tokens += Int(f.tokensSpent)
            switch f.kind {
            case .missingParameters:
                workers[identity]!.paramsVersion = -1
            case .failedForGood:
                complete(id, .failed(f.reason))
                if case .annotation = tasks[id]!.kind { cancelAnnotations(because: f.reason) }
            case .allowanceSpent:
                complete(id, .allowanceSpent(tasks[id]!.spent))
            case .cancelled:
                break  // the lease ends and the task goes back to the queue: nothing failed
            case .retry, .workerUnusable:
                tasks[id]!.failures += 1
                if tasks[id]!.failures >= ClusterTask.failureLimit { complete(id, .failed(f.reason)) }
            }
            let left = tasks[id]!.remainingAllowance
            if tasks[id]!.output == nil, (left.requests ?? 1) <= 0 || (left.tokens ?? 1) <= 0 {
                complete(id, .allowanceSpent(tasks[id]!.spent))
            }
        }
        finishLease(f.leaseID, of: identity, now: now, succeeded: false)
        if f.kind == .workerUnusable { removeWorker(identity, why: "it cannot run this job's tasks: \(f.reason)") }
    }

    /// Fails every annotation task still open and cancels its leases: a call that failed for
    /// good (a refused key, an endpoint that cannot keep up) fails the job, and the workers
    /// send no further request for it.
    func cancelAnnotations(because reason: String) {
        for (id, task) in tasks where task.output == nil {
            guard case .annotation = task.kind else { continue }
            complete(id, .failed("cancelled: another call failed for good (\(reason))"))
        }
    }
}
