import ArgumentParser
import Foundation
import Ranking

/// `famol clicks`: fits a position-based model to a click log by EM.
struct ClicksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clicks",
        abstract: "Estimate position propensities and attractiveness (PBM, EM) from a click log; report log-likelihood and perplexity."
    )

    @Option(help: "Click log: famol JSONL or the Yandex sample format.") var log: String
    @Option(help: "EM iterations.") var iterations = 50
    @Option(help: "Positions to model.") var positions = 10
    @Option(help: "Write propensities as a comma-separated line (for --propensities).") var propensitiesOut: String?

    func run() throws {
        try reportingInputErrors {
            let loaded = try ClickLog.read(log)
            let impressions = loaded.impressions
            if loaded.unshownClicks > 0 {
                print("note: \(loaded.unshownClicks) clicks on documents not shown in their impression were left out")
            }
            let fit = PBMEstimator(iterations: iterations, positions: positions).fit(impressions)
            print("\(impressions.count) impressions, \(Set(impressions.map(\.query)).count) queries, \(fit.alpha.count) query-document pairs")
            var t = TextTable(header: ["position", "propensity", "relative", "perplexity"])
            for k in 0..<positions {
                t.rows.append([String(k + 1), fmt(fit.theta[k]), fmt(fit.theta[k] / fit.theta[0]), fmt(fit.perplexityByPosition[k])])
            }
            print(t.render())
            print("log-likelihood \(fmt(fit.logLikelihood, 2)) (\(fmt(fit.logLikelihood / Double(impressions.count), 4)) per impression), perplexity \(fmt(fit.perplexity))")
            if let propensitiesOut {
                try AtomicFile.write(fit.theta.map { fmt($0 / fit.theta[0], 6) }.joined(separator: ",") + "\n", to: propensitiesOut)
            }
        }
    }
}
