import Annotation
import Cluster
import Foundation
import Ranking

extension ClusterJob {
    /// An LLM annotation's calls on the workers.
    public static func annotate(_ job: AnnotationJob) -> ClusterJob {
        ClusterJob(kind: WorkerJobKind.annotateName, encoding: job)
    }
}

extension WorkerJobKind {
    public static let annotateName = "annotate"

    /// LLM calls: each HTTP request is recorded in the worker's store (`--store`) before it is
    /// sent, and each answer before it goes to the coordinator.
    public static let annotate = WorkerJobKind(name: annotateName) { job, context in
        .meteredCalls(try LLMCallRunner(job: try job.decodeSpec(AnnotationJob.self), storePath: context.storePath))
    }

    /// Every kind famol's workers run.
    public static let all: [WorkerJobKind] = [.train, .annotate, .embed]
}

/// Runs one job's LLM calls on a worker, each within its lease's allowance.
struct LLMCallRunner: MeteredCallRunner, @unchecked Sendable {
    let executor: ChatCallExecutor
    let store: AnnotationStore?
    let concurrency: Int
    let unusable: String?

    init(job: AnnotationJob, storePath: String?) throws {
        // A store that cannot be opened (a full disk) fails each call before it is sent, so the
        // coordinator stops the run at once and says why.
        var store: AnnotationStore? = nil
        var unusable: String? = nil
        do { store = try storePath.map { try AnnotationStore(path: $0) } } catch { unusable = "this worker's store: \(error)" }
        self.store = store
        self.unusable = unusable
        self.concurrency = max(1, job.concurrency)
        self.executor = ChatCallExecutor(client: try ChatClient(settings: job.chat), prompts: try job.loadedPrompts(), parseRetries: job.parseRetries,
                                         accounting: store.map { StoreRequestAccounting(store: $0, budget: AnnotationBudget(maxRequests: nil, maxTokens: nil)) })
    }

    func run(callJSON: String, allowance: LeaseAllowance, isCancelled: @escaping @Sendable () -> Bool) -> MeteredCallOutcome {
        guard let call = try? JSONDecoder().decode(AnnotationCall.self, from: Data(callJSON.utf8)) else {
            return .failed(.workerUnusable, reason: "not an annotation call for this job", spent: Spend())
        }
        let spent = AnnotationBudget(maxRequests: allowance.requests, maxTokens: allowance.tokens)
        var bounded = executor
        bounded.accounting = StoreRequestAccounting(store: store, budget: spent, isCancelled: isCancelled)
        do {
            let result = try bounded.execute(call)
            // Kept here before it is sent: a coordinator that dies before storing it (and takes
            // this worker with it) leaves it where the next run finds it.
            try store?.put(result)
            return .answered(key: result.key, resultJSON: try CanonicalJSON.string(result))
        } catch {
            return .failed(Self.failureKind(of: error), reason: "\(error)", spent: Spend(requests: spent.requests, tokens: spent.tokens))
        }
    }

    /// What a failed call means for the run.
    static func failureKind(of error: Error) -> TaskFailure.Kind {
        switch error {
        case is BudgetExhausted: return .allowanceSpent
        case is CallCancelled: return .cancelled
        case let e as ChatError: return e.retryable ? .retry : .failedForGood
        case is AnnotationStore.StoreError: return .failedForGood  // this host's disk: stop, say why
        default: return .retry
        }
    }
}
