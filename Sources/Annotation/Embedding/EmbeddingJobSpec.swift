/// A job of the embedded judge on a cluster: which encoder workers load. Each task is one batch
/// of texts, encoded in one forward pass, so a worker's vectors are the in-process ones.
public struct EmbeddingJobSpec: Sendable, Codable, Equatable {
    /// The coordinator's encoder (`all-MiniLM-L6-v2@<weights hash>`): a worker whose model
    /// files differ refuses the job instead of computing other vectors.
    public var modelID: String
    public var maxTokens: Int
    /// The model directory on the workers; nil: the one famol finds (the project venv's).
    public var modelDirectory: String?

    public init(modelID: String, maxTokens: Int, modelDirectory: String? = nil) {
        self.modelID = modelID
        self.maxTokens = maxTokens
        self.modelDirectory = modelDirectory
    }

    /// Loads the encoder and checks it is the coordinator's.
    public func loadEncoder() throws -> MiniLMEncoder {
        guard let dir = modelDirectory ?? MiniLMEncoder.defaultModelDirectory() else {
            throw EncoderUnavailable(description: "all-MiniLM-L6-v2 not found on this worker: run 'make setup' or give the job a model directory")
        }
        let encoder = try MiniLMEncoder(modelDirectory: dir, maxTokens: maxTokens)
        guard encoder.modelID == modelID else {
            throw EncoderUnavailable(description: "this worker's model \(encoder.modelID) in \(dir) is not the coordinator's \(modelID)")
        }
        return encoder
    }

    public struct EncoderUnavailable: Error, CustomStringConvertible {
        public let description: String
    }
}
