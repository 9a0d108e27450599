import Foundation
import Testing
@testable import Ranking

@Suite struct GradientTreeTests {
    typealias Node = GradientTree.Node

    /// Shard gradients whose magnitudes span 1e-8 to 1e4, so that Double sums round and a
    /// different order of addition shows in the bits.
    static func gradients(shards: Int, count: Int = 64, seed: UInt64 = 3) -> [[Float]] {
        let rng = CounterRandom(seed: seed)
        return (0..<shards).map { s in
            (0..<count).map { i in
                let u = rng.uniform(UInt64(s), UInt64(i), 0)
                let scale = Float(pow(10, -8 + 12 * rng.uniform(UInt64(s), UInt64(i), 1)))
                return Float(u - 0.5) * scale
            }
        }
    }

    static func bits(_ v: [Double]?) -> [UInt64]? { v?.map(\.bitPattern) }

    @Test func anySplitOfTheShardsOverWorkersSumsToTheSameBits() {
        for shardCount in 1...9 {
            let tree = GradientTree(shardCount: shardCount)
            let g = Self.gradients(shards: shardCount)
            let reference = Self.bits(tree.total(Dictionary(uniqueKeysWithValues: g.enumerated().map { (Node(level: 0, index: $0.offset), .leaf($0.element)) })))
            #expect(reference != nil)
            let rng = CounterRandom(seed: UInt64(shardCount))
            for trial in 0..<40 {
                // Each shard to one of 1-4 workers at random: blocks, interleavings, anything.
                let workers = 1 + trial % 4
                var held = [Int: [Int: [Float]]]()
                for s in 0..<shardCount { held[Int(rng.uniform(UInt64(trial), UInt64(s), 2) * Double(workers)), default: [:]][s] = g[s] }
                var parts: [Node: GradientTree.Values] = [:]
                for (_, shards) in held { for (node, values) in tree.parts(shards) { parts[node] = values } }
                #expect(Self.bits(tree.total(parts)) == reference, "\(shardCount) shards, trial \(trial)")
            }
        }
    }

    @Test func theTreeIsNotTheSequentialSum() {
        // Guards the test above: with these gradients the order of addition does change bits.
        let g = Self.gradients(shards: 8)
        let tree = GradientTree(shardCount: 8)
        var sequential = [Double](repeating: 0, count: g[0].count)
        for shard in g { for i in sequential.indices { sequential[i] += Double(shard[i]) } }
        let parts = Dictionary(uniqueKeysWithValues: g.enumerated().map { (Node(level: 0, index: $0.offset), GradientTree.Values.leaf($0.element)) })
        #expect(Self.bits(tree.total(parts)) != Self.bits(sequential))
    }

    @Test func aBlockOfConsecutiveShardsIsSentAsOneNode() {
        let tree = GradientTree(shardCount: 8)
        #expect(tree.cover([0, 1, 2, 3]) == [Node(level: 2, index: 0)])
        #expect(tree.cover([4, 5, 6, 7]) == [Node(level: 2, index: 1)])
        #expect(tree.cover(Set(0..<8)) == [tree.root])
        #expect(tree.cover([2, 3, 4]) == [Node(level: 1, index: 1), Node(level: 0, index: 4)])
        #expect(tree.cover([0, 2]) == [Node(level: 0, index: 0), Node(level: 0, index: 2)])
        // 7 shards: the last node of level 2 holds shards 4-6 only.
        let seven = GradientTree(shardCount: 7)
        #expect(seven.height == 3 && seven.shards(of: Node(level: 2, index: 1)) == 4..<7)
        #expect(seven.cover([4, 5, 6]) == [Node(level: 2, index: 1)])
        let g = Self.gradients(shards: 8)
        let node = tree.parts([0: g[0], 1: g[1], 2: g[2], 3: g[3]])
        #expect(node.count == 1 && node[0].0 == Node(level: 2, index: 0))
        guard case .sum(let values)? = node.first?.1 else { Issue.record("a block's node is a sum"); return }
        #expect(values.count == g[0].count)
    }

    @Test func aShardUnderNoPartLeavesNoTotal() {
        let tree = GradientTree(shardCount: 4)
        let g = Self.gradients(shards: 4)
        let parts: [Node: GradientTree.Values] = [Node(level: 1, index: 0): .sum(g[0].map(Double.init)), Node(level: 0, index: 2): .leaf(g[2])]
        #expect(tree.total(parts) == nil)
    }

    @Test func nodesOutsideTheTreeAreNotInIt() {
        let tree = GradientTree(shardCount: 5)
        #expect(tree.contains(Node(level: 0, index: 4)) && !tree.contains(Node(level: 0, index: 5)))
        #expect(tree.contains(Node(level: 2, index: 1)) && !tree.contains(Node(level: 2, index: 2)))
        #expect(!tree.contains(Node(level: 4, index: 0)) && !tree.contains(Node(level: 1, index: -1)))
        // An index that a shift would wrap round is still outside.
        #expect(!tree.contains(Node(level: 2, index: Int.max >> 1)))
    }
}
