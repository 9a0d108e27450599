import Foundation
import Testing
@testable import Annotation
@testable import Ranking

@Suite struct JudgeTests {
    @Test func quantileCalibrationGivesTheDocumentedShares() {
        let scores = (0..<20).map { Double($0) }
        let grades = GradeCalibration.standard.grades(scores)
        #expect(grades.filter { $0 == 3 }.count == 2)   // top 10%
        #expect(grades.filter { $0 == 2 }.count == 3)   // next 15%
        #expect(grades.filter { $0 == 1 }.count == 5)   // next 25%
        #expect(grades.filter { $0 == 0 }.count == 10)
        #expect(grades[19] == 3 && grades[0] == 0)
        #expect(GradeCalibration.thresholds(0.2, 0.4, 0.6).grades([0.1, 0.3, 0.5, 0.7]) == [0, 1, 2, 3])
    }

    @Test func rocAUCCountsTiesAsHalf() {
        #expect(rocAUC(positives: [3, 4], negatives: [1, 2]) == 1)
        #expect(rocAUC(positives: [1], negatives: [2]) == 0)
        #expect(rocAUC(positives: [1, 2], negatives: [1, 2]) == 0.5)
        #expect(abs(rocAUC(positives: [2, 3], negatives: [1, 2, 4]) - 3.5 / 6) < 1e-12)
    }

    @Test func simulatedJudgeFollowsItsConfusionMatrixAndIsSeeded() throws {
        var reference = Qrels()
        for d in 0..<2000 { reference.judgments["q", default: [:]]["d\(d)"] = d % 2 == 0 ? 0 : 4 }
        let identity = (0..<5).map { g in (0..<5).map { $0 == g ? 1.0 : 0.0 } }
        let docs = (0..<2000).map { TextDocument(id: "d\($0)", title: "", body: "") }
        let q = TextQuery(id: "q", text: "x")
        let exact = try SimulatedJudge(reference: reference, confusion: identity).judge(query: q, documents: docs)
        #expect(exact.allSatisfy { $0.label == Double(reference.judgments["q"]![$0.document]!) })
        let noisy = try SimulatedJudge(reference: reference).judge(query: q, documents: docs)
        #expect(try SimulatedJudge(reference: reference).judge(query: q, documents: docs) == noisy)
        let keptTop = noisy.filter { reference.judgments["q"]![$0.document] == 4 && $0.label == 4 }.count
        #expect(abs(Double(keptTop) / 1000 - 0.70) < 0.05)
        #expect(throws: InputError.self) { try SimulatedJudge(reference: reference, confusion: [[0.5, 0.4]]) }
    }

    @Test func fastMathMatchesLibm() {
        var worstExp: Float = 0, worstErf: Float = 0
        for i in -2000...2000 {
            let x = Float(i) / 100
            worstExp = max(worstExp, abs(FastMath.exp(x) - expf(x)) / expf(x))
            worstErf = max(worstErf, abs(FastMath.erf(x / 4) - erff(x / 4)))
        }
        #expect(worstExp < 1e-6, "exp relative error \(worstExp)")
        #expect(worstErf < 1e-6, "erf absolute error \(worstErf)")
        #expect(FastMath.exp(-200) < 1e-37)
    }

    @Test func badModelFilesAreClearErrors() {
        let dir = NSTemporaryDirectory() + "famol-judge-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir + "/model.safetensors", contents: Data([1, 2, 3]))
        #expect(throws: InputError.self) { _ = try SafeTensors(path: dir + "/model.safetensors") }
        _ = FileManager.default.createFile(atPath: dir + "/vocab.txt", contents: Data("a\nb\n".utf8))
        #expect(throws: InputError.self) { _ = try WordPieceTokenizer(vocabularyFile: dir + "/vocab.txt") }
        #expect(throws: InputError.self) { _ = try SafeTensors(path: dir + "/missing.safetensors") }
    }
}
