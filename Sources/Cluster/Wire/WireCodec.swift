import Foundation
import Proto
import Ranking

/// Maps `WireMessage` to ZeroMQ frames (a protobuf-c envelope, then raw frames) and back.
///
/// Decoding never trusts the peer: a frame that does not parse, a wrong protocol version or run
/// id, a frame count or checksum that disagrees with the envelope each give a `DropReason`.
public enum WireCodec {
    // MARK: encoding

    public static func encode(_ message: WireMessage) -> [[UInt8]] {
        var arena = CArena()
        defer { arena.free() }
        var env = Famol__V1__Envelope()
        famol__v1__envelope__init(&env)
        env.protocol_version = wireProtocolVersion
        env.run_id = arena.string(message.runID)
        env.sequence = message.sequence
        let crcs = message.frames.map(CRC32C.checksum)
        env.n_frame_crc32c = crcs.count
        env.frame_crc32c = arena.array(crcs)
        setBody(&env, message.body, &arena)
        let size = famol__v1__envelope__get_packed_size(&env)
        var bytes = [UInt8](repeating: 0, count: size)
        _ = bytes.withUnsafeMutableBufferPointer { famol__v1__envelope__pack(&env, $0.baseAddress) }
        return [bytes] + message.frames
    }

    private static func setBody(_ env: inout Famol__V1__Envelope, _ body: WireMessage.Body, _ a: inout CArena) {
        switch body {
        case .hello(let h):
            let m = a.make(Famol__V1__Hello.self, famol__v1__hello__init)
            m.pointee.worker_id = a.string(h.workerID)
            m.pointee.incarnation = h.incarnation
            m.pointee.n_capabilities = h.capabilities.count
            m.pointee.capabilities = a.stringArray(h.capabilities)
            m.pointee.credit = h.credit
            m.pointee.build = a.string(h.build)
            m.pointee.numeric_profile = a.string(h.numericProfile)
            env.body_case = FAMOL__V1__ENVELOPE__BODY_HELLO
            env.hello = m
        case .ready(let credit):
            let m = a.make(Famol__V1__Ready.self, famol__v1__ready__init)
            m.pointee.credit = credit
            env.body_case = FAMOL__V1__ENVELOPE__BODY_READY
            env.ready = m
        case let .heartbeat(leaseID, progress):
            let m = a.make(Famol__V1__Heartbeat.self, famol__v1__heartbeat__init)
            m.pointee.lease_id = leaseID
            m.pointee.progress = progress
            env.body_case = FAMOL__V1__ENVELOPE__BODY_HEARTBEAT
            env.heartbeat = m
        case .gradResults(let r):
            let m = a.make(Famol__V1__GradResults.self, famol__v1__grad_results__init)
            m.pointee.epoch = r.epoch
            m.pointee.step = r.step
            m.pointee.params_version = r.paramsVersion
            let shards = r.shards.map { s -> UnsafeMutablePointer<Famol__V1__ShardSums>? in
                let p = a.make(Famol__V1__ShardSums.self, famol__v1__shard_sums__init)
                p.pointee.lease_id = s.leaseID
                p.pointee.shard = s.shard
                p.pointee.loss = s.loss
                p.pointee.click_loss = s.clickLoss
                p.pointee.label_loss = s.labelLoss
                p.pointee.queries = s.queries
                return p
            }
            m.pointee.n_shards = shards.count
            m.pointee.shards = a.array(shards)
            let nodes = r.nodes.map { n -> UnsafeMutablePointer<Famol__V1__GradientNode>? in
                let p = a.make(Famol__V1__GradientNode.self, famol__v1__gradient_node__init)
                p.pointee.level = UInt32(n.level)
                p.pointee.index = UInt32(n.index)
                return p
            }
            m.pointee.n_nodes = nodes.count
            m.pointee.nodes = a.array(nodes)
            env.body_case = FAMOL__V1__ENVELOPE__BODY_GRAD_RESULTS
            env.grad_results = m
        case .taskFailed(let f):
            let m = a.make(Famol__V1__TaskFailed.self, famol__v1__task_failed__init)
            m.pointee.lease_id = f.leaseID
            m.pointee.kind = Self.wireKind[f.kind]!
            m.pointee.reason = a.string(f.reason)
            m.pointee.requests_sent = f.requestsSent
            m.pointee.tokens_spent = f.tokensSpent
            env.body_case = FAMOL__V1__ENVELOPE__BODY_TASK_FAILED
            env.task_failed = m
        case .goodbye(let reason):
            let m = a.make(Famol__V1__Goodbye.self, famol__v1__goodbye__init)
            m.pointee.reason = a.string(reason)
            env.body_case = FAMOL__V1__ENVELOPE__BODY_GOODBYE
            env.goodbye = m
        case .welcome(let w):
            let m = a.make(Famol__V1__Welcome.self, famol__v1__welcome__init)
            m.pointee.heartbeat_interval_ms = w.heartbeatIntervalMS
            m.pointee.liveness = w.liveness
            m.pointee.config_hash = a.string(w.configHash)
            m.pointee.dataset_hash = a.string(w.datasetHash)
            m.pointee.job_json = a.string(w.jobJSON)
            env.body_case = FAMOL__V1__ENVELOPE__BODY_WELCOME
            env.welcome = m
        case .assignGrads(let g):
            let m = a.make(Famol__V1__AssignGrads.self, famol__v1__assign_grads__init)
            m.pointee.epoch = g.epoch
            m.pointee.step = g.step
            m.pointee.params_version = g.paramsVersion
            let shards = g.shards.map { s -> UnsafeMutablePointer<Famol__V1__GradShard>? in
                let p = a.make(Famol__V1__GradShard.self, famol__v1__grad_shard__init)
                p.pointee.lease_id = s.leaseID
                p.pointee.shard = s.shard
                p.pointee.n_examples = s.examples.count
                p.pointee.examples = a.array(s.examples)
                return p
            }
            m.pointee.n_shards = shards.count
            m.pointee.shards = a.array(shards)
            env.body_case = FAMOL__V1__ENVELOPE__BODY_ASSIGN_GRADS
            env.assign_grads = m
        case .cancel(let leaseID):
            let m = a.make(Famol__V1__Cancel.self, famol__v1__cancel__init)
            m.pointee.lease_id = leaseID
            env.body_case = FAMOL__V1__ENVELOPE__BODY_CANCEL
            env.cancel = m
        case .pong:
            env.body_case = FAMOL__V1__ENVELOPE__BODY_PONG
            env.pong = a.make(Famol__V1__Pong.self, famol__v1__pong__init)
        case .shutdown(let reason):
            let m = a.make(Famol__V1__Shutdown.self, famol__v1__shutdown__init)
            m.pointee.reason = a.string(reason)
            env.body_case = FAMOL__V1__ENVELOPE__BODY_SHUTDOWN
            env.shutdown = m
        case .refuse(let reason):
            let m = a.make(Famol__V1__Refuse.self, famol__v1__refuse__init)
            m.pointee.reason = a.string(reason)
            env.body_case = FAMOL__V1__ENVELOPE__BODY_REFUSE
            env.refuse = m
        case let .assignAnnotate(leaseID, callJSON, allowance):
            let m = a.make(Famol__V1__AssignAnnotate.self, famol__v1__assign_annotate__init)
            m.pointee.lease_id = leaseID
            m.pointee.call_json = a.string(callJSON)
            m.pointee.max_requests = UInt32(clamping: allowance.requests ?? 0)
            m.pointee.max_tokens = UInt64(clamping: allowance.tokens ?? 0)
            env.body_case = FAMOL__V1__ENVELOPE__BODY_ASSIGN_ANNOTATE
            env.assign_annotate = m
        case let .annotateResult(leaseID, resultJSON):
            let m = a.make(Famol__V1__AnnotateResult.self, famol__v1__annotate_result__init)
            m.pointee.lease_id = leaseID
            m.pointee.result_json = a.string(resultJSON)
            env.body_case = FAMOL__V1__ENVELOPE__BODY_ANNOTATE_RESULT
            env.annotate_result = m
        case .ack(let key):
            let m = a.make(Famol__V1__Ack.self, famol__v1__ack__init)
            m.pointee.key = a.string(key)
            env.body_case = FAMOL__V1__ENVELOPE__BODY_ACK
            env.ack = m
        case let .assignEmbed(leaseID, texts):
            let m = a.make(Famol__V1__AssignEmbed.self, famol__v1__assign_embed__init)
            m.pointee.lease_id = leaseID
            m.pointee.n_texts = texts.count
            m.pointee.texts = a.stringArray(texts)
            env.body_case = FAMOL__V1__ENVELOPE__BODY_ASSIGN_EMBED
            env.assign_embed = m
        case let .embedResult(leaseID, count, dimensions):
            let m = a.make(Famol__V1__EmbedResult.self, famol__v1__embed_result__init)
            m.pointee.lease_id = leaseID
            m.pointee.count = count
            m.pointee.dimensions = dimensions
            env.body_case = FAMOL__V1__ENVELOPE__BODY_EMBED_RESULT
            env.embed_result = m
        }
    }

    // MARK: decoding

    /// Decodes frames; `expectedRunID` nil accepts any run id (a worker before its Welcome).
    public static func decode(_ frames: [[UInt8]], expectedRunID: String?) -> Result<WireMessage, DecodeFailure> {
        guard let head = frames.first, !head.isEmpty else { return .failure(DecodeFailure(.undecodable, "empty envelope frame")) }
        let unpacked = head.withUnsafeBufferPointer { famol__v1__envelope__unpack(nil, $0.count, $0.baseAddress) }
        guard let env = unpacked else { return .failure(DecodeFailure(.undecodable, "envelope does not parse")) }
        defer { famol__v1__envelope__free_unpacked(env, nil) }
        let e = env.pointee
        guard e.protocol_version == wireProtocolVersion else {
            return .failure(DecodeFailure(.wrongVersion, "protocol version \(e.protocol_version), expected \(wireProtocolVersion)"))
        }
        let runID = e.run_id.map { String(cString: $0) } ?? ""
        guard let body = decodeBody(e) else { return .failure(DecodeFailure(.undecodable, "envelope has no known body")) }
        if let expectedRunID, runID != expectedRunID {
            if case .hello = body {} else {
                return .failure(DecodeFailure(.wrongRunID, "run id '\(runID.prefix(16))' is not this run's"))
            }
        }
        let raw = Array(frames.dropFirst())
        guard raw.count == e.n_frame_crc32c else {
            return .failure(DecodeFailure(.frameMismatch, "\(raw.count) frames but \(e.n_frame_crc32c) checksums"))
        }
        for (i, frame) in raw.enumerated() where CRC32C.checksum(frame) != e.frame_crc32c[i] {
            return .failure(DecodeFailure(.badChecksum, "frame \(i + 1) fails its CRC32C"))
        }
        return .success(WireMessage(runID: runID, sequence: e.sequence, body: body, frames: raw))
    }

    public struct DecodeFailure: Error, Equatable {
        public var reason: DropReason
        public var detail: String
        init(_ reason: DropReason, _ detail: String) { self.reason = reason; self.detail = detail }
    }

    /// Each failure kind's wire value.
    static let wireKind: [TaskFailure.Kind: Famol__V1__FailureKind] = [
        .retry: FAMOL__V1__FAILURE_KIND__FAILURE_KIND_RETRY,
        .workerUnusable: FAMOL__V1__FAILURE_KIND__FAILURE_KIND_WORKER_UNUSABLE,
        .missingParameters: FAMOL__V1__FAILURE_KIND__FAILURE_KIND_MISSING_PARAMETERS,
        .failedForGood: FAMOL__V1__FAILURE_KIND__FAILURE_KIND_FAILED_FOR_GOOD,
        .allowanceSpent: FAMOL__V1__FAILURE_KIND__FAILURE_KIND_ALLOWANCE_SPENT,
        .cancelled: FAMOL__V1__FAILURE_KIND__FAILURE_KIND_CANCELLED,
    ]

    private static func str(_ p: UnsafeMutablePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }

    private static func decodeBody(_ e: Famol__V1__Envelope) -> WireMessage.Body? {
        switch e.body_case {
        case FAMOL__V1__ENVELOPE__BODY_HELLO:
            guard let h = e.hello?.pointee else { return nil }
            let caps = (0..<h.n_capabilities).map { str(h.capabilities[$0]) }
            return .hello(.init(workerID: str(h.worker_id), incarnation: h.incarnation, capabilities: caps, credit: h.credit,
                                build: str(h.build), numericProfile: str(h.numeric_profile)))
        case FAMOL__V1__ENVELOPE__BODY_READY:
            return e.ready.map { .ready(credit: $0.pointee.credit) }
        case FAMOL__V1__ENVELOPE__BODY_HEARTBEAT:
            return e.heartbeat.map { .heartbeat(leaseID: $0.pointee.lease_id, progress: $0.pointee.progress) }
        case FAMOL__V1__ENVELOPE__BODY_GRAD_RESULTS:
            guard let r = e.grad_results?.pointee else { return nil }
            var shards: [WireMessage.GradResults.Sums] = []
            for i in 0..<r.n_shards {
                guard let s = r.shards[i]?.pointee else { return nil }
                shards.append(.init(leaseID: s.lease_id, shard: s.shard, loss: s.loss, clickLoss: s.click_loss, labelLoss: s.label_loss, queries: s.queries))
            }
            var nodes: [GradientTree.Node] = []
            for i in 0..<r.n_nodes {
                // Levels past 62 would overflow a shift: no tree is that tall.
                guard let n = r.nodes[i]?.pointee, n.level < 63 else { return nil }
                nodes.append(GradientTree.Node(level: Int(n.level), index: Int(n.index)))
            }
            return .gradResults(.init(epoch: r.epoch, step: r.step, paramsVersion: r.params_version, shards: shards, nodes: nodes))
        case FAMOL__V1__ENVELOPE__BODY_TASK_FAILED:
            guard let f = e.task_failed?.pointee, let kind = wireKind.first(where: { $0.value == f.kind })?.key else { return nil }
            return .taskFailed(TaskFailure(leaseID: f.lease_id, kind: kind, reason: str(f.reason), requestsSent: f.requests_sent, tokensSpent: f.tokens_spent))
        case FAMOL__V1__ENVELOPE__BODY_GOODBYE:
            return e.goodbye.map { .goodbye(reason: str($0.pointee.reason)) }
        case FAMOL__V1__ENVELOPE__BODY_WELCOME:
            guard let w = e.welcome?.pointee else { return nil }
            return .welcome(.init(heartbeatIntervalMS: w.heartbeat_interval_ms, liveness: w.liveness, configHash: str(w.config_hash),
                                  datasetHash: str(w.dataset_hash), jobJSON: str(w.job_json)))
        case FAMOL__V1__ENVELOPE__BODY_ASSIGN_GRADS:
            guard let g = e.assign_grads?.pointee else { return nil }
            var shards: [WireMessage.AssignGrads.Shard] = []
            for i in 0..<g.n_shards {
                guard let s = g.shards[i]?.pointee else { return nil }
                shards.append(.init(leaseID: s.lease_id, shard: s.shard, examples: (0..<s.n_examples).map { s.examples[$0] }))
            }
            return .assignGrads(.init(epoch: g.epoch, step: g.step, paramsVersion: g.params_version, shards: shards))
        case FAMOL__V1__ENVELOPE__BODY_CANCEL:
            return e.cancel.map { .cancel(leaseID: $0.pointee.lease_id) }
        case FAMOL__V1__ENVELOPE__BODY_PONG:
            return .pong
        case FAMOL__V1__ENVELOPE__BODY_SHUTDOWN:
            return e.shutdown.map { .shutdown(reason: str($0.pointee.reason)) }
        case FAMOL__V1__ENVELOPE__BODY_REFUSE:
            return e.refuse.map { .refuse(reason: str($0.pointee.reason)) }
        case FAMOL__V1__ENVELOPE__BODY_ASSIGN_ANNOTATE:
            guard let m = e.assign_annotate?.pointee else { return nil }
            let allowance = LeaseAllowance(requests: m.max_requests == 0 ? nil : Int(m.max_requests),
                                             tokens: m.max_tokens == 0 ? nil : Int(clamping: m.max_tokens))
            return .assignAnnotate(leaseID: m.lease_id, callJSON: str(m.call_json), allowance: allowance)
        case FAMOL__V1__ENVELOPE__BODY_ANNOTATE_RESULT:
            return e.annotate_result.map { .annotateResult(leaseID: $0.pointee.lease_id, resultJSON: str($0.pointee.result_json)) }
        case FAMOL__V1__ENVELOPE__BODY_ACK:
            return e.ack.map { .ack(key: str($0.pointee.key)) }
        case FAMOL__V1__ENVELOPE__BODY_ASSIGN_EMBED:
            guard let m = e.assign_embed?.pointee else { return nil }
            return .assignEmbed(leaseID: m.lease_id, texts: (0..<m.n_texts).map { str(m.texts[$0]) })
        case FAMOL__V1__ENVELOPE__BODY_EMBED_RESULT:
            return e.embed_result.map { .embedResult(leaseID: $0.pointee.lease_id, count: $0.pointee.count, dimensions: $0.pointee.dimensions) }
        default:
            return nil
        }
    }
}

/// C allocations that live until one message is packed, then are freed together.
struct CArena {
    /// Blocks from `strdup` (freed with `free`) and from Swift's allocator (deallocated).
    private var cStrings: [UnsafeMutablePointer<CChar>] = []
    private var blocks: [UnsafeMutableRawPointer] = []

    mutating func string(_ s: String) -> UnsafeMutablePointer<CChar> {
        let p = strdup(s)!
        cStrings.append(p)
        return p
    }

    mutating func stringArray(_ items: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: max(items.count, 1))
        for (i, s) in items.enumerated() { p[i] = string(s) }
        blocks.append(UnsafeMutableRawPointer(p))
        return p
    }

    mutating func array<T>(_ items: [T]) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(items.count, 1))
        if !items.isEmpty { p.initialize(from: items, count: items.count) }
        blocks.append(UnsafeMutableRawPointer(p))
        return p
    }

    mutating func make<T>(_ type: T.Type, _ initialise: (UnsafeMutablePointer<T>?) -> Void) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: 1)
        initialise(p)
        blocks.append(UnsafeMutableRawPointer(p))
        return p
    }

    mutating func free() {
        for s in cStrings { Foundation.free(s) }
        for b in blocks { b.deallocate() }
        cStrings = []
        blocks = []
    }
}
