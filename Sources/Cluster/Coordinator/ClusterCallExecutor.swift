import Annotation
import Foundation

/// Runs annotation calls on the cluster's workers: the coordinator stores each result before
/// acknowledging it, and returns it here.
public struct ClusterCallExecutor: CallExecutor {
    public let coordinator: ClusterCoordinator

    public init(coordinator: ClusterCoordinator) { self.coordinator = coordinator }

    public func execute(_ call: AnnotationCall) throws -> StoredAnnotation {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try coordinator.annotate(key: call.key, callJSON: String(decoding: try encoder.encode(call), as: UTF8.self))
        return try JSONDecoder().decode(StoredAnnotation.self, from: Data(json.utf8))
    }
}
