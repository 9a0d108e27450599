import Testing
@testable import Ranking

@Suite struct TrainerTests {
    /// A small synthetic task: feature 0 drives relevance, feature 1 is noise.
    static func data(queries: Int, seed: UInt64) -> RankingDataset {
        let rng = CounterRandom(seed: seed)
        let qs = (0..<queries).map { q -> RankingQuery in
            var features: [Float] = []
            var labels: [Float] = []
            for d in 0..<8 {
                let signal = rng.uniform(UInt64(q), UInt64(d), 0)
                features += [Float(signal), Float(rng.uniform(UInt64(q), UInt64(d), 1))]
                labels.append(Float(Int(signal * 4)))
            }
            return RankingQuery(id: String(q), docIDs: (0..<8).map { "d\($0)" }, labels: labels, features: features)
        }
        return RankingDataset(featureCount: 2, queries: qs)
    }

    static func trainer(_ supervision: Supervision = .labels, shards: Int = 4, epochs: Int = 8) -> Trainer {
        var c = TrainerConfig()
        c.hidden = [8, 4]
        c.epochs = epochs
        c.shards = shards
        c.batchQueries = 8
        c.patience = 0
        c.optimizer.learningRate = 1e-2
        let train = data(queries: 40, seed: 1)
        var c2 = ClickSimulationConfig()
        c2.impressions = 2000
        var builder = TrainingSetBuilder(dataset: train)
        builder.impressions = ClickSimulator(config: c2).simulate(train)
        return Trainer(config: c, objective: Objective(supervision: supervision), examples: builder.build(),
                       validation: data(queries: 10, seed: 2))
    }

    @Test(arguments: Supervision.allCases)
    func trainingLearnsAndIsReproducible(supervision: Supervision) throws {
        let t = Self.trainer(supervision)
        let first = try t.train()
        let second = try t.train()
        #expect(ModelFile.sha256(first.best) == ModelFile.sha256(second.best))
        #expect(first.bestScore > first.history[0].validation - 1e-9)
        #expect(first.bestScore > 0.8, "validation nDCG@10 \(first.bestScore)")
    }

    @Test func shardGradientsArePureAndOrderIndependent() throws {
        let t = Self.trainer(.famol)
        let p = t.ranker.layout.initialParameters(seed: 5)
        let slices = (0..<t.plan.shards.count).map { t.plan.slice(epoch: 1, step: 0, shard: $0) }
        let inOrder = try t.localGradients(p, 1, 0, slices)
        // Computing the shards one at a time, last first, gives the same bits for each.
        for s in slices.indices.reversed() {
            let alone = try t.localGradients(p, 1, 0, [slices[s]])
            #expect(alone.sums[0] == inOrder.sums[s])
            #expect(alone.parts[.init(level: 0, index: 0)] == inOrder.parts[.init(level: 0, index: s)])
        }
    }

    @Test func shardsAreStratifiedAndCoverEveryQueryOnce() {
        let t = Self.trainer(.famol, shards: 4)
        let all = t.plan.shards.flatMap { $0 }.sorted()
        #expect(all == Array(t.examples.indices))
        for band in Band.allCases {
            let counts = t.plan.shards.map { $0.filter { t.examples[$0].band == band }.count }
            #expect(counts.max()! - counts.min()! <= 2, "band \(band): \(counts)")
        }
        // Each epoch visits each shard's queries exactly once.
        for s in 0..<4 {
            let visited = (0..<t.plan.stepsPerEpoch).flatMap { t.plan.slice(epoch: 3, step: $0, shard: s) }
            #expect(visited.sorted() == t.plan.shards[s].sorted())
        }
    }

    @Test func anEpochsOrderIsDrawnOnceAndCutAsEachStepWouldDrawIt() {
        let t = Self.trainer(.famol, shards: 4)
        for epoch in [0, 2] {
            let order = t.plan.order(epoch: epoch)
            for shard in 0..<4 {
                // The definition: the shard's members permuted by (epoch, shard), cut in batches.
                let members = t.plan.shards[shard]
                let perm = CounterRandom(seed: t.plan.seed).permutation(members.count, UInt64(epoch), UInt64(shard))
                for step in 0...t.plan.stepsPerEpoch {
                    let start = min(members.count, step * t.plan.batchPerShard)
                    let expected = perm[start..<min(members.count, start + t.plan.batchPerShard)].map { members[$0] }
                    #expect(order.slice(step: step, shard: shard) == expected, "epoch \(epoch) shard \(shard) step \(step)")
                }
            }
        }
        #expect(t.plan.order(epoch: 0) != t.plan.order(epoch: 1))
    }

    @Test func resumingFromAnEpochStateGivesTheSameModel() throws {
        let t = Self.trainer(.labels, epochs: 6)
        let straight = try t.train()
        var saved: Trainer.State? = nil
        _ = try? t.train(onEpoch: { state in
            if state.epoch == 3 { saved = state; throw CancellationLikeError() }
        })
        let resumed = try t.train(from: saved!)
        #expect(resumed.best == straight.best)
        #expect(resumed.history == straight.history)
    }

    struct CancellationLikeError: Error {}

    @Test func famolWeightsFollowBandsAndFallBackToOneSource() {
        let objective = Objective(supervision: .famol)
        let q = RankingQuery(id: "q", docIDs: ["a"], labels: [1], features: [0])
        let clicks = ClickStats(cells: [.init(document: 0, position: 0, shown: 1, clicks: 1)], impressions: 1)
        #expect(objective.clickShare(TrainingExample(query: q, clicks: clicks, band: .high), epoch: 0) == 0.8)
        #expect(objective.clickShare(TrainingExample(query: q, clicks: clicks, band: .low), epoch: 0) == 0.2)
        #expect(objective.clickShare(TrainingExample(query: q, clicks: nil, band: .high), epoch: 0) == 0)
        #expect(objective.clickShare(TrainingExample(query: q, hasLabels: false, clicks: clicks, band: .low), epoch: 0) == 1)
        #expect(objective.clickShare(TrainingExample(query: q, hasLabels: false, clicks: nil), epoch: 0) == nil)
        let schedule = Objective(supervision: .schedule, schedule: Schedule(clicksFirst: true, firstStageEpochs: 2))
        let both = TrainingExample(query: q, clicks: clicks, band: .mid)
        #expect(schedule.clickShare(both, epoch: 1) == 1)
        #expect(schedule.clickShare(both, epoch: 2) == 0)
    }

    @Test func modelFileRoundTripsAndRejectsDamage() throws {
        let t = Self.trainer(.labels, epochs: 1)
        let p = t.ranker.layout.initialParameters(seed: 1)
        let path = TestFiles.directory + "/model.json"
        try ModelFile(ranker: t.ranker, parameters: p, metadata: ["k": "v"]).write(to: path)
        let (ranker, q, file) = try ModelFile.read(path)
        #expect(q == p && ranker.layout == t.ranker.layout && file.version == ModelFile.currentVersion)
        let damaged = TestFiles.write("{\"format\": \"something-else\"}")
        #expect(inputError { _ = try ModelFile.read(damaged) } != nil)
    }
}

@Suite struct TrainingSpecTests {
    @Test func specJSONIsStableAndRoundTrips() throws {
        var spec = TrainingSpec(trainPath: "a.svm", validPath: "b.svm")
        spec.objective.schedule = Schedule(firstStageBands: [.low, .high, .mid], secondStageBands: [.mid, .low])
        spec.objective.weighting = .smooth(gamma: 1.5, threshold: 2)
        #expect(spec.json.contains("\"firstStageBands\":[\"high\",\"mid\",\"low\"]"))
        #expect(try TrainingSpec.decode(json: spec.json) == spec)
        #expect(try TrainingSpec.decode(json: spec.json).configHash == spec.configHash)
    }

    @Test func checkpointsRoundTripExactlyAndRefuseOtherSettings() throws {
        let t = TrainerTests.trainer(.famol, epochs: 2)
        let state = try t.train()
        let dir = TestFiles.subdirectory("ckpt")
        try Checkpoint(configHash: "c", datasetHash: "d", state: state).write(directory: dir)
        #expect(try Checkpoint.read(directory: dir, configHash: "c", datasetHash: "d").state == state)
        #expect(inputError { _ = try Checkpoint.read(directory: dir, configHash: "other", datasetHash: "d") }?.field == "config_hash")
        #expect(inputError { _ = try Checkpoint.read(directory: dir, configHash: "c", datasetHash: "x") }?.field == "dataset_hash")
    }
}
