import Foundation
import Ranking
import TOMLKit

/// A TOML configuration file read by TOMLKit, flattened to dotted keys ("clicks.impressions")
/// with the line each was set on, so that every error names file, line and key.
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
        try Self.refuseControlCharacters(text, file: file)
        let locator = KeyLocator(text: text)
        if let line = locator.badHeaderLine {
            throw InputError(file: file, line: line, "a table header must start with a key (letters, digits, - or _, or a quoted key)",
                             hint: "write [name] or [\"any name\"]")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw InputError(file: file, line: e.source.begin.line, "not valid TOML: \(e.description)",
                             hint: "see https://toml.io for the syntax")
        }
        try flatten(table, prefix: "", lines: locator.lines)
    }

    private mutating func flatten(_ table: TOMLTable, prefix: String, lines: [String: Int]) throws {
        for key in table.keys {
            guard let node = table[key] else { continue }
            let full = prefix.isEmpty ? key : prefix + "." + key
            if node.type == .table, let inner = node.table {
                try flatten(inner, prefix: full, lines: lines)
                continue
            }
            let line = Self.line(of: full, in: lines)
            entries[full] = Entry(value: try value(node, key: full, line: line), line: line)
        }
    }

    /// TOML allows no control character but tab and line ends, anywhere (strings escape them).
    /// Checked before toml++ sees the text: a lone carriage return in a table header tripped an
    /// assertion inside it and aborted famol (found by the `toml` fuzz target).
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

    /// The line of a key, or of the nearest enclosing key (an inline table's members).
    private static func line(of key: String, in lines: [String: Int]) -> Int? {
        var parts = key.split(separator: ".", omittingEmptySubsequences: false)
        while !parts.isEmpty {
            if let line = lines[parts.joined(separator: ".")] { return line }
            parts.removeLast()
        }
        return nil
    }

    private func value(_ node: TOMLValueConvertible, key: String, line: Int?) throws -> ConfigValue.Value {
        func unsupported(_ what: String) -> InputError {
            InputError(file: file, line: line, field: key, "\(what) is not a value any setting takes")
        }
        switch node.type {
        case .string: return .string(node.string ?? "")
        case .int: return .integer(node.int ?? 0)
        case .double: return .float(node.double ?? 0)
        case .bool: return .boolean(node.bool ?? false)
        case .array:
            guard let array = node.array else { return .array([]) }
            return .array(try array.map { item in
                if item.type == .table { throw unsupported("a table in an array") }
                if item.type == .array { throw unsupported("a nested array") }
                return try value(item, key: key, line: line)
            })
        case .date, .time, .dateTime: throw unsupported("a \(node.type)")
        case .table: throw unsupported("a table")
        }
    }
}
