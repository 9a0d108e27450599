import Foundation

/// A trained ranker on disk: a versioned JSON document with the layout, the standardisation and
/// the parameters as little-endian Float32 bytes in base64.
public struct ModelFile: Codable, Sendable, Equatable {
    public static let formatName = "famol-model"
    public static let currentVersion = 1

    public var format: String
    public var version: Int
    public var layout: RankerLayout
    public var mean: [Float]
    public var scale: [Float]
    public var parameters: String
    /// Free-form provenance: supervision, seed, epochs, data files.
    public var metadata: [String: String]

    public init(ranker: MLPRanker, parameters p: [Float], metadata: [String: String]) {
        format = Self.formatName
        version = Self.currentVersion
        layout = ranker.layout
        mean = ranker.mean
        scale = ranker.scale
        parameters = Data(ModelFile.bytes(p)).base64EncodedString()
        self.metadata = metadata
    }

    /// Parameters as little-endian Float32 bytes: what `model sha256` fingerprints.
    public static func bytes(_ p: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(p.count * 4)
        for v in p {
            let b = v.bitPattern.littleEndian
            out.append(UInt8(truncatingIfNeeded: b)); out.append(UInt8(truncatingIfNeeded: b >> 8))
            out.append(UInt8(truncatingIfNeeded: b >> 16)); out.append(UInt8(truncatingIfNeeded: b >> 24))
        }
        return out
    }

    public static func sha256(_ p: [Float]) -> String { SHA256.hex(bytes(p)) }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: path)
    }

    /// Loads a model, checking the format, version and sizes.
    public static func read(_ path: String) throws -> (MLPRanker, [Float], ModelFile) {
        let data = Data(try readFileBytes(path))
        let file: ModelFile
        do { file = try JSONDecoder().decode(ModelFile.self, from: data) } catch {
            throw InputError(file: path, "not a famol model file (\(error))", hint: "give a model.json written by 'famol train'")
        }
        guard file.format == formatName else {
            throw InputError(file: path, field: "format", "'\(file.format)' is not '\(formatName)'")
        }
        guard file.version <= currentVersion else {
            throw InputError(file: path, field: "version", "version \(file.version) is newer than this famol reads (\(currentVersion))",
                             hint: "upgrade famol")
        }
        guard let raw = Data(base64Encoded: file.parameters), raw.count == file.layout.parameterCount * 4,
              file.mean.count == file.layout.inputCount, file.scale.count == file.layout.inputCount else {
            throw InputError(file: path, field: "parameters", "sizes do not match the layout", hint: "the file is damaged")
        }
        let bytes = [UInt8](raw)
        let p = (0..<file.layout.parameterCount).map { i -> Float in
            Float(bitPattern: UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8 | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24)
        }
        return (MLPRanker(layout: file.layout, mean: file.mean, scale: file.scale), p, file)
    }
}

/// A file famol could not write (disk full, I/O error, no such directory): exit 74, not a
/// problem with the input.
public struct OutputError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public var hint: String?

    public init(path: String, _ message: String, hint: String? = nil) {
        self.path = path
        self.message = message
        self.hint = hint
    }

    public var description: String { "\(path): \(message)" + (hint.map { " (\($0))" } ?? "") }
}

/// Writes files so that readers see the old or the new content, never a torn one:
/// temporary file, fsync, rename.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw OutputError(path: path, "cannot create the file: \(String(cString: strerror(errno)))", hint: "check the directory exists and is writable") }
        var failure: Int32 = 0
        let ok = data.withUnsafeBytes { buf -> Bool in
            var off = 0
            while off < buf.count {
                let n = Foundation.write(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { failure = errno; return false }
                off += n
            }
            if fsync(fd) != 0 { failure = errno; return false }
            return true
        }
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            if ok { failure = errno }
            unlink(tmp)
            throw OutputError(path: path, "write failed: \(String(cString: strerror(failure)))", hint: "check free disk space")
        }
    }

    public static func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }
}
