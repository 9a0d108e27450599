import CSHA256
import Foundation

/// Writes a data set as a pack file (`PackLayout`): streamed to a temporary file beside the
/// target, checksummed per chunk, hashed, and renamed into place only when complete.
public enum PackWriter {
    /// Writes `data` (read from `source`) to `path` and returns the content SHA-256 the header
    /// carries. What a pack cannot hold is an error naming `source`.
    @discardableResult
    public static func write(_ data: RankingDataset, to path: String, source: String) throws -> String {
        try check(data, source: source)
        let documents = data.documentCount
        let queryIDBytes = data.queries.reduce(0) { $0 + $1.id.utf8.count }
        let documentIDBytes = data.queries.reduce(0) { $0 + $1.docIDs.reduce(0) { $0 + $1.utf8.count } }
        let lengths = PackLayout.sectionLengths(queries: data.queries.count, documents: documents, features: data.featureCount,
                                                queryIDBytes: queryIDBytes, documentIDBytes: documentIDBytes)
        let tmp = path + ".tmp-\(getpid())"
        var out = try SectionStream(path: tmp, reportedAs: path)
        do {
            var offsets: [PackSection: Int] = [:]
            for section in PackSection.allCases {
                offsets[section] = try out.beginSection()
                try writeSection(section, of: data, to: &out)
                try out.endSection()
                precondition(out.position - offsets[section]! == lengths[section]!, "section \(section) length")
            }
            let table = try out.writeChecksumTable()
            try out.flush()
            let digest = try out.bodySHA256()
            var header = [UInt8](repeating: 0, count: PackLayout.headerBytes)
            func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
                withUnsafeBytes(of: value.littleEndian) { header.replaceSubrange(offset..<(offset + $0.count), with: $0) }
            }
            header.replaceSubrange(0..<8, with: PackLayout.magic)
            put(PackLayout.version, at: 8)
            put(UInt32(PackLayout.headerBytes), at: 12)
            put(UInt32(data.featureCount), at: 16)
            put(UInt64(data.queries.count), at: 24)
            put(UInt64(documents), at: 32)
            for section in PackSection.allCases {
                let entry = PackLayout.sectionTableOffset + section.rawValue * PackLayout.sectionEntryBytes
                put(UInt64(offsets[section]!), at: entry)
                put(UInt64(lengths[section]!), at: entry + 8)
            }
            header.replaceSubrange(PackLayout.sha256Offset..<(PackLayout.sha256Offset + 32), with: digest)
            put(UInt64(table.offset), at: PackLayout.checksumTableOffset)
            put(table.crc, at: PackLayout.checksumTableCRCOffset)
            put(header.withUnsafeBytes { PackLayout.crc32c(UnsafeRawBufferPointer(rebasing: $0[0..<PackLayout.headerCRCOffset])) },
                at: PackLayout.headerCRCOffset)
            try out.writeHeader(header)
            try out.close()
            guard rename(tmp, path) == 0 else {
                throw OutputError(path: path, "cannot rename \(tmp) into place: \(String(cString: strerror(errno)))")
            }
            return SHA256.hex(digest: digest)
        } catch {
            out.abandon()
            throw error
        }
    }

    /// What the reader refuses is refused here first, so every pack written can be read.
    static func check(_ data: RankingDataset, source: String) throws {
        guard !data.queries.isEmpty, (1...SVMLightReader.maxFeatureIndex).contains(data.featureCount) else {
            throw InputError(file: source, "no queries, or no features, to pack")
        }
        var seen = Set<String>()
        for q in data.queries {
            guard !q.id.isEmpty, seen.insert(q.id).inserted else {
                throw InputError(file: source, field: "qid", "query id '\(q.id)' is empty or appears twice", hint: "give each query one id")
            }
            guard q.count > 0, q.labels.count == q.count, q.features.count == q.count * data.featureCount else {
                throw InputError(file: source, field: "query '\(q.id)'", "has no documents, or rows of the wrong width")
            }
            if let d = q.docIDs.firstIndex(where: \.isEmpty) {
                throw InputError(file: source, field: "query '\(q.id)' document \(d + 1)", "empty document id")
            }
            if let d = q.labels.firstIndex(where: { !($0 >= 0 && $0 <= Float(SVMLightReader.maxLabel)) }) {
                throw InputError(file: source, field: "query '\(q.id)' document '\(q.docIDs[d])' label",
                                 "label \(q.labels[d]) is outside 0...\(SVMLightReader.maxLabel)")
            }
            if let bad = q.features.firstIndex(where: { !$0.isFinite }) {
                throw InputError(file: source, field: "query '\(q.id)' document '\(q.docIDs[bad / data.featureCount])' feature \(bad % data.featureCount + 1)",
                                 "\(q.features[bad]) is not a finite number", hint: "replace missing values with a number before packing")
            }
        }
    }

    private static func writeSection(_ section: PackSection, of data: RankingDataset, to out: inout SectionStream) throws {
        switch section {
        case .documentStarts:
            var start: UInt64 = 0
            try out.append(start)
            for q in data.queries { start += UInt64(q.count); try out.append(start) }
        case .labels:
            for q in data.queries { try out.append(floats: q.labels) }
        case .features:
            for q in data.queries { try out.append(floats: q.features) }
        case .queryIDStarts:
            try starts(data.queries.lazy.map(\.id), to: &out)
        case .queryIDBytes:
            for q in data.queries { try out.append(bytes: Array(q.id.utf8)) }
        case .documentIDStarts:
            try starts(data.queries.lazy.flatMap(\.docIDs), to: &out)
        case .documentIDBytes:
            for q in data.queries { for d in q.docIDs { try out.append(bytes: Array(d.utf8)) } }
        }
    }

    private static func starts(_ ids: some Sequence<String>, to out: inout SectionStream) throws {
        var start: UInt64 = 0
        try out.append(start)
        for id in ids { start += UInt64(id.utf8.count); try out.append(start) }
    }
}
