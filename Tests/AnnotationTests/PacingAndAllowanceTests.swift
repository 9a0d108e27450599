import Foundation
import Testing
@testable import Annotation

@Suite struct PacingAndAllowanceTests {
    @Test func timeoutsHalveTheRequestsInFlightAndQuickAnswersGrowThemBack() {
        var p = PacingPolicy(giveUpAfter: 8, timeoutSeconds: 10)
        #expect(p.mayStart(inFlight: 100))  // no limit until the endpoint falls behind
        #expect(p.record(.overloaded, inFlight: 7) == .proceed)
        #expect(p.limit == 4)
        #expect(p.record(.overloaded, inFlight: 3) == .proceed)
        #expect(p.limit == 2 && !p.mayStart(inFlight: 2) && p.mayStart(inFlight: 1))
        _ = p.record(.answered(seconds: 9), inFlight: 0)  // slow: no more room
        #expect(p.limit == 2 && p.overloadedInARow == 0)
        _ = p.record(.answered(seconds: 1), inFlight: 0)
        #expect(p.limit == 3)
        for _ in 0..<5 { _ = p.record(.overloaded, inFlight: 0) }
        #expect(p.limit == 1)  // never below one
    }

    @Test func givesUpAfterRequestsInARowWithoutAnAnswer() {
        var p = PacingPolicy(giveUpAfter: 3, timeoutSeconds: 5)
        #expect(p.record(.overloaded, inFlight: 0) == .proceed)
        #expect(p.record(.failed, inFlight: 0) == .proceed)  // a 400 says nothing about load
        #expect(p.record(.overloaded, inFlight: 0) == .proceed)
        _ = p.record(.answered(seconds: 1), inFlight: 0)  // an answer resets the count
        #expect(p.record(.overloaded, inFlight: 0) == .proceed)
        #expect(p.record(.overloaded, inFlight: 0) == .proceed)
        guard case .giveUp(let why) = p.record(.overloaded, inFlight: 0) else { Issue.record("did not give up"); return }
        #expect(why.contains("did not keep up") && why.contains("--concurrency"))
    }

    @Test func allowancesNeverOvershootTheBudgetAndWaitForTheRest() {
        let budget = AnnotationBudget(maxRequests: 40, maxTokens: nil)
        let sent = ManagedCounter()
        // Calls of up to 15 requests each, spending 1 to 15 of them: together never above 40.
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            guard let grant = budget.reserveAllowance(upTo: 15, tokensEach: 100) else { return }
            let n = min(grant.allowance.requests!, 1 + i % 15)
            for _ in 0..<n { sent.add() }
            budget.settle(grant, sent: n, spentTokens: 0)
        }
        #expect(sent.value == budget.requests)
        #expect(budget.requests == 40)  // the last calls waited for the rest and used it all
        #expect(budget.reserveAllowance(upTo: 15, tokensEach: 100) == nil)
    }

    @Test func tokenAllowancesFitTheTokensLeft() {
        let budget = AnnotationBudget(maxRequests: nil, maxTokens: 1000)
        let grant = budget.reserveAllowance(upTo: 15, tokensEach: 300)!
        #expect(grant.allowance == RequestAllowance(requests: nil, tokens: 900))
        budget.settle(grant, sent: 1, spentTokens: 250)
        #expect(budget.reserveAllowance(upTo: 15, tokensEach: 300)!.allowance.tokens == 600)
    }
}
