import Testing
@testable import Cluster

@Suite struct WireCodecTests {
    static let samples: [WireMessage.Body] = [
        .hello(.init(workerID: "w1", incarnation: 7, capabilities: ["grad"], credit: 2, build: "b", numericProfile: "p")),
        .ready(credit: 3), .heartbeat(leaseID: 9, progress: 4),
        .gradResult(.init(leaseID: 1, epoch: 2, step: 3, shard: 4, paramsVersion: 5, loss: 0.5, clickLoss: 0.25, labelLoss: 0.125, queries: 6)),
        .taskFailed(leaseID: 3, retryable: true, reason: "r"), .goodbye(reason: "bye"),
        .welcome(.init(heartbeatIntervalMS: 250, liveness: 4, configHash: "c", datasetHash: "d", jobJSON: "{}")),
        .assignGrad(.init(leaseID: 1, epoch: 0, step: 1, shard: 2, paramsVersion: 3, examples: [4, 5, 6])),
        .cancel(leaseID: 8), .pong, .shutdown(reason: "done"), .refuse(reason: "profile"),
        .assignAnnotate(leaseID: 4, callJSON: "{\"k\":1}"), .annotateResult(leaseID: 4, resultJSON: "{}"), .ack(key: "abc"),
    ]

    @Test func everyMessageRoundTrips() {
        for body in Self.samples {
            let m = WireMessage(runID: "run", sequence: 42, body: body, frames: [TensorFrame.bytes([1, -2.5, .pi])])
            let decoded = WireCodec.decode(WireCodec.encode(m), expectedRunID: "run")
            #expect(decoded == .success(m))
        }
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
    }
}

extension Result where Failure == WireCodec.DecodeFailure {
    var failureReason: DropReason? {
        if case .failure(let f) = self { return f.reason }
        return nil
    }
}
