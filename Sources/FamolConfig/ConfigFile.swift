import Foundation
import Ranking

/// A TOML configuration file, flattened to dotted keys ("clicks.impressions") with the line
/// each was set on, so that every error names file, line and key. famol reads the part of TOML
/// that configs use with its own parser (`TOMLParser`): TOMLKit 0.6.0's toml++ aborts the
/// process on malformed headers and values (an assertion; found by fuzzing), and frees nothing.
public struct ConfigFile: Sendable {
    /// A value with the line it was set on (nil when the key was not found by the locator).
    public struct Entry: Sendable, Equatable {
        public var value: ConfigValue.Value
        public var line: Int?
        public init(value: ConfigValue.Value, line: Int?) {
            self.value = value
            self.line = line
        }
    }

    public private(set) var entries: [String: Entry] = [:]
    public let file: String

    /// The largest config file famol reads: a larger one is not a config (and is not read whole).
    public static let maxBytes = 1 << 20

    public static func read(_ path: String) throws -> ConfigFile {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw InputError(file: path, "cannot read the config file", hint: "check the path given to --config")
        }
        guard Int(info.st_size) <= maxBytes else {
            throw InputError(file: path, "\(info.st_size >> 20) MiB is too large for a config file", hint: "give the TOML file of settings")
        }
        // readLines refuses binary data and invalid UTF-8 with the offending line.
        return try ConfigFile(text: readLines(path).joined(separator: "\n"), file: path)
    }

    public init(text: String, file: String) throws {
        self.file = file
        // A byte-order mark (Windows editors write one) is not part of the text.
        let text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        try Self.refuseControlCharacters(text, file: file)
        entries = try TOMLParser(text: text, file: file).entries
    }

    /// TOML allows no control character but tab and line ends, anywhere (strings escape them).
    static func refuseControlCharacters(_ text: String, file: String) throws {
        var line = 1
        for scalar in text.unicodeScalars {
            if scalar == "\n" { line += 1; continue }
            let v = scalar.value
            if (v < 0x20 && v != 0x09) || v == 0x7F {
                throw InputError(file: file, line: line, String(format: "a control character (U+%04X) is not allowed in TOML", v),
                                 hint: v == 0x0D ? "a carriage return must end a line (CRLF); remove the stray one" : "remove it, or write it as an escape in a string")
            }
        }
    }
}
