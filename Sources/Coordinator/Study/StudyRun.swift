import ArgumentParser
import FamolConfig
import Foundation
import Ranking

/// One study from its settings to results.json and report.html: what `famol study` runs, and
/// what `famol serve` runs on its pool for `famol submit study`.
struct StudyRun {
    let settings: StudySettings

    /// Loads and checks the inputs, trains every model on the trainer `makeTrainer` gives, and
    /// writes the report; `say` gets the lines a user reads. Returns the path of results.json.
    func run(trainer makeTrainer: () throws -> StudyTrainer, say: (String) -> Void) throws -> String {
        var s = settings
        let started = Date()
        let loaded = try StudyInputLoading(settings: s).load()
        if loaded.features.allSatisfy({ $0.group == .queryDocument }) || loaded.features.allSatisfy({ $0.group == .document }), s.study.ablation {
            say("ablation: skipped (the features are all of one group; give --feature-names with groups to run it)")
            s.study.ablation = false
        }
        let inputs = loaded.inputs
        say(StudyCounts.table(inputs))
        if inputs.log.unshownClicks > 0 {
            say("note: \(inputs.log.unshownClicks) clicks on documents their page did not show were dropped (later result pages)")
        }
        let trainer = try makeTrainer()
        defer { trainer.close() }
        let trainStarted = Date()
        let result = try BandStudy(config: s.study).run(observed: inputs.data(extraLabels: loaded.judgeLabels), trainer: trainer,
                                                         directory: s.out + "/study") { done, total, what in
            Progress.bar("train", done, total, started: trainStarted, extra: what)
        }
        say(String(format: "\ntrained the study's models in %.2f s", Date().timeIntervalSince(trainStarted)))
        let summary = StudySummary.make(result, permutations: s.study.permutations, seed: s.study.trainer.seed)
        let sources = inputs.labelSources + loaded.judgeLabels
        let report = StudyReport(result: result, summary: summary, description: StudyCounts.description(s, inputs: inputs),
                                 labelSources: sources.map { ($0.name, $0.provenance) }, judgeAUC: loaded.judgeAUC)
        say("")
        say(report.sourcesText)
        say("")
        say(report.tables())
        for warning in StudyCounts.powerWarnings(summary, result: result) { say("warning: " + warning) }
        try AtomicFile.write(try report.json(), to: s.out + "/results.json")
        try AtomicFile.write(HTMLReport(report: report).render(), to: s.out + "/report.html")
        say(String(format: "\nresults -> %@/results.json, report -> %@/report.html (%.0f s)", s.out, s.out, Date().timeIntervalSince(started)))
        return s.out + "/results.json"
    }
}

extension StudySettings {
    /// A study config as a job's spec (`famol submit study --spec study.toml`): its keys, checked
    /// as a config file is, errors naming `source` and the line.
    static func parse(_ toml: String, source: String) throws -> StudySettings {
        var s = StudySettings()
        try table.apply(try ConfigFile(text: toml, file: source), to: &s, allKeys: ConfigFiles.allKeys)
        return s
    }

    /// `validate()` for a spec file: a missing or conflicting setting is bad input (exit 65)
    /// that names the file, not a usage error.
    static func validated(_ s: StudySettings, source: String) throws {
        do { try s.validate() } catch let e as ValidationError {
            throw InputError(file: source, e.message.replacingOccurrences(of: "--", with: ""), hint: "see famol study --help for the keys")
        }
    }

    /// The checks that need no file: what a study must be given, and what cannot go together.
    func validate() throws {
        let s = self
        guard s.log != nil else { throw ValidationError("give the click log: --log FILE") }
        guard s.qrels != nil else { throw ValidationError("give the human judgments that evaluate: --qrels FILE") }
        guard (s.data != nil) != (s.documents != nil || s.queries != nil) else {
            throw ValidationError("give the candidates either as --data FILE (SVMlight) or as --documents FILE --queries FILE (text)")
        }
        guard s.data != nil || (s.documents != nil && s.queries != nil) else { throw ValidationError("--documents needs --queries, and --queries needs --documents") }
        guard s.frequencies == nil || s.buckets == nil else { throw ValidationError("give --frequencies or --buckets, not both") }
        guard !s.labels.isEmpty || s.judge != nil else {
            throw ValidationError("give training labels: --labels FILE (from famol annotate) or --judge embedding|openai")
        }
        if s.judge != nil, s.data != nil { throw ValidationError("--judge reads text: give --documents and --queries (or label the candidates with famol annotate and pass --labels)") }
        try StudyOptions.validate(s.study, judging: s.judging, workers: s.workers, llm: s.judge == .openai)
    }
}
