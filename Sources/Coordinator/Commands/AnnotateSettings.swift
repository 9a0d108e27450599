import FamolConfig

/// The settings of `famol annotate`, each a config key and a flag (flags override the file):
/// the judges' keys of famol demo and study, the Cranfield directory, the candidates per
/// query, the calibration of grades and the LLM job's own settings.
struct AnnotateSettings {
    var cranfield: String? = nil
    var candidates = 20
    var calibration = "quantiles"
    var judging = JudgeSettings()
    var llm = LLMJobSettings()

    /// Keys of the study's judges that annotate has no use for (it runs one strategy and its
    /// own calibration), passed over like other commands' keys.
    private static let studyOnly: Set<String> = ["openai.strategies", "embedding.grade_shares"]

    static var table: SettingsTable<AnnotateSettings> {
        SettingsTable(command: "annotate", [
            Setting("cranfield", "Cranfield directory", \.cranfield) { try $0.string() },
            Setting("study.candidates", "candidates per query when retrieved here (BM25)", flag: "--k", \.candidates) { try $0.int(min: 1) },
            Setting("annotate.calibration", "grades from scores: 'quantiles' (top 10% -> 3, next 15% -> 2, next 25% -> 1) or thresholds 't1,t2,t3'",
                    \.calibration) { v in
                if let text = try? v.string(), text == "quantiles" { return text }
                let t = try v.doubles(count: 3)
                guard t[0] <= t[1], t[1] <= t[2] else { throw v.error("the thresholds must increase") }
                return t.map { "\($0)" }.joined(separator: ",")
            },
        ] + JudgeSettings.settings.filter { !studyOnly.contains($0.key) }.map { $0.lifted(\.judging) }
          + LLMJobSettings.settings.map { $0.lifted(\.llm) })
    }
}
