import CZMQ
import Foundation

/// A thread that owns one ZeroMQ socket (czmq's actor shape): other threads hand it frames
/// through a lock-protected outbox and an eventfd wake-up; it delivers inbound messages, send
/// failures and a periodic tick to handlers, which run on this thread and must be quick.
public final class SocketThread: @unchecked Sendable {
    public struct Handlers: Sendable {
        public var onMessage: @Sendable ([[UInt8]]) -> Void
        public var onTick: @Sendable () -> Void = {}
        /// A send failed (EHOSTUNREACH for a ROUTER_MANDATORY peer that is gone).
        public var onSendFailure: @Sendable ([[UInt8]], Int32) -> Void = { _, _ in }
        /// A message over the limits was discarded: its first frame, frames and bytes.
        public var onOversized: @Sendable ([UInt8], Int, Int) -> Void = { _, _, _ in }
        /// A connection event of the socket (with `monitorConnections`): accepted, closed,
        /// refused at the handshake. libzmq closes a connection whose frame exceeds
        /// ZMQ_MAXMSGSIZE without saying why, so only this event shows it.
        public var onConnectionEvent: @Sendable (ConnectionEvent) -> Void = { _ in }

        public init(onMessage: @escaping @Sendable ([[UInt8]]) -> Void, onTick: @escaping @Sendable () -> Void = {},
                    onSendFailure: @escaping @Sendable ([[UInt8]], Int32) -> Void = { _, _ in },
                    onOversized: @escaping @Sendable ([UInt8], Int, Int) -> Void = { _, _, _ in },
                    onConnectionEvent: @escaping @Sendable (ConnectionEvent) -> Void = { _ in }) {
            self.onMessage = onMessage
            self.onTick = onTick
            self.onSendFailure = onSendFailure
            self.onOversized = onOversized
            self.onConnectionEvent = onConnectionEvent
        }
    }

    private let socket: ZMQSocket
    private let wake: Int32
    private let tickNanos: UInt64
    private let handlers: Handlers
    private let limits: MessageLimits
    private let lock = NSLock()
    private var outbox: [[[UInt8]]] = []
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    private var started = false
    private let monitor: ZMQSocket?

    /// With `monitorConnections`, the socket's connection events reach `onConnectionEvent`
    /// through a monitor socket that this thread owns too.
    public init(socket: ZMQSocket, tickMilliseconds: Int, limits: MessageLimits = .none, monitorConnections: Bool = false,
                handlers: Handlers) throws {
        self.socket = socket
        self.limits = limits
        monitor = monitorConnections ? try socket.monitor(events: ConnectionEvent.monitoredEvents) : nil
        wake = eventfd(0, Int32(EFD_NONBLOCK))
        tickNanos = UInt64(max(1, tickMilliseconds)) * 1_000_000
        self.handlers = handlers
    }

    deinit { close(wake) }

    public func start(name: String) {
        started = true
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.start()
    }

    /// Queues a message for the socket thread to send.
    public func send(_ frames: [[UInt8]]) {
        lock.lock()
        outbox.append(frames)
        lock.unlock()
        signal()
    }

    /// Sends what is queued, closes the socket and joins the thread.
    public func stop() {
        lock.lock()
        stopping = true
        lock.unlock()
        signal()
        if started { finished.wait() }
    }

    private func signal() {
        var one: UInt64 = 1
        _ = write(wake, &one, 8)
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    private func loop() {
        var items = [
            zmq_pollitem_t(socket: socket.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0),
            zmq_pollitem_t(socket: nil, fd: wake, events: Int16(POLLIN), revents: 0),
        ]
        if let monitor { items.append(zmq_pollitem_t(socket: monitor.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)) }
        var nextTick = Self.now() + tickNanos
        while true {
            let now = Self.now()
            let timeout = nextTick > now ? Int((nextTick - now) / 1_000_000) + 1 : 0
            for i in items.indices { items[i].revents = 0 }
            _ = zmq_poll(&items, Int32(items.count), timeout)
            if items[1].revents != 0 {
                var counter: UInt64 = 0
                _ = read(wake, &counter, 8)
            }
            lock.lock()
            let pending = outbox
            outbox.removeAll()
            let stop = stopping
            lock.unlock()
            for frames in pending {
                if let errno = socket.send(frames) { handlers.onSendFailure(frames, errno) }
                StepTrace.mark("S sent \(frames.reduce(0) { $0 + $1.count })")
            }
            if stop { break }
            var budget = 1000
            while budget > 0, let received = socket.receive(limits: limits) {
                switch received {
                case .message(let frames):
                    StepTrace.mark("R received \(frames.reduce(0) { $0 + $1.count })")
                    handlers.onMessage(frames)
                case let .oversized(first, frames, bytes): handlers.onOversized(first, frames, bytes)
                }
                budget -= 1
            }
            while let monitor, let event = monitor.receiveMonitorEvent() { handlers.onConnectionEvent(event) }
            if Self.now() >= nextTick {
                handlers.onTick()
                nextTick = Self.now() + tickNanos
            }
        }
        if monitor != nil { zmq_socket_monitor(socket.handle, nil, 0) }
        monitor?.close()
        socket.close()
        finished.signal()
    }
}

/// A blocking FIFO between threads, with a timeout on take.
public final class BlockingQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []

    public init() {}

    public func put(_ item: Element) {
        condition.lock()
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    /// The oldest item, waiting up to `timeout` seconds; nil on time-out.
    public func take(timeout: Double) -> Element? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty {
            if !condition.wait(until: deadline) { return nil }
        }
        return items.removeFirst()
    }
}
