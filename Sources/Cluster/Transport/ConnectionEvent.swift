import CZMQ
import Foundation

/// A connection event of a monitored socket, as famol counts it
/// (`famol_connection_events_total{reason=...}`).
public enum ConnectionEvent: String, Sendable, CaseIterable {
    case accepted
    /// Closed by the peer or by libzmq: a frame over --max-message-mb ends here too.
    case disconnected
    /// The peer spoke another mechanism or broke the ZMTP handshake (a plain client at a CURVE bind).
    case handshakeFailedProtocol = "handshake_failed_protocol"
    /// The peer's CURVE key is not authorized.
    case handshakeFailedAuth = "handshake_failed_auth"

    static let monitoredEvents = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
        | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH

    init?(zmqEvent: UInt16) {
        switch Int32(zmqEvent) {
        case ZMQ_EVENT_ACCEPTED: self = .accepted
        case ZMQ_EVENT_DISCONNECTED: self = .disconnected
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: self = .handshakeFailedProtocol
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: self = .handshakeFailedAuth
        default: return nil
        }
    }
}

private let monitorSerial = MonitorSerial()

private final class MonitorSerial: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        next += 1
        return next
    }
}

extension ZMQSocket {
    /// Starts libzmq's monitor of this socket and returns the PAIR socket its events arrive on;
    /// both belong to the thread that owns this socket.
    func monitor(events: Int32) throws -> ZMQSocket {
        let endpoint = "inproc://famol-monitor-\(getpid())-\(monitorSerial.take())"
        guard zmq_socket_monitor(handle, endpoint, events) == 0 else { throw ZMQError.last("zmq_socket_monitor") }
        let pair = try ZMQSocket(type: ZMQ_PAIR)
        try pair.connect(endpoint)
        return pair
    }

    /// The next event on a monitor socket without blocking: its first frame is the event
    /// number (16 bits) and value (32 bits), its second the endpoint, which famol ignores.
    func receiveMonitorEvent() -> ConnectionEvent? {
        while let received = receive() {
            guard case .message(let frames) = received, let first = frames.first, first.count >= 2 else { continue }
            if let event = ConnectionEvent(zmqEvent: UInt16(first[0]) | UInt16(first[1]) << 8) { return event }
        }
        return nil
    }
}
