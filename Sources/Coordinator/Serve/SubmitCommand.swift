import ArgumentParser
import Cluster
import Foundation
import Ranking

/// `famol submit train --spec FILE --to ENDPOINT`: queues a job on a `famol serve` pool,
/// prints its progress and ends as the job does (exit 0 with the model's sha256, or the
/// job's exit code).
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Queue a job on a famol serve pool and follow it to its end.",
        discussion: "The spec's data paths are read by the pool (the server and its workers), as with famol train --spec. The last line of a finished training is 'model sha256 <hex>', as famol train prints it."
    )

    @Argument(help: "The job's kind: train, annotate or study.") var kind: String
    @Option(help: "The whole job as one file: a TrainingSpec (famol train --write-spec, or the spec.json famol demo writes next to each model) an annotation spec (famol annotate --judge embedding|openai --write-spec), or a study's TOML config (the keys of famol study --config; use absolute paths).")
    var spec: String
    @Option(help: "famol serve's submit endpoint.") var to: String
    @Option(help: "CURVE: the server's public key file.") var curveServerKey: String?
    @Option(help: "CURVE: this client's key pair file (from 'famol keys generate'), listed in the server's --authorized-keys.")
    var curveKey: String?
    @Option(help: "Seconds without word from the server before giving up (it speaks every 2 s).") var silenceTimeout = 30.0

    func validate() throws {
        guard ["train", "annotate", "study"].contains(kind) else {
            throw ValidationError("famol submit queues train, annotate and study jobs; '\(kind)' is not one of them")
        }
        guard (curveServerKey == nil) == (curveKey == nil) else { throw ValidationError("CURVE needs both --curve-server-key and --curve-key") }
    }

    func run() throws {
        try reportingInputErrors {
            // Checked here first, so that a bad file names its path.
            let json: String
            if kind == "train" {
                json = try TrainingSpec.read(spec).json
            } else if kind == "study" {
                json = try String(contentsOfFile: spec, encoding: .utf8)
                try StudySettings.validated(try StudySettings.parse(json, source: spec), source: spec)
            } else {
                let text = try String(contentsOfFile: spec, encoding: .utf8)
                json = LLMAnnotationJob.judge(ofSpec: text) == "openai" ? try LLMAnnotationJob.parse(text, source: spec).json
                    : try EmbeddingAnnotationJob.parse(text, source: spec).json
            }
            var client = SubmitClient(endpoint: to)
            client.silenceSeconds = silenceTimeout
            if let curveServerKey, let curveKey {
                client.curve = (try CurveKeyPair.read(curveServerKey, needSecret: false).publicKey, try CurveKeyPair.read(curveKey, needSecret: true))
            }
            var announced = false
            let last = try client.submit(SubmitRequest(kind: kind, spec: json)) { event in
                switch event.event {
                case .queued where !announced:
                    announced = true
                    print("job \(event.job) queued (\(event.ahead ?? 0) ahead)")
                case .progress: print(event.line ?? "")
                default: break
                }
            }
            guard last.event == .done, let sha = last.sha256 else {
                printError("error: job \(last.job) failed: \(last.error ?? "no reason given")")
                throw ExitCode(last.exitCode ?? 70)
            }
            let what = ["train": "model", "study": "results"][kind] ?? "labels"
            print("\(what) written to \(last.output ?? "?") (on the server)")
            print("\(what) sha256 \(sha)")
        }
    }
}
