import Foundation

/// What `famol submit` sends to `famol serve`: one job, as JSON in one frame.
public struct SubmitRequest: Codable, Sendable, Equatable {
    /// The job's kind: "train" or "annotate" (the embedded judge).
    public var kind: String
    /// The job's spec (for `train`, a TrainingSpec's JSON).
    public var spec: String

    public init(kind: String, spec: String) {
        self.kind = kind
        self.spec = spec
    }
}

/// What `famol serve` sends back about a submitted job, as JSON in one frame.
public struct SubmitEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// In the queue, with `ahead` jobs before it (sent again every few seconds while waiting).
        case queued
        /// Running (sent again every few seconds, so that a client knows the server lives).
        case running
        /// A line of the job's log (an epoch's validation score).
        case progress
        case done
        case failed
    }

    public var event: Kind
    public var job: Int
    public var ahead: Int? = nil
    public var line: String? = nil
    /// The sha256 of what the job made: the model file (train), labels.jsonl (annotate).
    public var sha256: String? = nil
    /// Where it is, on the server.
    public var output: String? = nil
    public var error: String? = nil
    /// The exit code `famol submit` ends with for a failed job (65 bad input, 69, 70 ...).
    public var exitCode: Int32? = nil

    public init(event: Kind, job: Int) {
        self.event = event
        self.job = job
    }

    public var encoded: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(self)) ?? Data())
    }
}
