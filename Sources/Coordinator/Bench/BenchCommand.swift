import ArgumentParser
import COpenBLAS
import Foundation
import Ranking

/// `famol bench`: famol's side of the benchmarks in bench/ (each prints one JSON line), so
/// that peers and famol are measured on the same generated data in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure famol's kernels on generated data; each subcommand prints one JSON line (bench/suite.py compares them with peers).",
        subcommands: [GradientBench.self, SGEMMBench.self, ParseBench.self, ScaleBench.self, GenerateBench.self]
    )
}

/// Seconds of a closure, by the monotonic clock.
func timed(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Peak resident memory of this process so far, in MiB (Linux's VmHWM).
func peakResidentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}

func printJSON(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

/// A LETOR-shaped synthetic data set: Gaussian features, labels 0-4 from a hidden linear
/// score plus noise (so a ranker has something to learn), seeded.
func syntheticDataset(queries: Int, documents: Int, features: Int, seed: UInt64) -> RankingDataset {
    var rng = SeededGenerator(seed: seed)
    let direction = (0..<features).map { _ in Float.random(in: -1...1, using: &rng) }
    func gaussian() -> Float {
        let u = Float.random(in: Float.ulpOfOne...1, using: &rng), v = Float.random(in: 0..<1, using: &rng)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
    var out = RankingDataset(featureCount: features, queries: [])
    out.queries.reserveCapacity(queries)
    for q in 0..<queries {
        var x = [Float](repeating: 0, count: documents * features)
        var labels = [Float](repeating: 0, count: documents)
        for d in 0..<documents {
            var s: Float = 0
            for f in 0..<features {
                let v = gaussian()
                x[d * features + f] = v
                s += v * direction[f]
            }
            labels[d] = Float(max(0, min(4, Int((s / Float(features).squareRoot() + gaussian() * 0.5 + 1).rounded()))))
        }
        out.queries.append(RankingQuery(id: String(q + 1), docIDs: (0..<documents).map { "d\($0)" }, labels: labels, features: x))
    }
    return out
}

/// `famol bench gradient`: MLP forward + backward + Adam, listwise softmax loss, one thread.
struct GradientBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gradient", abstract: "Training throughput of the MLP (documents per second, GFLOP/s) on one thread.")
    @Option(help: "Hidden layers.") var layers = "64,32"
    @Option(help: "Queries.") var queries = 2000
    @Option(help: "Documents per query.") var documents = 20
    @Option(help: "Features.") var features = 136
    @Option(help: "Queries per step.") var batch = 32
    @Option(help: "Epochs timed (after one warm-up epoch).") var epochs = 2
    @Option(help: "Seed.") var seed: UInt64 = 1

    func run() throws {
        pinBLASToOneThread()
        let data = syntheticDataset(queries: queries, documents: documents, features: features, seed: seed)
        var config = TrainerConfig()
        config.hidden = try parseIntList(layers, option: "--layers")
        config.batchQueries = batch
        config.shards = 1
        config.patience = 0
        let examples = TrainingSetBuilder(dataset: data).build()
        let validation = RankingDataset(featureCount: features, queries: [data.queries[0]])
        func trainer(_ epochs: Int) -> Trainer {
            var c = config
            c.epochs = epochs
            return Trainer(config: c, objective: Objective(supervision: .labels), examples: examples, validation: validation)
        }
        _ = try trainer(1).train()  // warm-up: page in, let the CPU clock settle
        let t = trainer(epochs)
        let seconds = try timed { _ = try t.train() }
        let docs = Double(epochs * queries * documents)
        // Forward 2*sum(in*out) per document; backward about twice that (weights and inputs).
        let widths = [features] + config.hidden + [1]
        let forward = zip(widths, widths.dropFirst()).reduce(0.0) { $0 + 2 * Double($1.0 * $1.1) }
        try printJSON(["docs_per_s": docs / seconds, "gflops": 3 * forward * docs / seconds / 1e9, "seconds": seconds,
                       "layers": config.hidden, "batch": batch, "threads": 1])
    }
}

/// `famol bench sgemm`: the machine's single-thread cblas_sgemm rate, the ceiling for the MLP.
struct SGEMMBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sgemm", abstract: "Single-thread cblas_sgemm GFLOP/s on square matrices (best of the repetitions).")
    @Option(help: "Matrix size.") var size = 1024
    @Option(help: "Repetitions.") var repeats = 5

    func run() throws {
        pinBLASToOneThread()
        let n = size
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        for _ in 0..<(repeats + 1) {
            let s = timed {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, &c, Int32(n))
            }
            best = min(best, s)
        }
        try printJSON(["gflops": 2 * Double(n * n * n) / best / 1e9, "size": n, "threads": 1, "core": BLASCore.current,
                       "blas": String(cString: openblas_get_config())])
    }
}

/// `famol bench parse`: data set reading speed and memory (SVMlight parsed, or a pack loaded).
struct ParseBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parse", abstract: "Read an SVMlight or pack file; print MB/s and peak resident memory.")
    @Option(help: "SVMlight or pack file.") var file: String

    func run() throws {
        try reportingInputErrors {
            let bytes = Double((try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0)
            var rows = 0
            let seconds = try timed { rows = try DatasetFile.read(file).documentCount }
            try printJSON(["mb_per_s": bytes / 1e6 / seconds, "seconds": seconds, "rows": rows, "peak_rss_mib": peakResidentMiB()])
        }
    }
}

/// `famol bench generate`: writes the synthetic data set as SVMlight (for the peers).
struct GenerateBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Write a synthetic LETOR-shaped SVMlight file (and its LightGBM .query file).")
    @Option(help: "Queries.") var queries = 2000
    @Option(help: "Documents per query.") var documents = 20
    @Option(help: "Features.") var features = 136
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: "Output file.") var out: String

    func run() throws {
        let data = syntheticDataset(queries: queries, documents: documents, features: features, seed: seed)
        try AtomicFile.write(SVMLightWriter.render(data), to: out)
        try AtomicFile.write(data.queries.map { "\($0.count)\n" }.joined(), to: out + ".query")
        try printJSON(["file": out, "bytes": (try FileManager.default.attributesOfItem(atPath: out)[.size] as? NSNumber)?.int64Value ?? 0])
    }
}
