import Ranking

/// One setting a config file may carry: its key, what it does, and how a value is checked and
/// applied. Each is declared once; the key lists in errors and `--help` come from the same table.
public struct Setting<Target> {
    public let key: String
    public let help: String
    /// Its command-line flag: by default the key's last part (`training.click_estimator` ->
    /// `--click-estimator`).
    public let flag: String
    public let apply: (inout Target, ConfigValue) throws -> Void
    /// Its value as a flag would give it (for the default in `--help`); nil when unset.
    public let show: ((Target) -> String?)?

    public init(_ key: String, _ help: String, flag: String? = nil, _ apply: @escaping (inout Target, ConfigValue) throws -> Void) {
        self.init(key: key, help: help, flag: flag, apply: apply, show: nil)
    }

    /// A setting stored at `path`: `read` checks a value and gives what is stored there.
    public init<Value>(_ key: String, _ help: String, flag: String? = nil, _ path: WritableKeyPath<Target, Value>,
                       _ read: @escaping (ConfigValue) throws -> Value) {
        self.init(key: key, help: help, flag: flag, apply: { target, v in target[keyPath: path] = try read(v) },
                  show: { FlagText.render($0[keyPath: path]) })
    }

    init(key: String, help: String, flag: String?, apply: @escaping (inout Target, ConfigValue) throws -> Void, show: ((Target) -> String?)?) {
        self.key = key
        self.help = help
        self.flag = flag ?? "--" + (key.split(separator: ".").last.map(String.init) ?? key).replacingOccurrences(of: "_", with: "-")
        self.apply = apply
        self.show = show
    }

    /// The same setting applied to a part of a larger target.
    public func lifted<Whole>(_ path: WritableKeyPath<Whole, Target>) -> Setting<Whole> {
        let apply = self.apply
        let show = self.show
        return Setting<Whole>(key: key, help: help, flag: flag, apply: { whole, v in try apply(&whole[keyPath: path], v) },
                              show: show.map { show in { whole in show(whole[keyPath: path]) } })
    }
}

/// A value written as a flag takes it: lists comma-separated, enums by name, nil as nothing.
enum FlagText {
    static func render(_ value: Any) -> String? {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let wrapped = mirror.children.first?.value else { return nil }
            return render(wrapped)
        }
        if let raw = value as? any RawRepresentable, let text = raw.rawValue as? String { return text }
        if mirror.displayStyle == .collection || mirror.displayStyle == .set {
            let items = mirror.children.compactMap { render($0.value) }
            return (mirror.displayStyle == .set ? items.sorted() : items).joined(separator: ",")
        }
        return "\(value)"
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

    /// The setting of `key`; a key no setting has is a bug in famol, caught by its tests.
    public func setting(_ key: String) -> Setting<Target> {
        guard let s = settings.first(where: { $0.key == key }) else { preconditionFailure("no setting '\(key)' in famol \(command)'s table") }
        return s
    }

    /// A flag's `--help` line, from its setting: what it does, its key and its default.
    public func flagHelp(_ key: String, defaults: Target) -> String {
        let s = setting(key)
        let value = s.show?(defaults).map { $0.isEmpty ? "" : ", default \($0)" } ?? ""
        return "\(s.help.prefix(1).uppercased() + s.help.dropFirst()) (config \(key)\(value))."
    }

    /// Applies the flags given (`text` nil: not given) over `target`, each checked as its key is
    /// in a config file; an error names the flag and the key.
    public func apply(flags: [(key: String, text: String?)], to target: inout Target) throws {
        for (key, text) in flags {
            guard let text else { continue }
            let s = setting(key)
            try s.apply(&target, ConfigValue(flag: s.flag, text: text, key: key))
        }
    }

    /// `key: help` lines for `--help` and the README.
    public var helpText: String {
        settings.map { "\($0.key): \($0.help)" }.joined(separator: "\n")
    }
}
