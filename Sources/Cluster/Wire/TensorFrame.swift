/// A value a frame carries: float32 (parameters, gradients) or float64 (gradient sums).
public protocol FrameScalar: BitwiseCopyable {
    associatedtype Bits: FixedWidthInteger
    var bitPattern: Bits { get }
    init(bitPattern: Bits)
}

extension Float: FrameScalar {}
extension Double: FrameScalar {}

/// Tensors as little-endian frame bytes and back.
public enum TensorFrame {
    public static func bytes(_ values: [Float]) -> [UInt8] { littleEndianBytes(values) }

    /// Float64 sums (gradient-tree nodes) as frame bytes.
    public static func bytes(doubles values: [Double]) -> [UInt8] { littleEndianBytes(values) }

    static func littleEndianBytes<T: FrameScalar>(_ values: [T]) -> [UInt8] {
        #if _endian(little)
        // The frame is the array's own bytes: one copy (a step moves tens of KiB per worker).
        return values.withUnsafeBytes { Array($0) }
        #else
        let width = MemoryLayout<T>.size
        var out = [UInt8](repeating: 0, count: values.count * width)
        out.withUnsafeMutableBytes { dst in
            for (i, v) in values.enumerated() { dst.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * width, as: T.Bits.self) }
        }
        return out
        #endif
    }

    /// The floats of a frame, or nil when its length is not `count * 4`.
    public static func floats(_ bytes: [UInt8], count: Int) -> [Float]? {
        values(bytes[...], count: count)
    }

    /// The floats of part of a frame (one shard's gradient of several), or nil when its
    /// length is not `count * 4`.
    public static func floats(_ bytes: ArraySlice<UInt8>, count: Int) -> [Float]? {
        values(bytes, count: count)
    }

    /// `count` values of part of a frame, or nil when its length is not `count` values.
    public static func values<T: FrameScalar>(_ bytes: ArraySlice<UInt8>, count: Int, as: T.Type = T.self) -> [T]? {
        let width = MemoryLayout<T>.size
        guard bytes.count == count * width else { return nil }
        #if _endian(little)
        return [T](unsafeUninitializedCapacity: count) { values, initialized in
            bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(values).copyMemory(from: $0) }
            initialized = count
        }
        #else
        return bytes.withUnsafeBytes { src in
            (0..<count).map { T(bitPattern: T.Bits(littleEndian: src.loadUnaligned(fromByteOffset: $0 * width, as: T.Bits.self))) }
        }
        #endif
    }
}
