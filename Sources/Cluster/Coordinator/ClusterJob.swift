import Annotation
import Foundation
import Ranking

/// The job a coordinator serves, sent to workers in `Welcome`.
public enum ClusterJob: Sendable, Codable, Equatable {
    case train(TrainingSpec)
    case annotate(AnnotationJob)
    case embed(EmbeddingJobSpec)

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    public static func decode(json: String) throws -> ClusterJob {
        try JSONDecoder().decode(ClusterJob.self, from: Data(json.utf8))
    }

    public var configHash: String {
        switch self {
        case .train(let spec): spec.configHash
        case .annotate, .embed: SHA256.hex(Array(json.utf8))
        }
    }
}
