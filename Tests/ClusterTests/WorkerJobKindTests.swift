import Cluster
import Foundation
import Ranking
import Testing

/// Jobs as kinds and specs: what a worker loads from a Welcome, decided without a socket.
@Suite struct WorkerJobKindTests {
    private func trainingSpec(in dir: URL) throws -> TrainingSpec {
        let data = dir.appendingPathComponent("train.svm").path
        try "1 qid:1 1:0.5 2:0.1 # d1\n0 qid:1 1:0.1 2:0.9 # d2\n".write(toFile: data, atomically: true, encoding: .utf8)
        return TrainingSpec(trainPath: data, validPath: data)
    }

    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("famol-jobkind-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aTrainingJobTravelsAsItsKindAndSpecAndKeepsTheSpecsHash() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try trainingSpec(in: dir)
        let job = ClusterJob.train(spec)
        let received = try ClusterJob.decode(json: job.json)
        #expect(received == job && received.kind == "train")
        #expect(received.configHash == spec.configHash)  // what the model file records
        #expect(try received.decodeSpec(TrainingSpec.self).configHash == spec.configHash)
    }

    @Test func aSpecsHashNamesItsKindAndEveryField() {
        struct Spec: Encodable { var a = 1 }
        let one = ClusterJob(kind: "x", encoding: Spec())
        #expect(one.configHash != ClusterJob(kind: "y", encoding: Spec()).configHash)
        #expect(one.configHash != ClusterJob(kind: "x", encoding: Spec(a: 2)).configHash)
        #expect(one.configHash == ClusterJob(kind: "x", encoding: Spec()).configHash)
    }

    @Test func aTrainingWhoseDataIsNotTheCoordinatorsIsRefusedWithBothHashes() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try trainingSpec(in: dir)
        let own = try spec.datasetHash()
        let context = { (hash: String) in WorkerJobContext(datasetHash: hash, remap: { $0 }, storePath: nil) }
        guard case .gradients(let trainer) = try WorkerJobKind.train.load(.train(spec), context(own)) else {
            Issue.record("a training loaded as another task shape")
            return
        }
        #expect(trainer.examples.count == 1)
        let wrong = String(repeating: "0", count: 64)
        #expect {
            try WorkerJobKind.train.load(.train(spec), context(wrong))
        } throws: { error in
            guard let refused = error as? WorkerJobRefused else { return false }
            return refused.description.contains(own.prefix(12)) && refused.description.contains("000000000000")
        }
    }
}
