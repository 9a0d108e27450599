import CZMQ
import Foundation
import Ranking

/// A CURVE key pair in Z85 text, read from and written to files (never the command line).
public struct CurveKeyPair: Sendable, Equatable {
    public var publicKey: String
    public var secretKey: String?

    /// A fresh key pair from libzmq.
    public static func generate() throws -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41), sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else { throw ZMQError.last("zmq_curve_keypair") }
        return CurveKeyPair(publicKey: text(pub), secretKey: text(sec))
    }

    private static func text(_ c: [CChar]) -> String { String(decoding: c.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }

    /// Writes `PREFIX.key` (both keys, mode 0600) and `PREFIX.pub` (the public key).
    public func write(prefix: String) throws {
        guard let secretKey else { throw InputError(file: prefix, "no secret key to write") }
        let keyPath = prefix + ".key"
        try AtomicFile.write("# famol CURVE key pair: keep this file secret\npublic-key = \(publicKey)\nsecret-key = \(secretKey)\n", to: keyPath)
        chmod(keyPath, 0o600)
        try AtomicFile.write("# famol CURVE public key\npublic-key = \(publicKey)\n", to: prefix + ".pub")
    }

    /// Reads a key file (`public-key = ...`, optionally `secret-key = ...`).
    public static func read(_ path: String, needSecret: Bool) throws -> CurveKeyPair {
        var pub: String? = nil, sec: String? = nil
        for (i, raw) in try readKeyLines(path).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let kv = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, kv[1].count == 40 else {
                throw InputError(file: path, line: i + 1, "expected 'public-key = <40 Z85 characters>' or 'secret-key = ...'")
            }
            switch kv[0] {
            case "public-key": pub = kv[1]
            case "secret-key": sec = kv[1]
            default: throw InputError(file: path, line: i + 1, field: kv[0], "unknown key name")
            }
        }
        guard let pub else { throw InputError(file: path, field: "public-key", "missing", hint: "make keys with 'famol keys generate'") }
        if needSecret && sec == nil {
            throw InputError(file: path, field: "secret-key", "missing", hint: "give the .key file, not the .pub file")
        }
        return CurveKeyPair(publicKey: pub, secretKey: sec)
    }

    /// Reads an authorized-keys file: public keys of admitted workers, one per line, bare or as
    /// `public-key = ...` (so `.pub` files can be concatenated).
    public static func readAuthorized(_ path: String) throws -> Set<String> {
        var keys = Set<String>()
        for (i, raw) in try readKeyLines(path).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("public-key") { line = line.split(separator: "=", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
            guard line.count == 40 else { throw InputError(file: path, line: i + 1, "not a 40-character Z85 public key") }
            keys.insert(line)
        }
        if keys.isEmpty { throw InputError(file: path, "no public keys", hint: "list the workers' .pub files") }
        return keys
    }

    private static func readKeyLines(_ path: String) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw InputError(file: path, "cannot read key file", hint: "check the path and permissions")
        }
        return text.components(separatedBy: "\n")
    }
}

/// ZeroMQ's authentication hook (ZAP, RFC 27): admits CURVE clients whose public key is listed.
public final class ZAPHandler: @unchecked Sendable {
    private let thread: SocketThread
    private let socket: ZMQSocket

    public init(authorized: Set<String>, context: ZMQContext = .shared,
                onDecision: @escaping @Sendable (String, Bool) -> Void = { _, _ in }) throws {
        socket = try ZMQSocket(type: ZMQ_REP, context: context)
        try socket.bind("inproc://zeromq.zap.01")
        let box = ThreadBox()
        thread = try SocketThread(socket: socket, tickMilliseconds: 1000, handlers: .init(onMessage: { frames in
            guard frames.count >= 6 else { return }
            let requestID = frames[1]
            var key = ""
            if frames.count >= 7, frames[5] == Array("CURVE".utf8), frames[6].count == 32 {
                var z85 = [CChar](repeating: 0, count: 41)
                _ = frames[6].withUnsafeBufferPointer { zmq_z85_encode(&z85, $0.baseAddress, 32) }
                key = String(decoding: z85.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            let ok = authorized.contains(key)
            onDecision(key, ok)
            box.thread?.send([Array("1.0".utf8), requestID, Array((ok ? "200" : "400").utf8),
                              Array((ok ? "OK" : "key not authorized").utf8), Array("worker".utf8), []])
        }))
        box.thread = thread
        thread.start(name: "famol-zap")
    }

    public func stop() { thread.stop() }

    final class ThreadBox: @unchecked Sendable { var thread: SocketThread? }
}
