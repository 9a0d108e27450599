import Foundation
import Testing
@testable import Ranking

@Suite struct PackTests {
    /// Queries of 1 to 3 documents with non-ASCII ids and features that are not round numbers.
    static let sample = RankingDataset(featureCount: 3, queries: [
        RankingQuery(id: "7", docIDs: ["d1", "GX-2"], labels: [2, 0], features: [0.5, 0, 1.25, 0, -0.03, 0]),
        RankingQuery(id: "requête", docIDs: ["文書"], labels: [30], features: [1e-7, 3.4e38, -1]),
        RankingQuery(id: "q3", docIDs: ["a", "b", "c"], labels: [0, 1, 4], features: (0..<9).map { Float($0) / 7 }),
    ])

    static func packed(_ data: RankingDataset = sample) throws -> String {
        let path = TestFiles.directory + "/\(UUID().uuidString).pack"
        try PackWriter.write(data, to: path, source: "sample.svm")
        return path
    }

    @Test func aPackReadsBackAsTheDataSetItWasWrittenFrom() throws {
        let path = try Self.packed()
        #expect(PackedDataset.isPacked(path))
        #expect(try DatasetFile.read(path) == Self.sample)
        let pack = try PackedDataset(path: path)
        #expect((pack.queryCount, pack.documentCount, pack.featureCount) == (3, 6, 3))
    }

    @Test func readsWhatTheSVMLightReaderReads() throws {
        let text = TestFiles.write(SVMLightWriter.render(Self.sample), name: "sample-\(UUID().uuidString).svm")
        let pack = TestFiles.directory + "/from-text.pack"
        try PackWriter.write(try DatasetFile.read(text), to: pack, source: text)
        #expect(try DatasetFile.read(pack) == SVMLightReader.read(text))
        #expect(!PackedDataset.isPacked(text))
    }

    @Test func theHeaderHashIsTheBodysSHA256AndStandsForTheFileInDataSetHashes() throws {
        let path = try Self.packed()
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let pack = try PackedDataset(path: path)
        #expect(pack.contentSHA256 == SHA256.hex(Array(bytes[PackLayout.headerBytes...])))
        #expect(try DatasetFile.identityBytes(path) == Array("famol-pack sha256:\(pack.contentSHA256)".utf8))
        // The same data packed again: the same identity; other data: another.
        #expect(try PackedDataset(path: Self.packed()).contentSHA256 == pack.contentSHA256)
        var changed = Self.sample
        changed.queries[2].labels[0] = 1
        #expect(try PackedDataset(path: Self.packed(changed)).contentSHA256 != pack.contentSHA256)
    }

    /// Every single-byte change, in the header, the data, the padding or the checksums, is an
    /// error naming the file: never a crash, never other data.
    @Test func everyDamagedByteIsAnError() throws {
        let path = try Self.packed()
        let good = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let damaged = TestFiles.directory + "/damaged.pack"
        for offset in good.indices {
            var bytes = good
            bytes[offset] ^= 0x5A
            try Data(bytes).write(to: URL(fileURLWithPath: damaged))
            #expect(inputError { _ = try DatasetFile.read(damaged) }?.file == damaged, "byte \(offset) of \(good.count)")
        }
    }

    @Test func aTruncatedPackIsAnError() throws {
        let good = try Array(Data(contentsOf: URL(fileURLWithPath: try Self.packed())))
        let cut = TestFiles.directory + "/cut.pack"
        for length in Set([8, 100, PackLayout.headerBytes, PackLayout.headerBytes + 1, good.count / 2, good.count - 4, good.count - 1]) {
            try Data(good[0..<length]).write(to: URL(fileURLWithPath: cut))
            #expect(inputError { _ = try DatasetFile.read(cut) }?.file == cut, "cut at \(length)")
        }
    }

    @Test func anotherVersionIsRefusedByName() throws {
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: try Self.packed())))
        bytes[8] = 2
        let path = TestFiles.directory + "/v2.pack"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = inputError { _ = try PackedDataset(path: path) }
        #expect(error?.field == "version")
        #expect(error?.description.contains("pack version 2; this famol reads version 1") == true)
    }

    @Test func whatAPackCannotHoldIsRefusedNamingTheSource() throws {
        var nan = Self.sample
        nan.queries[1].features[2] = .nan
        let refused = TestFiles.directory + "/refused.pack"
        let error = inputError { try PackWriter.write(nan, to: refused, source: "sample.svm") }
        #expect(error?.file == "sample.svm")
        #expect(error?.field == "query 'requête' document '文書' feature 3")
        var twice = Self.sample
        twice.queries[2].id = "7"
        #expect(inputError { _ = try Self.packed(twice) }?.message.contains("appears twice") == true)
        #expect(!FileManager.default.fileExists(atPath: refused))
    }

    /// Sections larger than a checksum chunk: a change deep in the features is found.
    @Test func aChangeInALaterChunkIsFound() throws {
        let big = RankingDataset(featureCount: 64, queries: (0..<50).map { q in
            RankingQuery(id: "q\(q)", docIDs: (0..<100).map { "d\($0)" }, labels: [Float](repeating: 1, count: 100),
                         features: (0..<6400).map { Float(($0 * 31 + q) % 97) })
        })
        let path = try Self.packed(big)
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let pack = try PackedDataset(path: path)
        let features = pack.sections[.features]!
        #expect(features.count > 1 << 20)
        bytes[features.upperBound - 3] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = inputError { _ = try DatasetFile.read(path) }
        #expect(error?.field == "features")
        #expect(error?.message.contains("checksum mismatch in bytes \(features.lowerBound + (1 << 20))") == true)
    }
}
