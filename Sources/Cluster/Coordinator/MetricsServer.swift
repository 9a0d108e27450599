import Foundation

/// A minimal HTTP server for `GET /metrics` on its own thread (POSIX sockets, one request at
/// a time: Prometheus scrapes are rare and small).
public final class MetricsServer: @unchecked Sendable {
    private let fd: Int32
    public let port: Int
    private let render: @Sendable () -> String
    private let lock = NSLock()
    private var stopped = false
    private var running: Bool {
        lock.lock()
        defer { lock.unlock() }
        return !stopped
    }

    /// Listens on `host:port` (port 0 picks a free one).
    public init(host: String = "127.0.0.1", port: Int, render: @escaping @Sendable () -> String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr(host)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw ZMQError(call: "metrics listen on \(host):\(port)", code: errno)
        }
        var actual = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.render = render
        let thread = Thread { [self] in serve() }
        thread.name = "famol-metrics"
        thread.start()
    }

    public func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    private func serve() {
        while running {
            let client = accept(fd, nil, nil)
            if client < 0 {
                // Interrupted or a client gone before it was accepted: try again. Anything else
                // (the socket closed, no file descriptors left) waits a little instead of spinning.
                if !running { return }
                if errno != EINTR && errno != ECONNABORTED { Thread.sleep(forTimeInterval: 0.1) }
                continue
            }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var buf = [UInt8](repeating: 0, count: 4096)
            let n = read(client, &buf, buf.count)
            let request = n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : ""
            let ok = request.hasPrefix("GET /metrics")
            let body = ok ? render() : "not found: try /metrics\n"
            let head = "HTTP/1.1 \(ok ? "200 OK" : "404 Not Found")\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
            let bytes = Array((head + body).utf8)
            _ = bytes.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            close(client)
        }
    }
}
