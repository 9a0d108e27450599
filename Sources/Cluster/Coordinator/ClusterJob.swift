import Foundation
import Ranking

/// The job a coordinator serves, sent to workers in `Welcome`: a registered kind (see
/// `WorkerJobKind`) and its spec as JSON. The cluster never looks inside a spec; the kind's
/// loader on each worker does.
public struct ClusterJob: Sendable, Codable, Equatable {
    public let kind: String
    public let spec: String
    /// What workers verify before they take the job's tasks.
    public let configHash: String

    public init(kind: String, spec: String, configHash: String) {
        self.kind = kind
        self.spec = spec
        self.configHash = configHash
    }

    /// A job whose spec is `value`'s canonical JSON, hashed as such.
    public init<Spec: Encodable>(kind: String, encoding value: Spec) {
        let spec = try! CanonicalJSON.string(value)
        self.init(kind: kind, spec: spec, configHash: SHA256.hex(Array((kind + "\n" + spec).utf8)))
    }

    /// A training: its spec's own hash, the one `famol train` writes into the model.
    public static func train(_ spec: TrainingSpec) -> ClusterJob {
        ClusterJob(kind: WorkerJobKind.trainName, spec: spec.json, configHash: spec.configHash)
    }

    public var json: String { try! CanonicalJSON.string(self) }

    public static func decode(json: String) throws -> ClusterJob {
        try JSONDecoder().decode(ClusterJob.self, from: Data(json.utf8))
    }

    /// The spec as the type its kind declares.
    public func decodeSpec<Spec: Decodable>(_ type: Spec.Type) throws -> Spec {
        try JSONDecoder().decode(Spec.self, from: Data(spec.utf8))
    }
}
