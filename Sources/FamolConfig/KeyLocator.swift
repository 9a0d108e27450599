/// The line on which each dotted key of a TOML text is set. TOMLKit gives values but not their
/// positions; the text has already parsed, so a light scan suffices: table headers, `key =`
/// at the start of a line, and no keys inside multi-line strings or arrays.
struct KeyLocator {
    private(set) var lines: [String: Int] = [:]
    /// The first table header whose first key starts with a character no key starts with:
    /// toml++ (in TOMLKit 0.6.0) asserts on it and aborts instead of reporting it.
    private(set) var badHeaderLine: Int? = nil

    init(text: String) {
        var table = ""
        var depth = 0          // open brackets of a value spanning lines
        var inMultiline: String? = nil
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Substring(raw)
            if let closing = inMultiline {
                if line.contains(closing) { inMultiline = nil }
                continue
            }
            if depth > 0 {
                depth = max(0, depth + Self.bracketBalance(line))
                continue
            }
            let trimmed = line.drop(while: Self.isBlank)
            if trimmed.hasPrefix("[") {
                // As toml++ reads a header: '[', blanks, maybe a second '[' and blanks, then a key.
                var inner = trimmed.dropFirst().drop(while: Self.isBlank)
                if inner.first == "[" { inner = inner.dropFirst().drop(while: Self.isBlank) }
                if badHeaderLine == nil, !(inner.first.map(Self.startsKey) ?? false) { badHeaderLine = index + 1 }
                if let end = inner.firstIndex(of: "]") {
                    table = Self.dottedKey(inner[..<end])
                    if lines[table] == nil { lines[table] = index + 1 }
                }
                continue
            }
            guard let eq = Self.assignment(in: trimmed) else { continue }
            let key = Self.dottedKey(trimmed[..<eq])
            guard !key.isEmpty else { continue }
            lines[table.isEmpty ? key : table + "." + key] = index + 1
            let value = trimmed[trimmed.index(after: eq)...]
            for quote in ["\"\"\"", "'''"] where value.components(separatedBy: quote).count == 2 { inMultiline = quote }
            depth = max(0, Self.bracketBalance(value))
        }
    }

    /// Blanks as toml++ may skip them: spaces, tabs, any Unicode white space, a byte-order mark
    /// (more than TOML's own, so that no header toml++ sees goes unchecked).
    static func isBlank(_ c: Character) -> Bool {
        c == " " || c == "\t" || c == "\u{FEFF}" || (c.isWhitespace && !c.isNewline)
    }

    /// Whether a key may start with `c`: a bare key's letters, digits, `-`, `_`, or a quote.
    static func startsKey(_ c: Character) -> Bool {
        c == "\"" || c == "'" || c == "-" || c == "_" || (c.isASCII && (c.isLetter || c.isNumber))
    }

    /// The `=` that ends a key (outside quotes), if the line assigns one.
    private static func assignment(in line: Substring) -> Substring.Index? {
        var quote: Character? = nil
        var escaped = false
        for i in line.indices {
            let c = line[i]
            if let q = quote {
                if escaped { escaped = false } else if c == "\\" && q == "\"" { escaped = true } else if c == q { quote = nil }
                continue
            }
            if c == "\"" || c == "'" { quote = c } else if c == "=" { return i } else if c == "#" { return nil }
        }
        return nil
    }

    /// `a . "b c"` -> `a.b c`: the parts of a dotted key, unquoted and trimmed.
    private static func dottedKey(_ text: Substring) -> String {
        var parts: [String] = []
        var current = ""
        var quote: Character? = nil
        for c in text {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "." {
                parts.append(current)
                current = ""
            } else if c != " " && c != "\t" {
                current.append(c)
            }
        }
        parts.append(current)
        return parts.joined(separator: ".")
    }

    /// Opening minus closing brackets outside strings and comments.
    private static func bracketBalance(_ text: Substring) -> Int {
        var balance = 0
        var quote: Character? = nil
        var escaped = false
        for c in text {
            if let q = quote {
                if escaped { escaped = false } else if c == "\\" && q == "\"" { escaped = true } else if c == q { quote = nil }
                continue
            }
            switch c {
            case "\"", "'": quote = c
            case "[", "{": balance += 1
            case "]", "}": balance -= 1
            case "#": return balance
            default: break
            }
        }
        return balance
    }
}
