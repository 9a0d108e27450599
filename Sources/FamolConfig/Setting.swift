import Ranking

/// One setting a config file may carry: its key, what it does, and how a value is checked and
/// applied. Each is declared once; the key lists in errors and `--help` come from the same table.
public struct Setting<Target> {
    public let key: String
    public let help: String
    public let apply: (inout Target, ConfigValue) throws -> Void

    public init(_ key: String, _ help: String, _ apply: @escaping (inout Target, ConfigValue) throws -> Void) {
        self.key = key
        self.help = help
        self.apply = apply
    }

    /// The same setting applied to a part of a larger target.
    public func lifted<Whole>(_ path: WritableKeyPath<Whole, Target>) -> Setting<Whole> {
        let apply = self.apply
        return Setting<Whole>(key, help) { whole, v in try apply(&whole[keyPath: path], v) }
    }
}

/// The settings a command takes from a config file.
public struct SettingsTable<Target> {
    public let command: String
    public let settings: [Setting<Target>]

    public init(command: String, _ settings: [Setting<Target>]) {
        self.command = command
        self.settings = settings
    }

    public var keys: [String] { settings.map(\.key) }

    /// Applies every entry of `file` this command takes. A key another famol command takes
    /// (`allKeys`) is skipped and returned, so that one file can drive them all; any other key
    /// is an error that names its line and lists the keys this command knows.
    @discardableResult
    public func apply(_ file: ConfigFile, to target: inout Target, allKeys: Set<String>) throws -> [String] {
        let byKey = Dictionary(settings.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var skipped: [String] = []
        for key in file.entries.keys.sorted() {
            let entry = file.entries[key]!
            if let setting = byKey[key] {
                try setting.apply(&target, ConfigValue(entry: entry, key: key, file: file.file))
            } else if allKeys.contains(key) {
                skipped.append(key)
            } else {
                throw InputError(file: file.file, line: entry.line, field: key, "unknown setting",
                                 hint: "famol \(command) knows: " + keys.sorted().joined(separator: ", "))
            }
        }
        return skipped
    }

    /// `key: help` lines for `--help` and the README.
    public var helpText: String {
        settings.map { "\($0.key): \($0.help)" }.joined(separator: "\n")
    }
}
