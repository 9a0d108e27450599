import FamolConfig

/// The settings of `famol annotate` a config file may give (the judges' keys of famol demo and
/// study, the Cranfield directory and the candidates per query); flags override them.
struct AnnotateSettings {
    var cranfield: String? = nil
    var candidates = 20
    var judging = JudgeSettings()

    /// Keys of the study's judges that annotate has no use for (it runs one strategy and its
    /// own calibration), passed over like other commands' keys.
    private static let studyOnly: Set<String> = ["openai.strategies", "embedding.grade_shares"]

    static var table: SettingsTable<AnnotateSettings> {
        SettingsTable(command: "annotate", [
            Setting("cranfield", "Cranfield directory", \.cranfield) { try $0.string() },
            Setting("study.candidates", "BM25 candidates per query", \.candidates) { try $0.int(min: 1) },
        ] + JudgeSettings.settings.filter { !studyOnly.contains($0.key) }.map { $0.lifted(\.judging) })
    }
}
