import CSHA256

/// SHA-256 (FIPS 180-4), for model and data fingerprints without a crypto dependency (in C:
/// the x86 SHA extensions where present).
public enum SHA256 {
    public static func hex(_ bytes: [UInt8]) -> String { hex(digest: digest(bytes)) }

    /// A digest already computed (a pack's header carries one), as lower-case hex.
    public static func hex(digest: some Sequence<UInt8>) -> String {
        digest.map { String($0, radix: 16).leftPadded(2) }.joined()
    }

    public static func digest(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        message.withUnsafeBufferPointer { m in out.withUnsafeMutableBufferPointer { famol_sha256(m.baseAddress, m.count, $0.baseAddress) } }
        return out
    }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
