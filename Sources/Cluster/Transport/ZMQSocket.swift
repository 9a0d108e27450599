import CZMQ
import Foundation
import Ranking

/// A libzmq failure with the call that failed and libzmq's message.
public struct ZMQError: Error, CustomStringConvertible {
    public var call: String
    public var code: Int32
    public var description: String { "\(call): \(String(cString: zmq_strerror(code)))" }
    static func last(_ call: String) -> ZMQError { ZMQError(call: call, code: zmq_errno()) }
}

/// A ZeroMQ context: one process-wide, and others where a socket needs its own ZAP handler
/// (ZAP is one handler per context).
public final class ZMQContext: @unchecked Sendable {
    public static let shared = ZMQContext()
    let handle: UnsafeMutableRawPointer
    public init() { handle = zmq_ctx_new() }
}

/// A ZeroMQ socket. Not thread-safe: it belongs to the one thread that uses it.
public final class ZMQSocket: @unchecked Sendable {
    public let handle: UnsafeMutableRawPointer
    private var closed = false

    public init(type: Int32, context: ZMQContext = .shared) throws {
        guard let h = zmq_socket(context.handle, type) else { throw ZMQError.last("zmq_socket") }
        handle = h
        try set(ZMQ_LINGER, 0)
    }

    deinit { close() }

    public func close() {
        if !closed { zmq_close(handle); closed = true }
    }

    public func set(_ option: Int32, _ value: Int32) throws {
        var v = value
        guard zmq_setsockopt(handle, option, &v, MemoryLayout<Int32>.size) == 0 else { throw ZMQError.last("zmq_setsockopt \(option)") }
    }

    public func set(_ option: Int32, int64 value: Int64) throws {
        var v = value
        guard zmq_setsockopt(handle, option, &v, MemoryLayout<Int64>.size) == 0 else { throw ZMQError.last("zmq_setsockopt \(option)") }
    }

    public func set(_ option: Int32, bytes: [UInt8]) throws {
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, bytes.count) }
        guard rc == 0 else { throw ZMQError.last("zmq_setsockopt \(option)") }
    }

    public func set(_ option: Int32, string: String) throws { try set(option, bytes: Array(string.utf8)) }

    public func bind(_ endpoint: String) throws {
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError.last("zmq_bind \(endpoint)") }
    }

    public func connect(_ endpoint: String) throws {
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError.last("zmq_connect \(endpoint)") }
    }

    /// The endpoint actually bound (resolves `tcp://127.0.0.1:*` to its port).
    public var lastEndpoint: String {
        var buf = [UInt8](repeating: 0, count: 256)
        var size = buf.count
        zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buf, &size)
        return String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Sends frames as one message; returns the errno on failure (EAGAIN, EHOSTUNREACH).
    @discardableResult
    public func send(_ frames: [[UInt8]], flags: Int32 = ZMQ_DONTWAIT) -> Int32? {
        for (i, f) in frames.enumerated() {
            let more = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            let rc = f.withUnsafeBytes { zmq_send(handle, $0.baseAddress, f.count, flags | more) }
            if rc < 0 { return zmq_errno() }
        }
        return nil
    }

    /// Receives one whole message without blocking; nil when none is waiting. A message over
    /// `limits` is read to its end without being kept: its first frame (a ROUTER's peer
    /// identity) comes back with its size, for the caller to count.
    public func receive(limits: MessageLimits = .none) -> Received? {
        var frames: [[UInt8]] = []
        var bytes = 0
        while true {
            var data: UnsafeMutableRawPointer? = nil
            var size = 0
            var more: Int32 = 0
            let rc = famol_zmq_recv_frame(handle, &data, &size, &more, frames.isEmpty ? ZMQ_DONTWAIT : 0)
            if rc < 0 { return frames.isEmpty ? nil : .message(frames) }
            bytes += size
            if frames.count + 1 > limits.maxFrames || bytes > limits.maxBytes {
                let first = frames.first ?? []
                var count = frames.count + 1
                return returningFreedMemoryToTheSystem {
                    free(data)
                    frames = []
                    while more != 0 {
                        if famol_zmq_discard_frame(handle, &size, &more) < 0 { break }
                        count += 1
                        bytes += size
                    }
                    return .oversized(firstFrame: first, frames: count, bytes: bytes)
                }
            }
            frames.append(size > 0 ? Array(UnsafeRawBufferPointer(start: data, count: size)) : [])
            free(data)
            if more == 0 { return .message(frames) }
        }
    }

    public enum Received {
        case message([[UInt8]])
        case oversized(firstFrame: [UInt8], frames: Int, bytes: Int)
    }
}

/// The most frames and bytes one inbound message may have: a larger one is discarded as it is
/// read, so a peer cannot make a process hold more than this per message.
public struct MessageLimits: Sendable {
    public var maxFrames: Int
    public var maxBytes: Int

    public init(maxFrames: Int, maxBytes: Int) {
        self.maxFrames = maxFrames
        self.maxBytes = maxBytes
    }

    public static let none = MessageLimits(maxFrames: .max, maxBytes: .max)
}
