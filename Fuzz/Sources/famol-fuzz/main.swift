import CFuzzDriver
import Cluster
import FamolConfig
import Foundation
import Ranking

// One libFuzzer entry point for all of famol's readers: FAMOL_FUZZ_TARGET names the one to
// drive (scripts/fuzz sets it). Each input is written to a file in /dev/shm and read the way
// the commands read it: a thrown error is a correct answer, a trap, a leak, an out-of-bounds
// access or a slow input is a bug.

/// Where each input is written: tmpfs, so a file per input costs microseconds.
let scratch: String = {
    let dir = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()) + "/famol-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}()

/// Writes `bytes` to `name` in the scratch directory and returns its path.
func file(_ name: String, _ bytes: some Collection<UInt8>) -> String {
    let path = scratch + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}

/// The input cut at the first `parts - 1` NUL-NUL pairs, for readers of several files.
func split(_ bytes: [UInt8], parts: Int) -> [ArraySlice<UInt8>] {
    var out: [ArraySlice<UInt8>] = []
    var start = 0
    var i = 0
    while i + 1 < bytes.count && out.count < parts - 1 {
        if bytes[i] == 0 && bytes[i + 1] == 0 {
            out.append(bytes[start..<i])
            start = i + 2
            i += 2
        } else {
            i += 1
        }
    }
    out.append(bytes[start...])
    while out.count < parts { out.append([]) }
    return out
}

/// CRC32C (Castagnoli, reflected), bit by bit: the fuzz harness's own, independent of famol's.
func crc32c(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }
    return ~crc
}

/// A pack file's checksums (per-chunk table, table, header) recomputed from the section table
/// the input declares, where it can be followed (docs/pack-format.md).
func resealedPack(_ input: [UInt8]) -> [UInt8] {
    var b = input
    guard b.count >= 256 else { return b }
    func u64(_ at: Int) -> Int? {
        let v = (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) }
        return v <= UInt64(b.count) ? Int(v) : nil
    }
    func put(_ v: UInt32, at: Int) { for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) } }
    var chunks: [UInt32] = []
    for section in 0..<7 {
        guard let offset = u64(40 + 24 * section), let length = u64(48 + 24 * section), offset + length <= b.count else { return b }
        var start = offset
        while start < offset + length {
            let end = min(offset + length, start + (1 << 20))
            chunks.append(crc32c(b[start..<end]))
            start = end
        }
    }
    guard let table = u64(240), table + 4 * chunks.count <= b.count else { return b }
    for (i, c) in chunks.enumerated() { put(c, at: table + 4 * i) }
    put(crc32c(b[table...]), at: 248)
    put(crc32c(b[0..<252]), at: 252)
    return b
}

/// Every fuzz target by name: what it reads from one input.
let targets: [String: @Sendable ([UInt8]) throws -> Void] = [
    "svmlight": { _ = try SVMLightReader.read(file("data.svm", $0)) },
    "svmlight-groups": {
        let p = split($0, parts: 2)
        let data = file("grouped.svm", p[0])
        _ = file("grouped.svm.query", p[1])
        _ = try SVMLightReader.read(data)
    },
    "pack": { _ = try DatasetFile.read(file("data.pack", $0)) },
    // Checksums recomputed first, so that mutations reach the bounds checks behind them.
    "pack-resealed": { _ = try DatasetFile.read(file("resealed.pack", resealedPack($0))) },
    "qrels": { _ = try Qrels.read(file("judgments.qrels", $0)) },
    "run": { _ = try TrecRun.read(file("ranking.run", $0)) },
    "clicks-jsonl": { _ = try ClickLog.read(file("log.jsonl", $0), format: .jsonl) },
    "clicks-yandex": { _ = try ClickLog.read(file("log.txt", $0), format: .yandex) },
    "clicks-tiangong": { _ = try ClickLog.read(file("log.xml", $0), format: .tiangong) },
    "text": {
        let p = split($0, parts: 3)
        _ = try TSVCollectionReader.read(documents: file("documents", p[0]), queries: file("queries", p[1]), qrels: file("qrels", p[2]))
    },
    "cranfield": {
        let p = split($0, parts: 3)
        let dir = scratch + "/cranfield"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = file("cranfield/cran.all.1400", p[0])
        _ = file("cranfield/cran.qry", p[1])
        _ = file("cranfield/cranqrel", p[2])
        _ = try CranfieldReader.read(directory: dir)
    },
    "toml": { _ = try ConfigFile.read(file("config.toml", $0)) },
    "bands": { _ = try FrequencyBands.read(file("bands.txt", $0)) },
    "feature-names": { _ = try FeatureInfo.read(file("features.tsv", $0), count: 8) },
    "model": { _ = try ModelFile.read(file("model.json", $0)) },
    "spec": { _ = try TrainingSpec.read(file("spec.json", $0)) },
    "click-model": { _ = try ClickModelParameters.read(file("click-model.json", $0)) },
    // The wire: the input is a multipart message, frames cut at NUL-NUL pairs.
    "wire": { _ = WireCodec.decode(split($0, parts: 8).map(Array.init), expectedRunID: nil) },
]

let target: @Sendable ([UInt8]) throws -> Void = {
    let name = ProcessInfo.processInfo.environment["FAMOL_FUZZ_TARGET"] ?? ""
    guard let t = targets[name] else {
        FileHandle.standardError.write(Data("famol-fuzz: set FAMOL_FUZZ_TARGET to one of: \(targets.keys.sorted().joined(separator: ", "))\n".utf8))
        exit(64)
    }
    return t
}()

/// Seeds no file on disk carries: wire messages of every kind and a training spec.
func writeSyntheticSeeds(to dir: String) throws {
    let fm = FileManager.default
    try fm.createDirectory(atPath: dir + "/wire", withIntermediateDirectories: true)
    try fm.createDirectory(atPath: dir + "/spec", withIntermediateDirectories: true)
    let bodies: [WireMessage.Body] = [
        .hello(.init(workerID: "w1", incarnation: 7, capabilities: ["grad", "annotate"], credit: 2, build: "famol-worker 1", numericProfile: "p")),
        .ready(credit: 2), .heartbeat(leaseID: 3, progress: 9),
        .gradResults(.init(epoch: 0, step: 2, paramsVersion: 4, shards: [.init(leaseID: 1, shard: 1, loss: 0.5, clickLoss: 0.25, labelLoss: 0.25, queries: 8)],
                           nodes: [.init(level: 0, index: 1)])),
        .taskFailed(.init(leaseID: 2, kind: .allowanceSpent, reason: "r", requestsSent: 3, tokensSpent: 90)),
        .welcome(.init(heartbeatIntervalMS: 250, liveness: 4, configHash: "c", datasetHash: "d", jobJSON: "{}")),
        .assignGrads(.init(epoch: 0, step: 1, paramsVersion: 2, shards: [.init(leaseID: 1, shard: 0, examples: [0, 1, 2]), .init(leaseID: 2, shard: 3, examples: [4])])),
        .assignAnnotate(leaseID: 5, callJSON: "{}", allowance: .init(requests: 4, tokens: 900)),
        .annotateResult(leaseID: 5, resultJSON: "{\"key\":\"k\"}"), .ack(key: "k"), .cancel(leaseID: 5), .shutdown(reason: "done"),
    ]
    for (i, body) in bodies.enumerated() {
        let frames = WireCodec.encode(WireMessage(runID: "run", sequence: UInt64(i), body: body, frames: i == 3 ? [TensorFrame.bytes([1, 2])] : []))
        var joined: [UInt8] = []
        for (f, frame) in frames.enumerated() { joined += (f == 0 ? [] : [0, 0]) + frame }
        _ = fm.createFile(atPath: "\(dir)/wire/message-\(i)", contents: Data(joined))
    }
    var spec = TrainingSpec(trainPath: "train.svm", validPath: "valid.svm")
    spec.clicksPath = "clicks.jsonl"
    spec.bandsPath = "bands.txt"
    _ = fm.createFile(atPath: dir + "/spec/spec.json", contents: Data(spec.json.utf8))
}

/// The module's entry point (SwiftPM links `main` to it): hands over to libFuzzer's driver.
@_cdecl("famol_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    if let dir = ProcessInfo.processInfo.environment["FAMOL_FUZZ_WRITE_SEEDS"] {
        do { try writeSyntheticSeeds(to: dir) } catch { print("famol-fuzz: \(error)"); return 1 }
        return 0
    }
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOne(data, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    do { try target(bytes) } catch {
        // The message is built too: it must not trap, and must not grow with the input (an
        // error quotes at most 200 characters of it).
        let text = "\(error)"
        if text.utf8.count > 4096 { fatalError("an error message of \(text.utf8.count) bytes: \(text.prefix(300))") }
    }
    return 0
}
