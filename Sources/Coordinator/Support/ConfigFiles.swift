import ArgumentParser
import FamolConfig
import FamolLog
import Logging
import Ranking

/// `--config FILE` for every command: one TOML file can drive demo, study, train and annotate,
/// each taking the settings it knows and passing over the other commands' ones.
enum ConfigFiles {
    /// Every key any famol command takes.
    static var allKeys: Set<String> {
        Set(DemoSettings.table.keys + StudySettings.table.keys + TrainSettings.table.keys + AnnotateSettings.table.keys
            + ClusterSettings.table.keys + ServeSettings.table.keys)
    }

    /// A command's own settings and its cluster's, which one file sets together.
    struct WithCluster<Own> {
        var own: Own
        var cluster: ClusterSettings
    }

    /// Applies the file at `path` to a command's own settings and its `cluster.*` settings.
    static func apply<Target>(_ path: String, _ table: SettingsTable<Target>, to target: inout Target, cluster: inout ClusterSettings) throws {
        var both = WithCluster(own: target, cluster: cluster)
        let combined = SettingsTable<WithCluster<Target>>(command: table.command, table.settings.map { $0.lifted(\.own) }
                                                          + ClusterSettings.settings.map { $0.lifted(\.cluster) })
        try apply(path, combined, to: &both)
        (target, cluster) = (both.own, both.cluster)
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
    /// The flags given over `target`, each checked as its key is in a config file: a bad
    /// value is a usage error (exit 64) that names the flag and the key.
    func applyCommandLine(_ given: [(key: String, text: String?)], to target: inout Target) throws {
        do {
            try apply(flags: given, to: &target)
        } catch let e as InputError {
            throw ValidationError(e.description)
        }
    }

    /// The `--help` section listing the keys of `--config`.
    var configHelp: String { "Keys of --config FILE (TOML; flags override them):\n" + helpText }
}
