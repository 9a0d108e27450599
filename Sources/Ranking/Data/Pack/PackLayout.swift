import CCRC32C

/// The layout of famol's binary data set file (`famol pack`, version 1). All integers and
/// floats are little-endian.
///
///     offset  size  field
///          0     8  magic "FAMOLPAK"
///          8     4  version (1)
///         12     4  header size (256)
///         16     4  features per document
///         20     4  zero
///         24     8  queries
///         32     8  documents
///         40   168  7 sections, each: offset u64, length u64, zero u64 (in `PackSection` order)
///        208    32  SHA-256 of every byte after the header: the data set's identity
///        240     8  offset of the checksum table (u64); its length is 4 bytes per chunk
///        248     4  CRC32C of the checksum table
///        252     4  CRC32C of header bytes 0..<252
///
/// Every section starts on a 64-byte boundary. A query's documents are consecutive rows, so
/// its labels and feature rows are one slice of each section. The checksum table holds a
/// CRC32C per `chunkBytes` of each section, in section order: a reader checks only the
/// chunks it reads.
public enum PackLayout {
    public static let magic: [UInt8] = Array("FAMOLPAK".utf8)
    public static let version: UInt32 = 1
    public static let headerBytes = 256
    public static let alignment = 64
    /// One checksum per MiB of a section: a worker reading its shards checks only those.
    public static let chunkBytes = 1 << 20

    static let sectionTableOffset = 40
    static let sectionEntryBytes = 24
    static let sha256Offset = 208
    static let checksumTableOffset = 240
    static let checksumTableCRCOffset = 248
    static let headerCRCOffset = 252

    /// Bytes of each section for a data set of these counts.
    static func sectionLengths(queries: Int, documents: Int, features: Int, queryIDBytes: Int, documentIDBytes: Int) -> [PackSection: Int] {
        [.documentStarts: 8 * (queries + 1), .labels: 4 * documents, .features: 4 * documents * features,
         .queryIDStarts: 8 * (queries + 1), .queryIDBytes: queryIDBytes,
         .documentIDStarts: 8 * (documents + 1), .documentIDBytes: documentIDBytes]
    }

    static func alignedUp(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    static func chunks(_ length: Int) -> Int { (length + chunkBytes - 1) / chunkBytes }

    static func crc32c(_ bytes: UnsafeRawBufferPointer, _ crc: UInt32 = 0) -> UInt32 {
        famol_crc32c(crc, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
    }
}

/// The sections of a pack file, in file order.
public enum PackSection: Int, CaseIterable, Sendable {
    /// Queries + 1 document indices (u64): query q owns documents starts[q]..<starts[q+1].
    case documentStarts
    /// A grade per document (f32).
    case labels
    /// Documents x features (f32), row-major.
    case features
    /// Queries + 1 byte offsets (u64) into `queryIDBytes`.
    case queryIDStarts
    /// The query ids, UTF-8, back to back.
    case queryIDBytes
    /// Documents + 1 byte offsets (u64) into `documentIDBytes`.
    case documentIDStarts
    /// The document ids, UTF-8, back to back.
    case documentIDBytes
}
