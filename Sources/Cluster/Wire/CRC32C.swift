import CCRC32C

/// CRC-32C (Castagnoli), the checksum of every raw tensor frame (hardware-assisted in C).
public enum CRC32C {
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { famol_crc32c(0, $0.baseAddress, $0.count) }
    }
}
