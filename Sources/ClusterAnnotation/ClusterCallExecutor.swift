import Annotation
import Cluster
import Foundation
import Ranking

/// Runs annotation calls on the cluster's workers: the coordinator stores each result before
/// acknowledging it, and returns it here. Each call takes an allowance from the run's budget
/// before it is leased (its worst case, or what is left) and settles it from what the worker
/// reports, so the workers together never overshoot the budget.
public struct ClusterCallExecutor: CallExecutor {
    public let coordinator: ClusterCoordinator
    public let job: AnnotationJob
    public let prompts: [Strategy: Prompt]
    public let budget: AnnotationBudget

    public init(coordinator: ClusterCoordinator, job: AnnotationJob, budget: AnnotationBudget) throws {
        self.coordinator = coordinator
        self.job = job
        self.prompts = try job.loadedPrompts()
        self.budget = budget
    }

    public var accountsForRequests: Bool { true }

    /// The most requests one call can send: every parse retry with every transport retry, and
    /// the two a structured-output step-down may add.
    var worstCaseRequests: Int { (job.chat.retries + 1) * (job.parseRetries + 1) + 2 }

    public func execute(_ call: AnnotationCall) throws -> StoredAnnotation {
        let prompt = prompts[call.strategy]!
        let tokensEach = ChatClient.estimatedTokens(system: prompt.system, user: prompt.render(query: call.queryText, documents: call.documentTexts),
                                                    maxTokens: job.chat.maxTokens)
        guard let grant = budget.reserveAllowance(upTo: worstCaseRequests, tokensEach: tokensEach) else { throw BudgetExhausted() }
        let outcome: (json: String?, failedAttempts: Spend)
        do {
            outcome = try coordinator.annotate(key: call.key, callJSON: try CanonicalJSON.string(call),
                                               allowance: LeaseAllowance(requests: grant.allowance.requests, tokens: grant.allowance.tokens))
        } catch let e as ResultStoreFailed {
            budget.settle(grant, sent: 0, spentTokens: 0)
            throw AnnotationStore.StoreError(description: e.description)  // the annotator stops on a store failure
        } catch {
            // What the failed attempts sent is in the workers' ledgers; the run stops here.
            budget.settle(grant, sent: 0, spentTokens: 0)
            throw error
        }
        guard let json = outcome.json else {
            budget.settle(grant, sent: outcome.failedAttempts.requests, spentTokens: outcome.failedAttempts.tokens)
            budget.refuse()
            throw BudgetExhausted()
        }
        let answer = try JSONDecoder().decode(StoredAnnotation.self, from: Data(json.utf8))
        budget.settle(grant, sent: outcome.failedAttempts.requests + answer.attempts,
                      spentTokens: outcome.failedAttempts.tokens + answer.promptTokens + answer.completionTokens)
        return answer
    }
}
