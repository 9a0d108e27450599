#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An input problem reported with the file, line and field at fault and what to do about it.
public struct InputError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int?
    public var field: String?
    public var message: String
    public var hint: String?

    public init(file: String, line: Int? = nil, field: String? = nil, _ message: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var where_ = Self.capped(file)
        if let line { where_ += ":\(line)" }
        var text = "\(where_): "
        if let field { text += "field '\(Self.capped(field, limit: Self.quoteLimit))': " }
        text += Self.capped(Self.cappingQuotes(message), limit: 600)
        if let hint { text += " (\(Self.capped(Self.cappingQuotes(hint), limit: 2000)))" }
        return text
    }

    /// The most characters of input an error quotes: an error about a 2 GB line must not print
    /// the line, and a long value is recognised by its start.
    public static let quoteLimit = 200

    /// At most `limit` characters of a part of the message.
    static func capped(_ s: String, limit: Int = 300) -> String {
        guard s.count > limit else { return s }
        let head = String(s.prefix(limit))
        return head + "... (\(s.count - head.count) more characters)"
    }

    /// Each 'quoted' span of input cut to `quoteLimit` characters, whoever built the message.
    static func cappingQuotes(_ s: String) -> String {
        guard s.count > quoteLimit else { return s }
        var out = ""
        var rest = Substring(s)
        while let open = rest.firstIndex(of: "'") {
            out += rest[...open]
            rest = rest[rest.index(after: open)...]
            guard let close = rest.firstIndex(of: "'") else {
                // An unclosed quote runs to the end: capped like a closed one.
                return out + capped(String(rest), limit: quoteLimit)
            }
            out += capped(String(rest[..<close]), limit: quoteLimit) + "'"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}

/// Text files with a NUL byte in their first 64 KiB are refused before they are read: a binary
/// file (or a disk image of zeros) given as text would otherwise be parsed as one huge line.
func checkNotBinary(_ handle: UnsafeMutablePointer<FILE>, path: String) throws {
    // No more than the file holds: most inputs are small, and this runs for each one.
    var info = stat()
    let size = fstat(fileno(handle), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : 64 << 10
    var head = [UInt8](repeating: 0, count: max(1, min(64 << 10, size)))
    let n = head.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
    if let offset = head[0..<n].firstIndex(of: 0) {
        throw InputError(file: path, "binary data (a NUL byte at offset \(offset)), not a text file", hint: "give the text file famol expects here")
    }
    rewind(handle)
}

/// The first byte of a file that is not white space (nil for an empty file), reading only its head.
func firstNonSpaceByte(_ path: String) throws -> UInt8? {
    guard let handle = fopen(path, "rb") else {
        throw InputError(file: path, "cannot open file", hint: "check the path and its permissions")
    }
    defer { fclose(handle) }
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
        if n == 0 { return nil }
        if let b = chunk[0..<n].first(where: { $0 != 32 && $0 != 10 && $0 != 13 && $0 != 9 }) { return b }
    }
}

/// Reads a whole file, turning a missing or unreadable file into an `InputError`.
func readFileBytes(_ path: String) throws -> [UInt8] {
    guard let handle = fopen(path, "rb") else {
        throw InputError(file: path, "cannot open file", hint: "check the path and its permissions")
    }
    defer { fclose(handle) }
    try checkNotBinary(handle, path: path)
    // Sized from fstat and read in place: growing by appends copied a large file several times.
    var info = stat()
    let expected = fstat(fileno(handle), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : 0
    var bytes = [UInt8](unsafeUninitializedCapacity: expected) { buffer, count in
        count = expected > 0 ? fread(buffer.baseAddress, 1, expected, handle) : 0
    }
    // Pipes, and files that grew since fstat: the rest in chunks. One byte first, so that the
    // usual file (read whole already) costs no chunk buffer.
    if bytes.count == expected, case let next = getc(handle), next != EOF {
        bytes.append(UInt8(next))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
    }
    if ferror(handle) != 0 {
        throw InputError(file: path, "read error", hint: "check the file is a regular readable file")
    }
    return bytes
}

/// Reads a text file as lines (LF or CRLF), reporting a missing file clearly.
public func readLines(_ path: String) throws -> [Substring] {
    let bytes = try readFileBytes(path)
    if let nul = bytes.firstIndex(of: 0) {
        throw InputError(file: path, line: bytes[..<nul].reduce(1) { $0 + ($1 == 10 ? 1 : 0) },
                         "a NUL byte in a text file", hint: "the file is damaged or binary")
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
        // Decoding would replace the bad bytes, and two distinct ids could become one.
        var line = 1, start = 0
        for (i, b) in bytes.enumerated() where b == 10 {
            if String(validating: bytes[start..<i], as: UTF8.self) == nil { break }
            line += 1
            start = i + 1
        }
        throw InputError(file: path, line: line, "not valid UTF-8 text", hint: "famol reads UTF-8; convert the file (for example: iconv -f latin1 -t utf-8)")
    }
    // "\r\n" is one Character in Swift, so splitting at "\n" alone kept CRLF files whole.
    let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map {
        $0.hasSuffix("\r") ? $0.dropLast() : $0
    }
    if let long = lines.firstIndex(where: { $0.utf8.count > maxLineBytes }) {
        throw InputError(file: path, line: long + 1, "a line of \(lines[long].utf8.count >> 20) MiB, longer than famol reads (\(maxLineBytes >> 20) MiB)",
                         hint: "the file is damaged, or not the text file famol expects here")
    }
    return lines
}

/// The longest line a text reader takes.
let maxLineBytes = 16 << 20
