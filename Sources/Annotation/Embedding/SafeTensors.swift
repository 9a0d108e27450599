import Foundation
import Ranking

/// Reads safetensors files: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw tensor bytes.
public struct SafeTensors: Sendable {
    public struct Info: Sendable {
        public var dtype: String
        public var shape: [Int]
        var range: Range<Int>
    }

    public let path: String
    public let tensors: [String: Info]
    private let data: Data
    private let dataStart: Int

    public init(path: String) throws {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, "cannot read the model file", hint: "install it with 'make setup' or give --model-dir")
        }
        guard data.count >= 8 else { throw InputError(file: path, "too short for a safetensors file") }
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard headerLength > 0, 8 + headerLength <= data.count,
              let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any] else {
            throw InputError(file: path, field: "header", "not a safetensors header")
        }
        var tensors: [String: Info] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let v = value as? [String: Any], let dtype = v["dtype"] as? String, let shape = v["shape"] as? [Int],
                  let offsets = v["data_offsets"] as? [Int], offsets.count == 2, offsets[0] <= offsets[1],
                  8 + headerLength + offsets[1] <= data.count else {
                throw InputError(file: path, field: name, "malformed tensor entry")
            }
            tensors[name] = Info(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        self.tensors = tensors
        self.data = data
        dataStart = 8 + headerLength
    }

    /// A float32 tensor's values, checking its dtype and, when given, its shape.
    public func floats(_ name: String, shape expected: [Int]? = nil) throws -> [Float] {
        guard let info = tensors[name] else { throw InputError(file: path, field: name, "tensor missing", hint: "is this an all-MiniLM-L6-v2 model?") }
        guard info.dtype == "F32" else { throw InputError(file: path, field: name, "dtype \(info.dtype), expected F32") }
        if let expected, expected != info.shape {
            throw InputError(file: path, field: name, "shape \(info.shape), expected \(expected)")
        }
        let count = info.shape.reduce(1, *)
        guard info.range.count == count * 4 else { throw InputError(file: path, field: name, "byte size does not match its shape") }
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(dataStart + info.range.lowerBound)..<(dataStart + info.range.upperBound)]))
            }
        }
        #if _endian(big)
        out = out.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        #endif
        return out
    }
}
