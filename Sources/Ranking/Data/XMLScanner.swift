/// A small streaming XML tokenizer for the session files famol reads: elements, attributes,
/// text, the five predefined entities and numeric references; comments, processing
/// instructions and DOCTYPE skipped; CDATA as text. It tracks the line for error messages and
/// never holds more than one token beyond the input.
struct XMLScanner {
    enum Token: Equatable {
        case open(String, [String: String])
        case close(String)
        case text(String)
    }

    private let bytes: [UInt8]
    let file: String
    private var i = 0
    private(set) var line = 1
    private var pendingClose: String?
    private var open: [String] = []

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    func error(field: String? = nil, _ message: String) -> InputError {
        InputError(file: file, line: line, field: field, message)
    }

    mutating func next() throws -> Token? {
        if let name = pendingClose {
            pendingClose = nil
            return .close(name)
        }
        while i < bytes.count {
            if bytes[i] != UInt8(ascii: "<") { return .text(try decode(until: UInt8(ascii: "<"))) }
            if starts("<!--") { try skip(past: "-->"); continue }
            if starts("<?") { try skip(past: "?>"); continue }
            if starts("<![CDATA[") {
                i += 9
                let start = i
                try skip(past: "]]>")
                return .text(String(decoding: bytes[start..<(i - 3)], as: UTF8.self))
            }
            if starts("<!") { try skip(past: ">"); continue }
            return try tag()
        }
        if let unclosed = open.last { throw error(field: unclosed, "the file ends before </\(unclosed)>") }
        return nil
    }

    private func starts(_ s: String) -> Bool {
        let u = Array(s.utf8)
        return i + u.count <= bytes.count && Array(bytes[i..<(i + u.count)]) == u
    }

    private mutating func skip(past end: String) throws {
        let u = Array(end.utf8)
        while i < bytes.count {
            if bytes[i] == 10 { line += 1 }
            if bytes[i] == u[0] && starts(end) { i += u.count; return }
            i += 1
        }
        throw error("the file ends before '\(end)'")
    }

    private mutating func tag() throws -> Token {
        i += 1
        let closing = i < bytes.count && bytes[i] == UInt8(ascii: "/")
        if closing { i += 1 }
        let name = readName()
        guard !name.isEmpty else { throw error("'<' not followed by an element name") }
        var attributes: [String: String] = [:]
        while true {
            skipSpace()
            guard i < bytes.count else { throw error(field: name, "the file ends inside <\(name)>") }
            if bytes[i] == UInt8(ascii: ">") { i += 1; break }
            if bytes[i] == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: ">"), !closing {
                i += 2
                pendingClose = name
                return .open(name, attributes)
            }
            guard !closing else { throw error(field: name, "unexpected text in </\(name)>") }
            let key = readName()
            skipSpace()
            guard !key.isEmpty, i < bytes.count, bytes[i] == UInt8(ascii: "=") else { throw error(field: name, "malformed attribute in <\(name)>") }
            i += 1
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else {
                throw error(field: "\(name).\(key)", "attribute value without quotes")
            }
            let quote = bytes[i]
            i += 1
            attributes[key] = try decode(until: quote)
            guard i < bytes.count else { throw error(field: "\(name).\(key)", "the file ends inside an attribute value") }
            i += 1
        }
        if closing {
            guard open.last == name else {
                throw error(field: name, open.last.map { "</\(name)> closes <\($0)>" } ?? "</\(name)> without an opening tag")
            }
            open.removeLast()
            return .close(name)
        }
        open.append(name)
        return .open(name, attributes)
    }

    private mutating func readName() -> String {
        let start = i
        while i < bytes.count, Self.isNameByte(bytes[i]) { i += 1 }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D || b == 0x2E || b == 0x3A || b >= 0x80
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 10 || bytes[i] == 13 {
            if bytes[i] == 10 { line += 1 }
            i += 1
        }
    }

    /// Text up to `end` (not consumed), with entities decoded.
    private mutating func decode(until end: UInt8) throws -> String {
        var out: [UInt8] = []
        while i < bytes.count, bytes[i] != end {
            let b = bytes[i]
            if b == 10 { line += 1 }
            if b == UInt8(ascii: "&") {
                var j = i + 1
                while j < bytes.count, j - i <= 10, bytes[j] != UInt8(ascii: ";") { j += 1 }
                guard j < bytes.count, bytes[j] == UInt8(ascii: ";") else { throw error("'&' without a ';' (write &amp; for a literal &)") }
                let name = String(decoding: bytes[(i + 1)..<j], as: UTF8.self)
                guard let scalar = Self.entity(name) else { throw error("unknown entity '&\(name);'") }
                out += Array(String(Character(scalar)).utf8)
                i = j + 1
                continue
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func entity(_ name: String) -> Unicode.Scalar? {
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default:
            if name.hasPrefix("#x") { return UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init) }
            if name.hasPrefix("#") { return UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init) }
            return nil
        }
    }
}
