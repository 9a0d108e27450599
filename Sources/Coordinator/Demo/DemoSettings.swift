import Foundation
import Ranking

/// Every parameter of `famol demo`: defaults, then a TOML file (`--config`), then flags.
struct DemoSettings {
    enum Judge: String, CaseIterable { case embedding, human, openai }

    var cranfield = "../shared/datasets/cranfield"
    var out = "runs/demo"
    var judge = Judge.embedding
    /// Worker processes of the local cluster; 0 trains in this process.
    var workers = 2
    var study = StudyConfig()
    var embeddingThreads = 2
    var embeddingModelDir: String? = nil
    var embeddingMaxTokens = 256
    var openai = OpenAISettings()

    struct OpenAISettings {
        var endpoint: String? = nil
        var model: String? = nil
        var strategies = ["pointann", "listann", "listsel", "listrank"]
        var apiKeyEnv = "OPENAI_API_KEY"
        var temperature = 0.0
        var maxTokens = 200
        var concurrency = 4
        var timeout = 60.0
    }

    init() {
        study.trainer.seed = 42
        study.clicks.seed = 43
    }

    /// The seed of everything: training, folds, and (plus one) the click simulation.
    var seed: UInt64 {
        get { study.trainer.seed }
        set {
            study.trainer.seed = newValue
            study.clicks.seed = newValue &+ 1
        }
    }

    /// The keys a config file may set, with what each does (printed for an unknown key).
    static let keys: [(String, String)] = [
        ("cranfield", "Cranfield directory"), ("out", "run directory"), ("seed", "seed of folds, training and clicks"),
        ("judge", "embedding, human or openai"), ("workers", "worker processes (0 = in process)"), ("queries", "first N queries only"),
        ("study.folds", "cross-validation folds"), ("study.candidates", "BM25 candidates per query"),
        ("study.true_negatives", "true negatives per query (0 skips the analysis)"), ("study.ablation", "feature-group ablation on/off"),
        ("study.permutations", "permutations of the randomization tests"),
        ("clicks.model", "pbm, cascade or dcm"), ("clicks.impressions", "simulated impressions"), ("clicks.zipf", "Zipf exponent of query frequencies"),
        ("clicks.eta", "PBM examination 1/(k+1)^eta"), ("clicks.epsilon", "click noise on non-relevant documents"), ("clicks.shown", "documents per impression"),
        ("training.epochs", "epochs per model"), ("training.patience", "early-stopping patience"), ("training.learning_rate", "Adam learning rate"),
        ("training.layers", "hidden layer widths"), ("training.batch", "queries per step"), ("training.shards", "virtual shards"),
        ("famol.weights", "click weights [high, mid, low]"), ("famol.smooth", "[gamma, threshold] of smooth FAMOL (default: gamma 2, threshold the median log(1+f))"),
        ("famol.schedule_first_stage_epochs", "epochs of a schedule's first stage"),
        ("embedding.threads", "BLAS threads of the embedded judge"), ("embedding.model_dir", "model directory"), ("embedding.max_tokens", "truncation"),
        ("openai.endpoint", "chat-completions base URL"), ("openai.model", "model name"), ("openai.strategies", "annotation strategies to compare"),
        ("openai.api_key_env", "environment variable with the API key"), ("openai.temperature", "sampling temperature"),
        ("openai.max_tokens", "completion tokens per call"), ("openai.concurrency", "calls in flight per worker"), ("openai.timeout", "seconds per request"),
    ]

    /// Applies a config file; an unknown key or a value of the wrong type names its line.
    mutating func apply(_ toml: TOMLReader) throws {
        for key in toml.entries.keys.sorted() {
            let entry = toml.entries[key]!
            let v = ConfigValue(entry: entry, key: key, file: toml.file)
            switch key {
            case "cranfield": cranfield = try v.string()
            case "out": out = try v.string()
            case "seed": seed = UInt64(try v.int(min: 0))
            case "judge":
                guard let j = Judge(rawValue: try v.string()) else { throw v.error("must be one of embedding, human, openai") }
                judge = j
            case "workers": workers = try v.int(min: 0)
            case "queries": study.queryLimit = try v.int(min: 2)
            case "study.folds": study.folds = try v.int(min: 2)
            case "study.candidates": study.candidates = try v.int(min: 2)
            case "study.true_negatives": study.trueNegatives = try v.int(min: 0)
            case "study.ablation": study.ablation = try v.bool()
            case "study.permutations": study.permutations = try v.int(min: 1)
            case "clicks.model":
                guard let m = ClickModelKind(rawValue: try v.string()) else { throw v.error("must be one of pbm, cascade, dcm") }
                study.clicks.model = m
            case "clicks.impressions": study.clicks.impressions = try v.int(min: 1)
            case "clicks.zipf": study.clicks.zipfExponent = try v.double()
            case "clicks.eta": study.clicks.eta = try v.double()
            case "clicks.epsilon": study.clicks.epsilon = try v.double(in: 0...1)
            case "clicks.shown": study.clicks.shown = try v.int(min: 1)
            case "training.epochs": study.trainer.epochs = try v.int(min: 1)
            case "training.patience": study.trainer.patience = try v.int(min: 0)
            case "training.learning_rate": study.trainer.optimizer.learningRate = try v.double()
            case "training.layers": study.trainer.hidden = try v.ints(min: 1)
            case "training.batch": study.trainer.batchQueries = try v.int(min: 1)
            case "training.shards": study.trainer.shards = try v.int(min: 1)
            case "famol.weights":
                let w = try v.doubles(count: 3)
                guard w.allSatisfy({ (0...1).contains($0) }) else { throw v.error("weights must be in [0, 1]") }
                study.famolBands = .bands(high: w[0], mid: w[1], low: w[2])
            case "famol.smooth":
                let s = try v.doubles(count: 2)
                study.famolSmooth = .smooth(gamma: s[0], threshold: s[1])
            case "famol.schedule_first_stage_epochs": study.scheduleFirstStageEpochs = try v.int(min: 0)
            case "embedding.threads": embeddingThreads = try v.int(min: 1)
            case "embedding.model_dir": embeddingModelDir = try v.string()
            case "embedding.max_tokens": embeddingMaxTokens = try v.int(min: 8)
            case "openai.endpoint": openai.endpoint = try v.string()
            case "openai.model": openai.model = try v.string()
            case "openai.strategies": openai.strategies = try v.strings()
            case "openai.api_key_env": openai.apiKeyEnv = try v.string()
            case "openai.temperature": openai.temperature = try v.double()
            case "openai.max_tokens": openai.maxTokens = try v.int(min: 1)
            case "openai.concurrency": openai.concurrency = try v.int(min: 1)
            case "openai.timeout": openai.timeout = try v.double()
            default:
                throw InputError(file: toml.file, line: entry.line, field: key, "unknown setting",
                                 hint: "known settings: " + Self.keys.map(\.0).joined(separator: ", "))
            }
        }
    }
}

/// A config entry read as the type its key needs.
struct ConfigValue {
    let entry: TOMLReader.Entry
    let key: String
    let file: String

    func error(_ message: String) -> InputError {
        InputError(file: file, line: entry.line, field: key, message)
    }

    func string() throws -> String {
        guard case .string(let s) = entry.value else { throw error("expected a string, found \(entry.value.typeName)") }
        return s
    }

    func bool() throws -> Bool {
        guard case .boolean(let b) = entry.value else { throw error("expected true or false, found \(entry.value.typeName)") }
        return b
    }

    func int(min: Int) throws -> Int {
        guard case .integer(let n) = entry.value else { throw error("expected an integer, found \(entry.value.typeName)") }
        guard n >= min else { throw error("must be at least \(min)") }
        return n
    }

    func double(in range: ClosedRange<Double>? = nil) throws -> Double {
        let x: Double
        switch entry.value {
        case .float(let f): x = f
        case .integer(let n): x = Double(n)
        default: throw error("expected a number, found \(entry.value.typeName)")
        }
        if let range, !range.contains(x) { throw error("must be in \(range.lowerBound)...\(range.upperBound)") }
        return x
    }

    private func items() throws -> [TOMLReader.Entry] {
        guard case .array(let a) = entry.value else { throw error("expected an array, found \(entry.value.typeName)") }
        return a.map { TOMLReader.Entry(value: $0, line: entry.line) }
    }

    func ints(min: Int) throws -> [Int] {
        try items().map { try ConfigValue(entry: $0, key: key, file: file).int(min: min) }
    }

    func doubles(count: Int) throws -> [Double] {
        let values = try items().map { try ConfigValue(entry: $0, key: key, file: file).double() }
        guard values.count == count else { throw error("expected \(count) numbers, found \(values.count)") }
        return values
    }

    func strings() throws -> [String] {
        try items().map { try ConfigValue(entry: $0, key: key, file: file).string() }
    }
}
