import Foundation
import Ranking

/// Reads the part of TOML that configuration files use: `[table]` headers (dotted names
/// allowed), `key = value` with bare or quoted keys, basic and literal strings, integers,
/// floats, booleans, arrays (over several lines too) and comments. Anything else is an error
/// naming the file and line, never a guess.
struct TOMLParser {
    /// Dotted key ("clicks.impressions") -> entry.
    private(set) var entries: [String: ConfigFile.Entry] = [:]
    let file: String

    init(text: String, file: String) throws {
        self.file = file
        var table = ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.utf8) }
        var i = 0
        while i < lines.count {
            let lineNumber = i + 1
            var cursor = Cursor(bytes: lines[i], file: file, line: lineNumber)
            i += 1
            cursor.skipSpace()
            if cursor.atEndOrComment { continue }
            if cursor.peek == UInt8(ascii: "[") {
                cursor.index += 1
                if cursor.peek == UInt8(ascii: "[") { throw cursor.error("arrays of tables ([[...]]) are not supported here") }
                table = try cursor.dottedKey(until: UInt8(ascii: "]"))
                cursor.index += 1
                try cursor.expectLineEnd()
                continue
            }
            let key = try cursor.dottedKey(until: UInt8(ascii: "="))
            cursor.index += 1
            cursor.skipSpace()
            // Arrays may run over several lines: join them before parsing the value.
            while cursor.unbalancedArray, i < lines.count {
                cursor.bytes += [10] + lines[i]
                i += 1
            }
            let value = try cursor.value()
            try cursor.expectLineEnd()
            let full = table.isEmpty ? key : table + "." + key
            if let previous = entries[full] {
                throw InputError(file: file, line: lineNumber, field: full, "set twice (first on line \(previous.line ?? 0))", hint: "keep one of them")
            }
            entries[full] = ConfigFile.Entry(value: value, line: lineNumber)
        }
    }

    /// Scans one logical line.
    struct Cursor {
        var bytes: [UInt8]
        var index = 0
        var depth = 0
        let file: String
        let line: Int

        init(bytes: [UInt8], file: String, line: Int) {
            self.bytes = bytes.last == 13 ? Array(bytes.dropLast()) : bytes
            self.file = file
            self.line = line
        }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }
        var atEndOrComment: Bool { peek == nil || peek == UInt8(ascii: "#") }

        func error(_ message: String) -> InputError {
            InputError(file: file, line: line, message, hint: "see the example config in the README")
        }

        mutating func skipSpace() {
            while let c = peek, c == 32 || c == 9 { index += 1 }
        }

        mutating func expectLineEnd() throws {
            skipSpace()
            guard atEndOrComment else { throw error("unexpected text after the value: '\(String(decoding: bytes[index...], as: UTF8.self))'") }
        }

        /// Whether the line opens more `[` than it closes outside strings (a multi-line array).
        var unbalancedArray: Bool {
            var depth = 0, quote: UInt8? = nil, i = index
            while i < bytes.count {
                let c = bytes[i]
                if let q = quote {
                    if c == UInt8(ascii: "\\") && q == UInt8(ascii: "\"") { i += 1 } else if c == q { quote = nil }
                } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") { quote = c
                } else if c == UInt8(ascii: "#") {
                    while i < bytes.count && bytes[i] != 10 { i += 1 }
                } else if c == UInt8(ascii: "[") { depth += 1
                } else if c == UInt8(ascii: "]") { depth -= 1 }
                i += 1
            }
            return depth > 0
        }

        /// `a.b."c d"` up to `terminator` (not consumed).
        mutating func dottedKey(until terminator: UInt8) throws -> String {
            var parts: [String] = []
            while true {
                skipSpace()
                guard let c = peek else { throw error("expected a key followed by '\(Character(UnicodeScalar(terminator)))'") }
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                    guard case .string(let s) = try value() else { throw error("bad quoted key") }
                    parts.append(s)
                } else {
                    let start = index
                    while let c = peek, isBareKey(c) { index += 1 }
                    guard index > start else { throw error("expected a key, found '\(Character(UnicodeScalar(c)))'") }
                    parts.append(String(decoding: bytes[start..<index], as: UTF8.self))
                }
                skipSpace()
                if peek == UInt8(ascii: ".") { index += 1; continue }
                guard peek == terminator else { throw error("expected '\(Character(UnicodeScalar(terminator)))' after the key") }
                return parts.joined(separator: ".")
            }
        }

        func isBareKey(_ c: UInt8) -> Bool {
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }

        mutating func value() throws -> ConfigValue.Value {
            skipSpace()
            guard let c = peek else { throw error("missing value after '='") }
            switch c {
            case UInt8(ascii: "\""): return .string(try basicString())
            case UInt8(ascii: "'"):
                index += 1
                let start = index
                while let c = peek, c != UInt8(ascii: "'") { index += 1 }
                guard peek != nil else { throw error("unterminated string") }
                index += 1
                return .string(String(decoding: bytes[start..<(index - 1)], as: UTF8.self))
            case UInt8(ascii: "["):
                // No setting nests arrays; a deep nest would only exhaust the stack.
                depth += 1
                defer { depth -= 1 }
                guard depth <= 8 else { throw error("arrays nested more than 8 deep") }
                index += 1
                var items: [ConfigValue.Value] = []
                while true {
                    skipSpaceAndComments()
                    if peek == UInt8(ascii: "]") { index += 1; return .array(items) }
                    items.append(try value())
                    skipSpaceAndComments()
                    if peek == UInt8(ascii: ",") { index += 1; continue }
                    guard peek == UInt8(ascii: "]") else { throw error("expected ',' or ']' in the array") }
                }
            default:
                let start = index
                while let c = peek, c != 32, c != 9, c != 10, c != 13, c != UInt8(ascii: ","), c != UInt8(ascii: "]"), c != UInt8(ascii: "#") { index += 1 }
                let word = String(decoding: bytes[start..<index], as: UTF8.self)
                if word == "true" { return .boolean(true) }
                if word == "false" { return .boolean(false) }
                let digits = word.replacingOccurrences(of: "_", with: "")
                if let n = Int(digits) { return .integer(n) }
                if digits.contains(where: { ".eE".contains($0) }), let x = Double(digits), x.isFinite { return .float(x) }
                throw error("'\(word)' is not a TOML value (strings need quotes; dates and inline tables are not supported here)")
            }
        }

        /// Inside arrays: blanks, the newlines of joined lines, and comments up to a newline.
        mutating func skipSpaceAndComments() {
            while let c = peek {
                if c == 32 || c == 9 || c == 10 || c == 13 {
                    index += 1
                } else if c == UInt8(ascii: "#") {
                    while let c = peek, c != 10 { index += 1 }
                } else {
                    return
                }
            }
        }

        mutating func basicString() throws -> String {
            index += 1
            var out: [UInt8] = []
            while let c = peek {
                index += 1
                if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                guard c == UInt8(ascii: "\\") else { out.append(c); continue }
                guard let e = peek else { break }
                index += 1
                switch e {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(e)
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16),
                          let scalar = UnicodeScalar(v) else { throw error("bad \\u escape") }
                    index += 4
                    out += Array(String(Character(scalar)).utf8)
                default: throw error("unknown escape '\\\(Character(UnicodeScalar(e)))'")
                }
            }
            throw error("unterminated string")
        }
    }
}
