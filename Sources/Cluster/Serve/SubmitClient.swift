import CZMQ
import Foundation

/// `famol submit`'s side: sends one job to a `famol serve` pool and hands each event to the
/// caller until the job ends. The socket belongs to the calling thread.
public struct SubmitClient {
    public struct Lost: Error, CustomStringConvertible {
        public let description: String
    }

    public var endpoint: String
    /// (server public key, this client's key pair) for a CURVE server.
    public var curve: (serverPublicKey: String, own: CurveKeyPair)?
    /// Seconds without any event before the server counts as gone (it speaks every 2 s).
    public var silenceSeconds: Double = 30

    public init(endpoint: String) { self.endpoint = endpoint }

    /// Submits `request` and returns the job's last event (done or failed).
    public func submit(_ request: SubmitRequest, onEvent: (SubmitEvent) -> Void) throws -> SubmitEvent {
        let socket = try ZMQSocket(type: ZMQ_DEALER)
        try socket.set(ZMQ_MAXMSGSIZE, int64: Int64(SubmitServer.maxRequestBytes))
        if let curve {
            try socket.set(ZMQ_CURVE_SERVERKEY, string: curve.serverPublicKey)
            try socket.set(ZMQ_CURVE_PUBLICKEY, string: curve.own.publicKey)
            try socket.set(ZMQ_CURVE_SECRETKEY, string: curve.own.secretKey!)
        }
        try socket.connect(endpoint)
        defer { socket.close() }
        let body = try JSONEncoder().encode(request)
        if let errno = socket.send([Array(body)], flags: 0) { throw ZMQError(call: "zmq_send", code: errno) }
        var lastHeard = Date()
        var item = zmq_pollitem_t(socket: socket.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        while true {
            item.revents = 0
            _ = zmq_poll(&item, 1, 500)
            while let received = socket.receive(limits: MessageLimits(maxFrames: 1, maxBytes: SubmitServer.maxRequestBytes)) {
                guard case .message(let frames) = received,
                      let event = try? JSONDecoder().decode(SubmitEvent.self, from: Data(frames[0])) else { continue }
                lastHeard = Date()
                onEvent(event)
                if event.event == .done || event.event == .failed { return event }
            }
            if Date().timeIntervalSince(lastHeard) > silenceSeconds {
                throw Lost(description: "no word from famol serve at \(endpoint) for \(Int(silenceSeconds)) s (is it running, and are the CURVE keys the ones it admits?)")
            }
        }
    }
}
