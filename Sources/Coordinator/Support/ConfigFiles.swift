import FamolConfig
import FamolLog
import Logging

/// `--config FILE` for every command: one TOML file can drive demo, study, train and annotate,
/// each taking the settings it knows and passing over the other commands' ones.
enum ConfigFiles {
    /// Every key any famol command takes.
    static var allKeys: Set<String> {
        Set(DemoSettings.table.keys + StudySettings.table.keys + TrainSettings.table.keys + AnnotateSettings.table.keys)
    }

    /// Applies the file at `path` to `target`; says which keys belong to other commands.
    static func apply<Target>(_ path: String, _ table: SettingsTable<Target>, to target: inout Target) throws {
        let skipped = try table.apply(try ConfigFile.read(path), to: &target, allKeys: allKeys)
        if !skipped.isEmpty {
            Log.famol.notice("\(path): famol \(table.command) passes over \(skipped.joined(separator: ", ")) (settings of other famol commands)")
        }
    }
}

extension SettingsTable {
    /// The `--help` section listing the keys of `--config`.
    var configHelp: String { "Keys of --config FILE (TOML; flags override them):\n" + helpText }
}
