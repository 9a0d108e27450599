/// A pack file (`famol pack`, layout in `PackLayout`), mapped and checked: its header, its
/// section bounds and its query boundaries on opening, every other byte when it is read.
public final class PackedDataset: Sendable {
    public let path: String
    public let featureCount: Int
    public let queryCount: Int
    public let documentCount: Int
    /// SHA-256 of the file after its header, written by `famol pack`: the data set's identity,
    /// known without reading the data.
    public let contentSHA256: String
    let file: MappedFile
    let sections: [PackSection: Range<Int>]
    /// Index of each section's first chunk in the checksum table.
    let firstChunk: [PackSection: Int]
    let checksumTable: Int

    /// Whether the file starts with the pack magic (false for text files and short files).
    public static func isPacked(_ path: String) -> Bool {
        guard let handle = fopen(path, "rb") else { return false }
        defer { fclose(handle) }
        var head = [UInt8](repeating: 0, count: PackLayout.magic.count)
        return fread(&head, 1, head.count, handle) == head.count && head == PackLayout.magic
    }

    public init(path: String) throws {
        self.path = path
        file = try MappedFile(path: path)
        let size = file.bytes.count
        func bad(_ field: String, _ message: String) -> InputError {
            InputError(file: path, field: field, message, hint: "the file is damaged or not written by famol pack; pack it again from its source")
        }
        guard size >= PackLayout.headerBytes, Array(file.bytes[0..<8]) == PackLayout.magic else {
            throw InputError(file: path, "not a famol pack file (no FAMOLPAK header)", hint: "famol pack writes these from SVMlight")
        }
        let version = file.u32(8)
        guard version == PackLayout.version else {
            throw InputError(file: path, field: "version", "pack version \(version); this famol reads version \(PackLayout.version)",
                             hint: "pack the source again with this famol")
        }
        let headerCRC = PackLayout.crc32c(UnsafeRawBufferPointer(rebasing: file.bytes[0..<PackLayout.headerCRCOffset]))
        guard headerCRC == file.u32(PackLayout.headerCRCOffset) else { throw bad("header", "header checksum mismatch") }
        guard file.u32(12) == PackLayout.headerBytes, file.u32(20) == 0 else { throw bad("header", "unexpected header size or flags") }
        let features = Int(file.u32(16)), queries = file.u64(24), documents = file.u64(32)
        guard (1...SVMLightReader.maxFeatureIndex).contains(features) else { throw bad("features", "\(features) features per document") }
        // Bounded by the file's size, so the counts fit an Int and their section lengths too.
        guard queries >= 1, documents >= queries, documents <= UInt64(size / (4 * (features + 1))) else {
            throw bad("counts", "\(queries) queries and \(documents) documents cannot fit a file of \(size) bytes")
        }
        featureCount = features
        queryCount = Int(queries)
        documentCount = Int(documents)

        var ranges: [PackSection: Range<Int>] = [:]
        var first: [PackSection: Int] = [:]
        var end = PackLayout.headerBytes
        var chunkCount = 0
        for section in PackSection.allCases {
            let entry = PackLayout.sectionTableOffset + section.rawValue * PackLayout.sectionEntryBytes
            let offset = file.u64(entry), length = file.u64(entry + 8)
            guard offset % UInt64(PackLayout.alignment) == 0, offset >= UInt64(end), offset <= UInt64(size),
                  length <= UInt64(size) - offset, file.u64(entry + 16) == 0 else {
                throw bad("section \(section)", "offset \(offset) and length \(length) do not fit in order in a file of \(size) bytes")
            }
            let range = Int(offset)..<Int(offset + length)
            ranges[section] = range
            first[section] = chunkCount
            chunkCount += PackLayout.chunks(range.count)
            end = range.upperBound
        }
        let expected = PackLayout.sectionLengths(queries: queryCount, documents: documentCount, features: featureCount,
                                                 queryIDBytes: ranges[.queryIDBytes]!.count, documentIDBytes: ranges[.documentIDBytes]!.count)
        for section in PackSection.allCases where ranges[section]!.count != expected[section]! {
            throw bad("section \(section)", "\(ranges[section]!.count) bytes where the counts give \(expected[section]!)")
        }
        let table = file.u64(PackLayout.checksumTableOffset)
        guard table % 4 == 0, table >= UInt64(end), table <= UInt64(size), UInt64(size) - table == UInt64(4 * chunkCount) else {
            throw bad("checksums", "the checksum table at \(table) does not end the file")
        }
        checksumTable = Int(table)
        // The padding before each section and the table is zeros: no byte of a pack goes unchecked.
        let gaps = zip([PackLayout.headerBytes] + PackSection.allCases.map { ranges[$0]!.upperBound },
                       PackSection.allCases.map { ranges[$0]!.lowerBound } + [checksumTable])
        for (from, to) in gaps where file.bytes[from..<to].contains(where: { $0 != 0 }) {
            throw bad("padding", "bytes \(from)..<\(to) between sections are not zero")
        }
        guard PackLayout.crc32c(UnsafeRawBufferPointer(rebasing: file.bytes[checksumTable...])) == file.u32(PackLayout.checksumTableCRCOffset) else {
            throw bad("checksums", "checksum table checksum mismatch")
        }
        sections = ranges
        firstChunk = first
        contentSHA256 = SHA256.hex(digest: file.bytes[PackLayout.sha256Offset..<(PackLayout.sha256Offset + 32)])
        try verify(.documentStarts)
        try checkStarts(.documentStarts, count: queryCount, last: documentCount, field: "documentStarts")
    }

    /// Checks every chunk of `section` against the checksum table.
    func verify(_ section: PackSection) throws {
        let range = sections[section]!
        for chunk in 0..<PackLayout.chunks(range.count) {
            let start = range.lowerBound + chunk * PackLayout.chunkBytes
            let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[start..<min(range.upperBound, start + PackLayout.chunkBytes)])
            guard PackLayout.crc32c(bytes) == file.u32(checksumTable + 4 * (firstChunk[section]! + chunk)) else {
                throw InputError(file: path, field: "\(section)", "checksum mismatch in bytes \(start)..<\(start + bytes.count)",
                                 hint: "the file is damaged; pack it again from its source")
            }
        }
    }

    /// The `count + 1` u64 starts of `section`: from 0, increasing, ending at `last`.
    func checkStarts(_ section: PackSection, count: Int, last: Int, field: String) throws {
        let base = sections[section]!.lowerBound
        var previous = file.u64(base)
        guard previous == 0 else { throw InputError(file: path, field: field, "the first start is \(previous), not 0") }
        for i in 1...count {
            let next = file.u64(base + 8 * i)
            guard next > previous, next <= UInt64(last) else {
                throw InputError(file: path, field: "\(field)[\(i)]", "start \(next) after \(previous): starts must increase up to \(last)",
                                 hint: "the file is damaged; pack it again from its source")
            }
            previous = next
        }
        guard previous == UInt64(last) else { throw InputError(file: path, field: field, "the last start is \(previous), not \(last)") }
    }

    /// Element `i` of a u64 section.
    func start(_ section: PackSection, _ i: Int) -> Int { Int(file.u64(sections[section]!.lowerBound + 8 * i)) }
}

#if canImport(Glibc)
import Glibc
#endif
