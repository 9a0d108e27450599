import CSHA256
import Ranking
import Testing

/// Model and data set fingerprints: a wrong digest would make workers refuse their own data.
@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func matchesTheFIPSVectors(message: String, digest: String) {
        #expect(SHA256.hex(Array(message.utf8)) == digest)
    }

    @Test func matchesTheMillionAVector() {
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// The hardware path (where this CPU has it) against the portable one, on every padding case
    /// (tails of 0-63 bytes, one or two final blocks) and unaligned starts.
    @Test func hardwareAndPortablePathsAgree() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        let data = (0..<700).map { _ -> UInt8 in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        for start in [0, 1, 3] {
            for length in 0..<(data.count - start) where length < 200 || length % 61 == 0 {
                let slice = Array(data[start..<(start + length)])
                var fast = [UInt8](repeating: 0, count: 32), portable = fast
                slice.withUnsafeBufferPointer { m in
                    fast.withUnsafeMutableBufferPointer { famol_sha256(m.baseAddress, m.count, $0.baseAddress) }
                    portable.withUnsafeMutableBufferPointer { famol_sha256_portable(m.baseAddress, m.count, $0.baseAddress) }
                }
                #expect(fast == portable, "start \(start), length \(length)")
            }
        }
    }
}
