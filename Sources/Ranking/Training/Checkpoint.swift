import Foundation

/// A training checkpoint: the trainer's whole state plus what it belongs to, written atomically
/// (temporary file, fsync, rename) so a crash leaves the previous one intact.
public struct Checkpoint: Codable, Sendable {
    public static let formatName = "famol-checkpoint"
    public static let fileName = "checkpoint.json"

    public var format = Checkpoint.formatName
    public var version = 1
    public var configHash: String
    public var datasetHash: String
    public var state: Trainer.State

    public init(configHash: String, datasetHash: String, state: Trainer.State) {
        self.configHash = configHash
        self.datasetHash = datasetHash
        self.state = state
    }

    public func write(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try AtomicFile.write(try JSONEncoder().encode(self), to: directory + "/" + Self.fileName)
    }

    /// Reads `DIR/checkpoint.json` and checks it belongs to this configuration and data.
    public static func read(directory: String, configHash: String, datasetHash: String) throws -> Checkpoint {
        let path = directory + "/" + fileName
        let c: Checkpoint
        do { c = try JSONDecoder().decode(Checkpoint.self, from: Data(try readFileBytes(path))) } catch let e as InputError {
            throw InputError(file: path, e.message, hint: "resume from the --out directory of an earlier 'famol train'")
        } catch {
            throw InputError(file: path, "not a famol checkpoint (\(error))", hint: "the file is damaged; train afresh")
        }
        guard c.format == formatName else { throw InputError(file: path, field: "format", "not a famol checkpoint") }
        guard c.configHash == configHash else {
            throw InputError(file: path, field: "config_hash", "the checkpoint was made with other training settings",
                             hint: "resume with the same arguments as the interrupted run")
        }
        guard c.datasetHash == datasetHash else {
            throw InputError(file: path, field: "dataset_hash", "the training files changed since the checkpoint",
                             hint: "resume with the same data")
        }
        return c
    }
}
