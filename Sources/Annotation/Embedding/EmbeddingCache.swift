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

    /// The batches `prefill` encodes for `texts`: the distinct texts not cached yet, sorted,
    /// cut into consecutive batches. The same texts give the same batches wherever they run.
    public func missingBatches(_ texts: [String], batchSize: Int = 32) -> [[String]] {
        lock.lock()
        let missing = Set(texts.filter { vectors[key($0)] == nil }).sorted()
        lock.unlock()
        return stride(from: 0, to: missing.count, by: batchSize).map { Array(missing[$0..<min(missing.count, $0 + batchSize)]) }
    }

    /// Caches the embeddings of `texts` first, in the batches of `missingBatches`, each one
    /// forward pass: by `encode` (the workers of a cluster) or by this process's encoder. A
    /// batch's vectors do not depend on where it runs, so the labels that follow do not either.
    public func prefill(_ texts: [String], batchSize: Int = 32, encode: (([[String]]) throws -> [[[Float]]])? = nil) rethrows {
        let batches = missingBatches(texts, batchSize: batchSize)
        let vectors = try encode?(batches) ?? batches.map { encoder.embed($0, batchSize: max(1, $0.count)) }
        lock.lock()
        defer { lock.unlock() }
        for (batch, computed) in zip(batches, vectors) {
            for (text, v) in zip(batch, computed) { self.vectors[key(text)] = v }
            misses += batch.count
        }
    }

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
