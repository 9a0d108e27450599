import Testing
@testable import Cluster
import Ranking

@Suite struct WireCodecTests {
    static let samples: [WireMessage.Body] = [
        .hello(.init(workerID: "w1", incarnation: 7, capabilities: ["grad"], credit: 2, build: "b", numericProfile: "p")),
        .ready(credit: 3), .heartbeat(leaseID: 9, progress: 4),
        .gradResults(.init(epoch: 2, step: 3, paramsVersion: 5, shards: [.init(leaseID: 1, shard: 4, loss: 0.5, clickLoss: 0.25, labelLoss: 0.125, queries: 6),
                                                                        .init(leaseID: 2, shard: 7, loss: 1, clickLoss: 0, labelLoss: 1, queries: 0)],
                           nodes: [.init(level: 2, index: 1), .init(level: 0, index: 7)])),
        .gradResults(.init(epoch: 0, step: 0, paramsVersion: 0, shards: [], nodes: [])),
        .taskFailed(.init(leaseID: 3, kind: .allowanceSpent, reason: "r", requestsSent: 5, tokensSpent: 900)), .goodbye(reason: "bye"),
        .welcome(.init(heartbeatIntervalMS: 250, liveness: 4, configHash: "c", datasetHash: "d", jobJSON: "{}")),
        .assignGrads(.init(epoch: 0, step: 1, paramsVersion: 3, shards: [.init(leaseID: 1, shard: 2, examples: [4, 5, 6]), .init(leaseID: 2, shard: 5, examples: [])])),
        .cancel(leaseID: 8), .pong, .shutdown(reason: "done"), .refuse(reason: "profile"),
        .assignAnnotate(leaseID: 4, callJSON: "{\"k\":1}", allowance: .init(requests: 15, tokens: 9000)),
        .assignAnnotate(leaseID: 5, callJSON: "{}", allowance: .unlimited), .annotateResult(leaseID: 4, resultJSON: "{}"), .ack(key: "abc"),
        .assignEmbed(leaseID: 6, texts: ["a wing", "", "café ünïcode"]), .assignEmbed(leaseID: 7, texts: []),
        .embedResult(leaseID: 6, count: 3, dimensions: 384),
    ]

    @Test func everyFailureKindRoundTrips() {
        for kind in TaskFailure.Kind.allCases {
            let m = WireMessage(runID: "run", body: .taskFailed(.init(leaseID: 1, kind: kind, reason: "x")))
            #expect(WireCodec.decode(WireCodec.encode(m), expectedRunID: "run") == .success(m))
        }
    }

    @Test func everyMessageRoundTrips() {
        for body in Self.samples {
            let m = WireMessage(runID: "run", sequence: 42, body: body, frames: [TensorFrame.bytes([1, -2.5, .pi])])
            let decoded = WireCodec.decode(WireCodec.encode(m), expectedRunID: "run")
            #expect(decoded == .success(m))
        }
    }

    @Test func tensorFramesAreLittleEndianFloat32() {
        // 1.0 is 0x3F800000, -2.5 is 0xC0200000: the bytes a peer on any platform reads.
        #expect(TensorFrame.bytes([1, -2.5]) == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0])
        let values: [Float] = [.pi, -0.0, .infinity, .leastNonzeroMagnitude, 1e30]
        #expect(TensorFrame.floats(TensorFrame.bytes(values), count: values.count)?.map(\.bitPattern) == values.map(\.bitPattern))
        #expect(TensorFrame.floats(TensorFrame.bytes([1, 2, 3])[4..<8], count: 1) == [2])  // one shard of a frame
        #expect(TensorFrame.floats([0, 0, 0x80], count: 1) == nil)
        #expect(TensorFrame.floats([], count: 0) == [])
    }

    @Test func badInputIsDroppedWithAReason() {
        let m = WireMessage(runID: "run", body: .ready(credit: 1), frames: [TensorFrame.bytes([1, 2])])
        var frames = WireCodec.encode(m)
        #expect(WireCodec.decode(frames, expectedRunID: "other").failureReason == .wrongRunID)
        #expect(WireCodec.decode([[0xFF, 0xFF, 0xFF]], expectedRunID: nil).failureReason == .undecodable)
        #expect(WireCodec.decode([[]], expectedRunID: nil).failureReason == .undecodable)
        #expect(WireCodec.decode(Array(frames.prefix(1)), expectedRunID: "run").failureReason == .frameMismatch)
        frames[1][0] ^= 1
        #expect(WireCodec.decode(frames, expectedRunID: "run").failureReason == .badChecksum)
        let truncated = [Array(WireCodec.encode(m)[0].dropLast(3))]
        #expect(WireCodec.decode(truncated, expectedRunID: "run").failureReason != nil)
    }

    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
    }

    /// The 8-bytes-at-a-time hardware path against the bitwise definition, on every tail length
    /// and unaligned starts: a frame checked on another CPU must give the same checksum.
    @Test func crc32cMatchesTheBitwiseDefinitionOnAnyLength() {
        func bitwise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                crc ^= UInt32(b)
                for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            return ~crc
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let data = (0..<300).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        for start in 0..<9 {
            for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 291 - start] {
                let slice = data[start..<(start + length)]
                #expect(CRC32C.checksum(Array(slice)) == bitwise(slice), "start \(start), length \(length)")
            }
        }
    }
}

extension Result where Failure == WireCodec.DecodeFailure {
    var failureReason: DropReason? {
        if case .failure(let f) = self { return f.reason }
        return nil
    }
}

@Suite struct GradientFrameTests {
    typealias Node = GradientTree.Node
    static let tree = GradientTree(shardCount: 8)

    static func results(_ shards: [UInt32], nodes: [Node]) -> WireMessage.GradResults {
        WireMessage.GradResults(epoch: 0, step: 0, paramsVersion: 1,
                                shards: shards.enumerated().map { .init(leaseID: UInt64($0.offset), shard: $0.element, loss: 0, clickLoss: 0, labelLoss: 0, queries: 1) },
                                nodes: nodes)
    }

    @Test func aWorkersNodesRoundTripBitForBit() {
        let g: [Int: [Float]] = [2: [1, -0.0, 3e-8], 3: [0.5, 2, -1], 4: [9, 9, .leastNonzeroMagnitude]]
        let parts = Self.tree.parts(g)
        let (nodes, frame) = GradientFrame.encode(parts)
        #expect(nodes == [Node(level: 1, index: 1), Node(level: 0, index: 4)])
        #expect(frame.count == 3 * 8 + 3 * 4)
        let back = GradientFrame.parts(of: Self.results([2, 3, 4], nodes: nodes), frames: [frame], tree: Self.tree, count: 3)
        #expect(back?.map(\.0) == nodes)
        #expect(back?.map(\.1) == parts.map(\.1))
    }

    @Test func nodesThatAreNotTheCoverOfTheShardsAreRefused() {
        let (nodes, frame) = GradientFrame.encode(Self.tree.parts([2: [1], 3: [2]]))
        let parts = { (r: WireMessage.GradResults, f: [[UInt8]]) in GradientFrame.parts(of: r, frames: f, tree: Self.tree, count: 1) }
        #expect(parts(Self.results([2, 3], nodes: nodes), [frame]) != nil)
        // A node that claims a shard the message does not carry, or leaves one out.
        #expect(parts(Self.results([2, 3, 5], nodes: nodes), [frame]) == nil)
        #expect(parts(Self.results([2], nodes: nodes), [frame]) == nil)
        // The two leaves in place of their node, the same shard twice, a shard past the tree.
        #expect(parts(Self.results([2, 3], nodes: [Node(level: 0, index: 2), Node(level: 0, index: 3)]), [[UInt8](repeating: 0, count: 8)]) == nil)
        #expect(parts(Self.results([3, 3], nodes: [Node(level: 0, index: 3)]), [[UInt8](repeating: 0, count: 4)]) == nil)
        #expect(parts(Self.results([8], nodes: []), [[]]) == nil)
        // A frame a byte short or long, or no frame.
        #expect(parts(Self.results([2, 3], nodes: nodes), [Array(frame.dropLast())]) == nil)
        #expect(parts(Self.results([2, 3], nodes: nodes), [frame + [0]]) == nil)
        #expect(parts(Self.results([2, 3], nodes: nodes), []) == nil)
    }
}
