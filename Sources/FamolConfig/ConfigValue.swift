import Ranking

/// A config entry read as the type its key needs; a wrong type or range names file, line and key.
public struct ConfigValue: Sendable {
    /// A value of a TOML configuration file.
    public enum Value: Sendable, Equatable {
        case string(String), integer(Int), float(Double), boolean(Bool), array([Value])

        public var typeName: String {
            switch self {
            case .string: "string"
            case .integer: "integer"
            case .float: "float"
            case .boolean: "boolean"
            case .array: "array"
            }
        }
    }

    public let value: Value
    public let line: Int?
    public let key: String
    public let file: String
    /// The text of a command-line flag (`--layers 64,32`), read as the type its key needs.
    let flagText: String?

    public init(value: Value, line: Int?, key: String, file: String) {
        self.value = value
        self.line = line
        self.key = key
        self.file = file
        self.flagText = nil
    }

    /// A flag's value (`--epochs 3`, `--layers 64,32`, `--loss ranknet`), checked as the same
    /// key in a config file is: a number where the key takes one, a comma-separated list where
    /// it takes a list; errors name the flag and the key.
    public init(flag: String, text: String, key: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        self.value = Self.scalar(trimmed)
        self.line = nil
        self.key = key
        self.file = flag
        self.flagText = trimmed
    }

    private static func scalar(_ text: String) -> Value {
        if let n = Int(text) { return .integer(n) }
        if let x = Double(text), x.isFinite { return .float(x) }
        if text == "true" || text == "false" { return .boolean(text == "true") }
        return .string(text)
    }

    public init(entry: ConfigFile.Entry, key: String, file: String) {
        self.init(value: entry.value, line: entry.line, key: key, file: file)
    }

    /// What was found instead: a flag's text, or a config value's type.
    private var found: String { flagText.map { "'\($0)'" } ?? value.typeName }

    public func error(_ message: String) -> InputError {
        InputError(file: file, line: line, field: key, message)
    }

    public func string() throws -> String {
        if let flagText { return flagText }
        guard case .string(let s) = value else { throw error("expected a string, found \(found)") }
        return s
    }

    public func bool() throws -> Bool {
        guard case .boolean(let b) = value else { throw error("expected true or false, found \(found)") }
        return b
    }

    public func int(min: Int) throws -> Int {
        guard case .integer(let n) = value else { throw error("expected an integer, found \(found)") }
        guard n >= min else { throw error("must be at least \(min)") }
        return n
    }

    public func double(in range: ClosedRange<Double>? = nil) throws -> Double {
        let x: Double
        switch value {
        case .float(let f): x = f
        case .integer(let n): x = Double(n)
        default: throw error("expected a number, found \(found)")
        }
        if let range, !range.contains(x) { throw error("must be in \(range.lowerBound)...\(range.upperBound)") }
        return x
    }

    /// A string that must be one of `choices` (an enum's raw values).
    public func choice<T: RawRepresentable>(_ type: T.Type, _ choices: String) throws -> T where T.RawValue == String {
        guard let v = T(rawValue: try string()) else { throw error("must be one of \(choices)") }
        return v
    }

    private func items() throws -> [ConfigValue] {
        if let flagText {
            return flagText.split(separator: ",", omittingEmptySubsequences: false).map { ConfigValue(flag: file, text: String($0), key: key) }
        }
        guard case .array(let a) = value else { throw error("expected an array, found \(found)") }
        return a.map { ConfigValue(value: $0, line: line, key: key, file: file) }
    }

    public func ints(min: Int) throws -> [Int] {
        try items().map { try $0.int(min: min) }
    }

    public func doubles(count: Int? = nil, in range: ClosedRange<Double>? = nil) throws -> [Double] {
        let values = try items().map { try $0.double(in: range) }
        if let count, values.count != count { throw error("expected \(count) numbers, found \(values.count)") }
        if values.isEmpty { throw error("expected at least one number") }
        return values
    }

    public func strings() throws -> [String] {
        try items().map { try $0.string() }
    }
}
