import ArgumentParser
import Ranking

/// `famol simulate`: a seeded click log from graded labels.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a click log (JSONL) from an SVMlight file's graded labels.",
        discussion: "Each query is shown with its candidates' top --shown in file order; query frequencies follow a Zipf law; attractiveness = epsilon + (1 - epsilon)(2^g - 1)/(2^gmax - 1); PBM examination 1/(k+1)^eta, or the curve of a model fitted on a real log (--examination-from)."
    )

    @Option(help: "Data with graded labels (SVMlight).") var data: String
    @Option(help: "Qrels replacing the data's labels.") var labels: String?
    @Option(help: "Click model: pbm, cascade or dcm.") var model: ClickModelKind = .pbm
    @Option(help: "Impressions in total.") var impressions = 20_000
    @Option(help: "Zipf exponent of query frequencies.") var zipf = 1.1
    @Option(help: "PBM position-bias exponent eta.") var eta = 1.0
    @Option(help: "Examination curve from a fitted click model (famol clicks --model pbm --params-out FILE), relative to rank 1; replaces 1/(k+1)^eta.")
    var examinationFrom: String?
    @Option(help: "Attractiveness of a non-relevant document.") var epsilon = 0.05
    @Option(help: "Top grade of the label scale.") var maxGrade = 4
    @Option(help: "Documents shown per impression.") var shown = 10
    @Option(help: "Seed.") var seed: UInt64 = 7
    @Option(help: "Output click log.") var out: String
    @Option(help: "Format of the log written: jsonl (famol's impressions) or tiangong (TianGong-ST session XML).")
    var format = "jsonl"
    @Option(help: "Also write query frequencies and tercile bands here.") var bandsOut: String?

    func run() throws {
        try reportingInputErrors {
            var dataset = try DatasetFile.read(data)
            if let labels { dataset = dataset.relabeled(with: try Qrels.read(labels)) }
            var c = ClickSimulationConfig()
            c.model = model
            c.impressions = impressions
            c.zipfExponent = zipf
            c.eta = eta
            if let examinationFrom {
                c.examinationCurve = try ClickModelParameters.read(examinationFrom).relativeExamination(file: examinationFrom)
            }
            c.epsilon = epsilon
            c.maxGrade = maxGrade
            c.shown = shown
            c.seed = seed
            let log = ClickSimulator(config: c).simulate(dataset)
            guard let written = ClickLog.Format(rawValue: format), written != .yandex else { throw ValidationError("--format must be jsonl or tiangong") }
            try AtomicFile.write(written == .jsonl ? ClickLog.writeJSONL(log) : ClickLog.writeTianGong(log), to: out)
            let clicks = log.reduce(0) { $0 + $1.clicked.count }
            print("simulated \(log.count) impressions, \(clicks) clicks (\(model.rawValue)) -> \(out)")
            if let bandsOut {
                var values: [String: Int] = [:]
                let counts = ClickLog.frequencies(log)
                for q in dataset.queries { values[q.id] = counts[q.id] ?? 0 }
                try AtomicFile.write(FrequencyBands(values: values).render(), to: bandsOut)
                print("bands -> \(bandsOut)")
            }
        }
    }
}
