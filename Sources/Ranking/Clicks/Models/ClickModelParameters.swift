import Foundation

/// A fitted click model's parameters as a file (`famol clicks --params-out`), which
/// `famol simulate --examination-from` reads: JSON with `"format": "famol-click-model"`.
public struct ClickModelParameters: Codable, Sendable, Equatable {
    public var format = "famol-click-model"
    public var version = 1
    public var model: ClickModelName
    public var positions: Int
    /// PBM: P(examine rank r).
    public var examination: [Double]?
    /// UBM: [rank][rank of the previous click]; the last column is "no click above".
    public var examinationByPreviousClick: [[Double]]?
    /// DBN: [gamma]; DCM: lambda per rank.
    public var continuation: [Double]?
    /// query -> document -> attractiveness.
    public var attractiveness: [String: [String: Double]] = [:]
    /// DBN, SDBN: query -> document -> satisfaction.
    public var satisfaction: [String: [String: Double]]?

    enum CodingKeys: String, CodingKey {
        case format, version, model, positions, examination, continuation, attractiveness, satisfaction
        case examinationByPreviousClick = "examination_by_previous_click"
    }

    public init(model: ClickModelName, positions: Int) {
        self.model = model
        self.positions = positions
    }

    mutating func setAttractiveness(_ values: [Double], _ log: ClickSessions) {
        attractiveness = Self.byQuery(values, log)
    }

    static func byQuery(_ values: [Double], _ log: ClickSessions) -> [String: [String: Double]] {
        var out: [String: [String: Double]] = [:]
        for (i, pair) in log.pairNames().enumerated() { out[pair.query, default: [:]][pair.document] = values[i] }
        return out
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// Reads a parameters file, with a clear error for anything that is not one.
    public static func read(_ path: String) throws -> ClickModelParameters {
        let data = Data(try readFileBytes(path))
        let p: ClickModelParameters
        do {
            p = try JSONDecoder().decode(ClickModelParameters.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw InputError(file: path, field: key.stringValue, "missing field", hint: "write the file with famol clicks --params-out")
        } catch {
            throw InputError(file: path, "not a famol click-model file", hint: "write it with famol clicks --params-out")
        }
        guard p.format == "famol-click-model", p.version == 1 else {
            throw InputError(file: path, field: "format", "expected famol-click-model version 1")
        }
        return p
    }

    /// The examination curve relative to rank 1 (rank 1 examined with probability 1): PBM's
    /// examination, or UBM's column for "no click above". Only the ratios are identified by a
    /// fit, since attraction and examination trade a common factor.
    public func relativeExamination(file: String) throws -> [Double] {
        let curve = examination ?? examinationByPreviousClick.map { rows in rows.map { $0.last ?? .nan } }
        guard let curve, let first = curve.first, first > 0, curve.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw InputError(file: file, field: "examination", "the \(model.rawValue) model has no examination curve",
                             hint: "fit a pbm or ubm model: famol clicks --model pbm --params-out FILE")
        }
        return curve.map { min($0 / first, 1) }
    }
}
