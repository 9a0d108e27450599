import Ranking

/// A `GradResults` frame: gradient-tree nodes one after another, a shard's gradient (level 0)
/// as float32, a sum over shards as float64, as it was computed.
public enum GradientFrame {
    /// The bytes of one node of `count` values.
    static func width(of node: GradientTree.Node, count: Int) -> Int { count * (node.level == 0 ? 4 : 8) }

    /// Nodes and their frame; a leaf must hold floats and a sum doubles.
    public static func encode(_ parts: [(GradientTree.Node, GradientTree.Values)]) -> (nodes: [GradientTree.Node], frame: [UInt8]) {
        var frame: [UInt8] = []
        frame.reserveCapacity(parts.reduce(0) { $0 + width(of: $1.0, count: $1.1.count) })
        for (node, values) in parts {
            switch values {
            case .leaf(let v):
                precondition(node.level == 0, "a shard's gradient sent as a sum")
                frame += TensorFrame.bytes(v)
            case .sum(let v):
                precondition(node.level > 0, "a sum sent as a shard's gradient")
                frame += TensorFrame.bytes(doubles: v)
            }
        }
        return (parts.map(\.0), frame)
    }

    /// The nodes' values of `count` parameters each; nil when the frame's length disagrees.
    public static func decode(_ nodes: [GradientTree.Node], frame: [UInt8], count: Int) -> [(GradientTree.Node, GradientTree.Values)]? {
        guard frame.count == nodes.reduce(0, { $0 + width(of: $1, count: count) }) else { return nil }
        var offset = 0
        return nodes.map { node in
            let bytes = frame[offset..<(offset + width(of: node, count: count))]
            offset += bytes.count
            // The lengths are checked above, so neither conversion fails.
            return (node, node.level == 0 ? .leaf(TensorFrame.values(bytes, count: count)!) : .sum(TensorFrame.values(bytes, count: count)!))
        }
    }

    /// The gradient nodes of a worker's results, checked: its shards distinct and in the tree,
    /// its nodes exactly their cover (each shard under one node), one frame of their values.
    public static func parts(of r: WireMessage.GradResults, frames: [[UInt8]], tree: GradientTree,
                             count: Int) -> [(GradientTree.Node, GradientTree.Values)]? {
        let held = Set(r.shards.map { Int($0.shard) })
        guard held.count == r.shards.count, held.allSatisfy({ $0 < tree.shardCount }), r.nodes == tree.cover(held),
              frames.count == 1 else { return nil }
        return decode(r.nodes, frame: frames[0], count: count)
    }
}
