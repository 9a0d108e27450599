import Foundation

/// Everything that defines a training run, as data: the coordinator sends it to workers in
/// `Welcome`, so that every process builds the same examples and computes the same gradients.
public struct TrainingSpec: Sendable, Codable, Equatable {
    public var trainPath: String
    public var validPath: String
    public var testPath: String?
    public var clicksPath: String?
    public var labelsPath: String?
    public var bandsPath: String?
    public var config = TrainerConfig()
    public var objective = ObjectiveSpec()

    public init(trainPath: String, validPath: String) {
        self.trainPath = trainPath
        self.validPath = validPath
    }

    /// The files that decide the training examples, in a fixed order (the valid and test files
    /// only decide evaluation, which the coordinator alone does).
    public var trainingFiles: [String] { [trainPath, clicksPath, labelsPath, bandsPath].compactMap { $0 } }

    /// SHA-256 over the training files' contents (length-prefixed, in `trainingFiles` order; a
    /// pack file counts by the hash in its header, see `DatasetFile.identityBytes`).
    public func datasetHash(remap: (String) -> String = { $0 }) throws -> String {
        var bytes: [UInt8] = []
        for path in trainingFiles {
            let content = try DatasetFile.identityBytes(remap(path))
            bytes.reserveCapacity(bytes.count + content.count + 21)
            bytes.append(contentsOf: Array(String(content.count).utf8))
            bytes.append(0x0A)
            bytes.append(contentsOf: content)
        }
        return SHA256.hex(bytes)
    }

    /// SHA-256 of the spec's JSON: processes with the same hash compute the same thing.
    public var configHash: String { SHA256.hex(Array(json.utf8)) }

    public var json: String { try! CanonicalJSON.string(self) }

    public static func decode(json: String) throws -> TrainingSpec {
        try JSONDecoder().decode(TrainingSpec.self, from: Data(json.utf8))
    }

    /// Reads a spec file (`famol train --spec`), naming the file and the field at fault.
    public static func read(_ path: String) throws -> TrainingSpec {
        try parse(String(decoding: try readFileBytes(path), as: UTF8.self), source: path)
    }

    /// A spec's JSON text; errors name `source` (a file, or a job submitted to `famol serve`).
    public static func parse(_ text: String, source path: String) throws -> TrainingSpec {
        do {
            return try decode(json: text)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw InputError(file: path, field: (ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."), "missing field",
                             hint: "a spec is the JSON famol demo writes as spec.json")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx), let DecodingError.dataCorrupted(ctx) {
            throw InputError(file: path, field: ctx.codingPath.map(\.stringValue).joined(separator: "."), "wrong value: \(ctx.debugDescription.prefix(200))")
        } catch {
            throw InputError(file: path, "not a training spec (JSON)", hint: "a spec is the JSON famol demo writes as spec.json")
        }
    }
}

/// The objective's settings as data (an `Objective` holds a closure and is not Codable).
public struct ObjectiveSpec: Sendable, Codable, Equatable {
    public var supervision: Supervision = .labels
    public var labelLoss: ListLoss = .softmax
    public var clickEstimator: ClickEstimator = .dla
    public var propensities: [Double] = (0..<10).map { 1 / Double($0 + 1) }
    public var maxWeight: Double = 100
    public var weighting: FamolWeighting = .standard
    public var schedule = Schedule()
    /// Per query-document score terms (the study's transductive protocol); nil: none, and the
    /// spec's JSON (its hash) is what it was before they existed.
    public var pairTerms: PairTerms? = nil

    public init() {}

    public var objective: Objective {
        var o = Objective(supervision: supervision, labelLoss: labelLoss,
                          clickLoss: ClickLoss(estimator: clickEstimator, propensities: propensities, maxWeight: maxWeight),
                          weighting: weighting, schedule: schedule)
        o.pairTerms = pairTerms
        return o
    }
}
