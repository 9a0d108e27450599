import Foundation
import Ranking

/// Embeds texts once per run: keyed by model and text hash.
public final class EmbeddingCache: @unchecked Sendable {
    public let encoder: MiniLMEncoder
    private let lock = NSLock()
    private var vectors: [String: [Float]] = [:]
    public private(set) var hits = 0, misses = 0

    public init(encoder: MiniLMEncoder) { self.encoder = encoder }

    private func key(_ text: String) -> String { encoder.modelID + ":" + SHA256.hex(Array(text.utf8)) }

    /// Embeddings of texts, computing only the ones not cached, in one batch.
    public func embed(_ texts: [String]) -> [[Float]] {
        let keys = texts.map(key)
        lock.lock()
        let missing = Array(Set(zip(keys, texts).filter { vectors[$0.0] == nil }.map(\.1)))
        hits += texts.count - missing.count
        misses += missing.count
        lock.unlock()
        let computed = encoder.embed(missing.sorted())
        lock.lock()
        defer { lock.unlock() }
        for (text, v) in zip(missing.sorted(), computed) { vectors[key(text)] = v }
        return keys.map { vectors[$0]! }
    }
}
