import ArgumentParser
import Foundation
import Ranking

extension ClickModelName: ExpressibleByArgument {}

/// `famol clicks`: fits click models to a log and scores them on a held-out log.
struct ClicksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clicks",
        abstract: "Fit click models (PBM, UBM, DBN, SDBN, DCM, cascade) to a click log; report log-likelihood and perplexity, held out with --test.",
        discussion: """
            Definitions follow PyClick: log-likelihood is the mean over sessions of the per-rank mean \
            ln P(C_r | C_<r); perplexity is the mean over ranks of 2^-(mean log2 P(C_r)) from full click \
            probabilities; conditional perplexity uses P(C_r | C_<r). Every parameter starts at 1/2 \
            (PyClick's prior), and a query-document pair absent from the training log keeps 1/2.
            """
    )

    @Option(help: "Training click log: famol JSONL or the Yandex relevance-prediction format.") var log: String
    @Option(help: "Held-out click log to score the fitted models on.") var test: String?
    @Option(parsing: .upToNextOption, help: "Models to fit: pbm ubm dbn sdbn dcm cascade.") var model: [ClickModelName] = [.pbm]
    @Option(help: "EM iterations (PBM, UBM, DBN).") var iterations = 50
    @Option(help: "Ranks to model; longer lists are cut.") var positions = 10
    @Option(help: "Write the fitted parameters (JSON; one model) for famol simulate --examination-from.") var paramsOut: String?
    @Option(help: "Write PBM's examination relative to rank 1 as a comma-separated line (for --propensities).") var propensitiesOut: String?
    @Option(help: "Output: table or json.") var format: OutputFormat = .table

    enum OutputFormat: String, ExpressibleByArgument { case table, json }

    func validate() throws {
        guard iterations >= 1, positions >= 1, positions <= 1000 else {
            throw ValidationError("--iterations and --positions must be positive (positions at most 1000)")
        }
        if paramsOut != nil && model.count != 1 { throw ValidationError("--params-out writes one model: give one --model") }
        if propensitiesOut != nil && !model.contains(.pbm) { throw ValidationError("--propensities-out needs --model pbm") }
    }

    func run() throws {
        try reportingInputErrors {
            let train = try loadLog(log)
            let sessions = ClickSessions(training: train, positions: positions)
            let held = try test.map { sessions.encoding(try loadLog($0)) }
            var report: [[String: Any]] = []
            for name in model {
                var m = name.makeModel()
                let start = DispatchTime.now().uptimeNanoseconds
                m.fit(sessions, iterations: iterations)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                let trainScores = ClickModelEvaluation.score(m, on: sessions)
                let testScores = held.map { ClickModelEvaluation.score(m, on: $0) }
                report.append(["model": name.rawValue, "fit_seconds": seconds, "train": dictionary(trainScores),
                               "test": testScores.map(dictionary) as Any])
                if format == .table { printTable(m, name, seconds, sessions, trainScores, testScores) }
                if let paramsOut { try AtomicFile.write(try m.parameters(sessions).json(), to: paramsOut) }
                if let propensitiesOut, let pbm = m as? PositionBasedModel {
                    try AtomicFile.write(pbm.examination.map { fmt($0 / pbm.examination[0], 6) }.joined(separator: ",") + "\n",
                                         to: propensitiesOut)
                }
            }
            if format == .json {
                let object: [String: Any] = ["train_log": log, "test_log": test as Any, "impressions": sessions.impressions,
                                             "distinct_sessions": sessions.sessions.count, "pairs": sessions.pairCount,
                                             "iterations": iterations, "models": report]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
                print(String(decoding: data, as: UTF8.self))
            }
        }
    }

    private func loadLog(_ path: String) throws -> [Impression] {
        let loaded = try ClickLog.read(path)
        if loaded.unshownClicks > 0 && format == .table {
            print("note: \(path): \(loaded.unshownClicks) clicks on documents not shown in their impression were left out")
        }
        let (clicks, shown) = (loaded.repeatedClicks, loaded.repeatedShown)
        if (clicks > 0 || shown > 0) && format == .table {
            print("note: \(path): \(clicks) impression(s) click a document twice (counted once) and \(shown) show a document twice (both positions count its click), as PyClick reads them")
        }
        return loaded.impressions
    }

    private func dictionary(_ s: ClickModelScores) -> [String: Any] {
        ["log_likelihood": s.logLikelihood, "perplexity": s.perplexity, "perplexity_by_rank": s.perplexityByRank,
         "conditional_perplexity": s.conditionalPerplexity, "conditional_perplexity_by_rank": s.conditionalPerplexityByRank,
         "sessions": s.sessions]
    }

    private func printTable(_ m: any ClickModel, _ name: ClickModelName, _ seconds: Double, _ sessions: ClickSessions,
                            _ train: ClickModelScores, _ test: ClickModelScores?) {
        print("\(name.rawValue): fitted in \(fmt(seconds, 3)) s on \(sessions.impressions) impressions (\(sessions.sessions.count) distinct), \(sessions.pairCount) query-document pairs")
        var header = ["rank", "train perplexity"]
        if test != nil { header += ["test perplexity", "test conditional"] }
        if m is PositionBasedModel { header += ["examination", "relative"] }
        var t = TextTable(header: header)
        for r in 0..<train.perplexityByRank.count {
            var row = [String(r + 1), fmt(train.perplexityByRank[r])]
            if let test, r < test.perplexityByRank.count {
                row += [fmt(test.perplexityByRank[r]), fmt(test.conditionalPerplexityByRank[r])]
            } else if test != nil { row += ["", ""] }
            if let pbm = m as? PositionBasedModel { row += [fmt(pbm.examination[r]), fmt(pbm.examination[r] / pbm.examination[0])] }
            t.rows.append(row)
        }
        print(t.render())
        print("train: log-likelihood \(fmt(train.logLikelihood)), perplexity \(fmt(train.perplexity)), conditional \(fmt(train.conditionalPerplexity))")
        if let test {
            print("test:  log-likelihood \(fmt(test.logLikelihood)), perplexity \(fmt(test.perplexity)), conditional \(fmt(test.conditionalPerplexity)) over \(test.sessions) sessions")
        }
    }
}
