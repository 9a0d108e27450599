/// Float32 tensors as little-endian frame bytes and back.
public enum TensorFrame {
    public static func bytes(_ values: [Float]) -> [UInt8] {
        #if _endian(little)
        // The frame is the array's own bytes: one copy (a step moves tens of KiB per worker).
        return values.withUnsafeBytes { Array($0) }
        #else
        var out = [UInt8](repeating: 0, count: values.count * 4)
        out.withUnsafeMutableBytes { dst in
            for (i, v) in values.enumerated() { dst.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        }
        return out
        #endif
    }

    /// The floats of a frame, or nil when its length is not `count * 4`.
    public static func floats(_ bytes: [UInt8], count: Int) -> [Float]? {
        floats(bytes[...], count: count)
    }

    /// The floats of part of a frame (one shard's gradient of several), or nil when its
    /// length is not `count * 4`.
    public static func floats(_ bytes: ArraySlice<UInt8>, count: Int) -> [Float]? {
        guard bytes.count == count * 4 else { return nil }
        #if _endian(little)
        return [Float](unsafeUninitializedCapacity: count) { floats, initialized in
            bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(floats).copyMemory(from: $0) }
            initialized = count
        }
        #else
        return bytes.withUnsafeBytes { src in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        #endif
    }
}
