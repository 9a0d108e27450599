import CCurl
import Foundation

/// One blocking HTTP POST through libcurl, on the calling thread, over a fresh connection.
///
/// Not URLSession: on Linux its libcurl driver keeps Dispatch threads spinning while a request
/// waits for its answer (about half a core per worker process, measured), CPU the LLM server
/// on the same host needs. A fresh connection per request: libcurl silently resends a request
/// whose reused connection turns out to be closed, and a request famol does not see is one
/// it cannot count; a connection costs far less than the completion it carries.
enum HTTPPost {
    struct Response {
        var status: Int
        var body: [UInt8]
        /// The Retry-After header in seconds (429, 503), when the server sent one as a number.
        var retryAfterSeconds: Double? = nil
    }

    /// The request did not get an HTTP response: refused, reset, timed out, unresolvable.
    struct TransportError: Error, CustomStringConvertible {
        var description: String
        /// The request was sent and no reply came within the timeout: the server may still be
        /// working on it (and billing it).
        var timedOut = false
    }

    /// Replies larger than this are refused: a chat completion is a few kilobytes.
    static let maxResponseBytes = 64 << 20

    static func send(url: String, headers: [String], body: [UInt8], timeoutSeconds: Double) throws -> Response {
        guard curlInitialized else { throw TransportError(description: "libcurl failed to initialise") }
        guard let handle = curl_easy_init() else { throw TransportError(description: "libcurl cannot make a handle") }
        defer { curl_easy_cleanup(handle) }
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        // An empty Expect header: otherwise libcurl waits up to a second for "100 Continue"
        // before sending a body over 1 KiB, and servers that do not send it cost that second.
        for header in headers + ["Expect:"] { headerList = curl_slist_append(headerList, header) }
        defer { curl_slist_free_all(headerList) }
        let sink = ResponseSink()
        let sinkPointer = Unmanaged.passRetained(sink)
        defer { sinkPointer.release() }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let timeoutMS = max(1, Int(timeoutSeconds * 1000))
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
            var set = CURLE_OK
            func apply(_ result: CURLcode) { if set == CURLE_OK { set = result } }
            apply(famol_curl_set_string(handle, CURLOPT_URL, url))
            apply(famol_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))  // threads: no SIGALRM for timeouts
            apply(famol_curl_set_long(handle, CURLOPT_FRESH_CONNECT, 1))
            apply(famol_curl_set_long(handle, CURLOPT_FORBID_REUSE, 1))
            apply(famol_curl_set_long(handle, CURLOPT_TIMEOUT_MS, timeoutMS))
            apply(famol_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMS, 10_000)))
            apply(famol_curl_set_pointer(handle, CURLOPT_HTTPHEADER, headerList))
            apply(famol_curl_set_string(handle, CURLOPT_USERAGENT, "famol"))
            apply(famol_curl_set_long(handle, CURLOPT_POST, 1))
            apply(famol_curl_set_long(handle, CURLOPT_POSTFIELDSIZE, body.count))
            apply(body.withUnsafeBytes { famol_curl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress)) })
            apply(famol_curl_set_write_callback(handle) { data, size, count, context in
                let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
                let bytes = size * count
                guard sink.bytes.count + bytes <= HTTPPost.maxResponseBytes else {
                    sink.overflowed = true
                    return 0  // aborts the transfer
                }
                if let data { sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: bytes)) }
                return bytes
            })
            apply(famol_curl_set_pointer(handle, CURLOPT_WRITEDATA, sinkPointer.toOpaque()))
            apply(famol_curl_set_header_callback(handle) { data, size, count, context in
                let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
                let bytes = size * count
                if let data, bytes < 1024 {
                    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: bytes), as: UTF8.self)
                    if line.lowercased().hasPrefix("retry-after:") {
                        sink.retryAfter = Double(line.dropFirst(12).trimmingCharacters(in: .whitespacesAndNewlines))
                    }
                }
                return bytes
            })
            apply(famol_curl_set_pointer(handle, CURLOPT_HEADERDATA, sinkPointer.toOpaque()))
            apply(famol_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress))
            guard set == CURLE_OK else { return set }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            if sink.overflowed {
                throw TransportError(description: "the reply is larger than \(maxResponseBytes >> 20) MiB")
            }
            throw TransportError(description: reason, timedOut: code == CURLE_OPERATION_TIMEDOUT)
        }
        var status = 0
        _ = famol_curl_response_code(handle, &status)
        return Response(status: status, body: sink.bytes, retryAfterSeconds: sink.retryAfter)
    }

    /// libcurl's global state, set up once before the first handle (thread-safe: a global).
    private static let curlInitialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}

/// Where libcurl's write callback puts a reply's bytes.
private final class ResponseSink {
    var bytes: [UInt8] = []
    var overflowed = false
    var retryAfter: Double?
}
