import CCRC32C

/// CRC-32C (Castagnoli), the checksum of every raw tensor frame (hardware-assisted in C).
public enum CRC32C {
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { famol_crc32c(0, $0.baseAddress, $0.count) }
    }
}

/// Float32 tensors as little-endian frame bytes and back.
public enum TensorFrame {
    public static func bytes(_ values: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * 4)
        out.withUnsafeMutableBytes { dst in
            for (i, v) in values.enumerated() { dst.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        }
        return out
    }

    /// The floats of a frame, or nil when its length is not `count * 4`.
    public static func floats(_ bytes: [UInt8], count: Int) -> [Float]? {
        guard bytes.count == count * 4 else { return nil }
        return bytes.withUnsafeBytes { src in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}
