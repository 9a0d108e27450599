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

    public init(value: Value, line: Int?, key: String, file: String) {
        self.value = value
        self.line = line
        self.key = key
        self.file = file
    }

    public init(entry: ConfigFile.Entry, key: String, file: String) {
        self.init(value: entry.value, line: entry.line, key: key, file: file)
    }

    public func error(_ message: String) -> InputError {
        InputError(file: file, line: line, field: key, message)
    }

    public func string() throws -> String {
        guard case .string(let s) = value else { throw error("expected a string, found \(value.typeName)") }
        return s
    }

    public func bool() throws -> Bool {
        guard case .boolean(let b) = value else { throw error("expected true or false, found \(value.typeName)") }
        return b
    }

    public func int(min: Int) throws -> Int {
        guard case .integer(let n) = value else { throw error("expected an integer, found \(value.typeName)") }
        guard n >= min else { throw error("must be at least \(min)") }
        return n
    }

    public func double(in range: ClosedRange<Double>? = nil) throws -> Double {
        let x: Double
        switch value {
        case .float(let f): x = f
        case .integer(let n): x = Double(n)
        default: throw error("expected a number, found \(value.typeName)")
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
        guard case .array(let a) = value else { throw error("expected an array, found \(value.typeName)") }
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
