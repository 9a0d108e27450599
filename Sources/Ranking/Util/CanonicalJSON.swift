import Foundation

/// A value as compact JSON with sorted keys: the same value gives the same bytes in every
/// process, so hashes of it (a job's config hash) and files of it compare as text.
public enum CanonicalJSON {
    public static func string<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
