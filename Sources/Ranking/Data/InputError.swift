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
        var where_ = file
        if let line { where_ += ":\(line)" }
        var text = "\(where_): "
        if let field { text += "field '\(field)': " }
        text += message
        if let hint { text += " (\(hint))" }
        return text
    }
}

/// Reads a whole file, turning a missing or unreadable file into an `InputError`.
func readFileBytes(_ path: String) throws -> [UInt8] {
    guard let handle = fopen(path, "rb") else {
        throw InputError(file: path, "cannot open file", hint: "check the path and its permissions")
    }
    defer { fclose(handle) }
    // Sized from fstat and read in place: growing by appends copied a large file several times.
    var info = stat()
    let expected = fstat(fileno(handle), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : 0
    var bytes = [UInt8](unsafeUninitializedCapacity: expected) { buffer, count in
        count = expected > 0 ? fread(buffer.baseAddress, 1, expected, handle) : 0
    }
    // Pipes, and files that grew since fstat: the rest in chunks.
    if bytes.count == expected {
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
func readLines(_ path: String) throws -> [Substring] {
    let bytes = try readFileBytes(path)
    let text = String(decoding: bytes, as: UTF8.self)
    return text.split(separator: "\n", omittingEmptySubsequences: false).map {
        $0.hasSuffix("\r") ? $0.dropLast() : $0
    }
}
