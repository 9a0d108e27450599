import Annotation
import ArgumentParser
import Foundation
import Ranking

/// An OpenAI-compatible LLM as a study's judge: `famol [local --workers N] annotate --judge
/// openai` once per strategy, each with its own store, so a rerun pays for nothing it has.
struct LLMStudyJudge {
    var settings: JudgeSettings.OpenAISettings
    var workers: Int
    /// Where `famol annotate` reads the text: ["--cranfield", DIR] or ["--documents", F, "--queries", F].
    var collectionArguments: [String]
    var maxQueries: Int?

    /// One label source per strategy, with its ROC AUC against `reference` (human judgments).
    func labels(candidatesFile: String, directory: String, reference: Qrels) throws -> ([LabelSource], [String: Double]) {
        var sources: [LabelSource] = [], aucs: [String: Double] = [:]
        for strategy in settings.strategies {
            let dir = directory + "/annotate-" + strategy
            try annotate(strategy: strategy, candidatesFile: candidatesFile, directory: dir)
            let qrels = try Qrels.read(dir + "/labels.qrels")
            var judgments: [Judgment] = []
            for (q, docs) in qrels.judgments { for (d, g) in docs { judgments.append(Judgment(query: q, document: d, label: Double(g))) } }
            let auc = AnnotationRun.auc(judgments, reference: reference)
            aucs[strategy] = auc
            print(String(format: "%@ labels: %d, ROC AUC %.4f against the human judgments", strategy, judgments.count, auc))
            sources.append(LabelSource(name: strategy, provenance: "LLM \(settings.model!) at \(settings.endpoint!), strategy \(strategy) (prompts/\(strategy).txt), temperature \(settings.temperature); annotated \(workers > 0 ? "through a local cluster of \(workers) workers" : "in this process"), store \(dir)/annotations.sqlite", qrels: qrels))
        }
        return (sources, aucs)
    }

    /// `famol [local --workers N] annotate --judge openai ...` for one strategy.
    func annotate(strategy: String, candidatesFile: String, directory: String) throws {
        var args = ["annotate", "--judge", "openai", "--endpoint", settings.endpoint!, "--model", settings.model!, "--strategy", strategy]
            + collectionArguments
            + ["--candidates", candidatesFile, "--out", directory,
               "--api-key-env", settings.apiKeyEnv, "--temperature", "\(settings.temperature)", "--max-tokens", String(settings.maxTokens),
               "--concurrency", String(settings.concurrency), "--timeout", "\(settings.timeout)"]
        if let n = maxQueries { args += ["--max-queries", String(n)] }
        if workers > 0 { args = ["local", "--workers", String(workers)] + args }
        print("annotating with \(strategy): famol \(args.joined(separator: " "))")
        let status = try runFamolChild(args)
        guard status == 0 else {
            printError("error: annotation with \(strategy) failed (status \(status)); what was stored is kept in \(directory)/annotations.sqlite and a rerun reuses it")
            throw ExitCode(status)
        }
    }
}
