import CSHA256
import Foundation

/// A file written section by section through a buffer, with a CRC32C per `PackLayout.chunkBytes`
/// of each section; the header is written last, over the space left for it.
struct SectionStream {
    let path: String
    /// The name errors give: the target, not the temporary file.
    let reportedAs: String
    private let fd: Int32
    private var isOpen = true
    private var buffer: [UInt8] = []
    private(set) var position = 0
    private var checksums: [UInt32] = []
    private var chunkCRC: UInt32 = 0
    private var chunkFill = 0

    init(path: String, reportedAs: String) throws {
        self.path = path
        self.reportedAs = reportedAs
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw OutputError(path: reportedAs, "cannot create \(path): \(String(cString: strerror(errno)))", hint: "check the directory exists and is writable")
        }
        buffer.reserveCapacity(1 << 20)
        try pad(to: PackLayout.headerBytes)
    }

    /// Pads to the next section boundary and returns the section's offset.
    mutating func beginSection() throws -> Int {
        try pad(to: PackLayout.alignedUp(position))
        chunkCRC = 0
        chunkFill = 0
        return position
    }

    mutating func endSection() throws {
        if chunkFill > 0 { checksums.append(chunkCRC) }
        chunkFill = 0
    }

    mutating func append<T: FixedWidthInteger>(_ value: T) throws {
        try withUnsafeBytes(of: value.littleEndian) { try append(raw: $0) }
    }

    mutating func append(floats: [Float]) throws {
        #if _endian(little)
        try floats.withUnsafeBytes { try append(raw: $0) }
        #else
        for f in floats { try append(f.bitPattern) }
        #endif
    }

    mutating func append(bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try append(raw: $0) } }

    /// Appends section bytes, closing a checksum chunk at every `chunkBytes`.
    mutating func append(raw: UnsafeRawBufferPointer) throws {
        var rest = raw[...]
        while !rest.isEmpty {
            let n = min(rest.count, PackLayout.chunkBytes - chunkFill)
            let part = UnsafeRawBufferPointer(rebasing: rest.prefix(n))
            chunkCRC = PackLayout.crc32c(part, chunkCRC)
            chunkFill += n
            if chunkFill == PackLayout.chunkBytes {
                checksums.append(chunkCRC)
                chunkCRC = 0
                chunkFill = 0
            }
            try buffered(part)
            rest = rest.dropFirst(n)
        }
    }

    /// Writes the checksum table at the next boundary; returns its offset and CRC32C.
    mutating func writeChecksumTable() throws -> (offset: Int, crc: UInt32) {
        try pad(to: PackLayout.alignedUp(position))
        let offset = position
        var table: [UInt8] = []
        table.reserveCapacity(4 * checksums.count)
        for c in checksums { withUnsafeBytes(of: c.littleEndian) { table.append(contentsOf: $0) } }
        try table.withUnsafeBytes { try buffered($0) }
        return (offset, table.withUnsafeBytes { PackLayout.crc32c($0) })
    }

    /// SHA-256 of everything after the header, read back through a mapping of the written file.
    mutating func bodySHA256() throws -> [UInt8] {
        try flush()
        let mapped = try MappedFile(path: path)
        var digest = [UInt8](repeating: 0, count: 32)
        let body = UnsafeRawBufferPointer(rebasing: mapped.bytes[PackLayout.headerBytes...])
        digest.withUnsafeMutableBufferPointer { famol_sha256(body.baseAddress?.assumingMemoryBound(to: UInt8.self), body.count, $0.baseAddress) }
        return digest
    }

    mutating func writeHeader(_ header: [UInt8]) throws {
        try flush()
        let written = header.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == header.count else { throw failure("cannot write the header") }
    }

    mutating func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            guard n > 0 else { throw failure("write failed") }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func close() throws {
        try flush()
        guard fsync(fd) == 0 else { throw failure("fsync failed") }
        Foundation.close(fd)
        isOpen = false
    }

    /// After a failure: the partial file goes, so no half-written pack is ever found.
    mutating func abandon() {
        if isOpen { Foundation.close(fd) }
        isOpen = false
        unlink(path)
    }

    private mutating func buffered(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        position += bytes.count
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Zeros up to `offset`, outside any checksum chunk (alignment padding).
    private mutating func pad(to offset: Int) throws {
        let zeros = [UInt8](repeating: 0, count: offset - position)
        try zeros.withUnsafeBytes { try buffered($0) }
    }

    private func failure(_ what: String) -> OutputError {
        OutputError(path: reportedAs, "\(what): \(String(cString: strerror(errno)))", hint: "check free disk space")
    }
}
