/// The one order in which a step's shard gradients are summed: a binary tree over the shard
/// indices, each node the Double sum of its two children, each leaf one shard's float gradient.
///
/// A node's bits depend only on the shards under it. So whoever holds a block of consecutive
/// shards can send the block's node instead of its gradients, and the step's sum comes out
/// the same whichever worker computed what, and in process.
public struct GradientTree: Sendable, Equatable {
    /// A node: `level` 0 is shard `index`; level l covers shards [index 2^l, (index + 1) 2^l).
    public struct Node: Hashable, Sendable, Comparable {
        public var level: Int
        public var index: Int
        public init(level: Int, index: Int) {
            self.level = level
            self.index = index
        }

        public static func < (a: Node, b: Node) -> Bool { (a.index << a.level, a.level) < (b.index << b.level, b.level) }
    }

    /// A node's value: a shard's gradient as computed, or a sum over shards in Double.
    public enum Values: Sendable, Equatable {
        case leaf([Float])
        case sum([Double])

        public var count: Int {
            switch self {
            case .leaf(let v): v.count
            case .sum(let v): v.count
            }
        }
    }

    public let shardCount: Int
    /// The root's level: the least l with 2^l >= shardCount.
    public let height: Int

    public init(shardCount: Int) {
        precondition(shardCount > 0)
        self.shardCount = shardCount
        var h = 0
        while 1 << h < shardCount { h += 1 }
        height = h
    }

    public var root: Node { Node(level: height, index: 0) }

    /// The shards under `node`, within the run's shards.
    public func shards(of node: Node) -> Range<Int> {
        let start = node.index << node.level
        return min(start, shardCount)..<min(start + (1 << node.level), shardCount)
    }

    /// Whether `node` is in this tree and covers at least one shard.
    public func contains(_ node: Node) -> Bool {
        // Compared as a count of nodes, so that no index shifted past Int's width wraps round.
        node.level >= 0 && node.level <= height && node.index >= 0 && node.index <= (shardCount - 1) >> node.level
    }

    /// The largest nodes whose shards all lie in `held`, in shard order: what a holder of those
    /// shards sends.
    public func cover(_ held: Set<Int>) -> [Node] {
        var nodes: [Node] = []
        func visit(_ node: Node) {
            let range = shards(of: node)
            guard !range.isEmpty else { return }  // past the last shard
            if range.allSatisfy(held.contains) { return nodes.append(node) }
            guard node.level > 0, range.contains(where: held.contains) else { return }
            visit(Node(level: node.level - 1, index: 2 * node.index))
            visit(Node(level: node.level - 1, index: 2 * node.index + 1))
        }
        visit(root)
        return nodes
    }

    /// The values of the nodes that cover `gradients`' shards (gradients by shard index).
    public func parts(_ gradients: [Int: [Float]]) -> [(Node, Values)] {
        let leaves = Dictionary(uniqueKeysWithValues: gradients.map { (Node(level: 0, index: $0.key), Values.leaf($0.value)) })
        return cover(Set(gradients.keys)).map { node in (node, node.level == 0 ? leaves[node]! : .sum(value(of: node, parts: leaves)!)) }
    }

    /// The sum of every shard: from the given parts, each node not given made from its
    /// children. Nil when some shard is under no part.
    public func total(_ parts: [Node: Values]) -> [Double]? { value(of: root, parts: parts) }

    func value(of node: Node, parts: [Node: Values]) -> [Double]? {
        if let given = parts[node] {
            switch given {
            case .leaf(let v): return v.map(Double.init)
            case .sum(let v): return v
            }
        }
        guard node.level > 0 else { return nil }
        guard var left = value(of: Node(level: node.level - 1, index: 2 * node.index), parts: parts) else { return nil }
        let rightNode = Node(level: node.level - 1, index: 2 * node.index + 1)
        // A right child past the last shard adds nothing (not even +0.0, which would turn -0.0).
        guard contains(rightNode) else { return left }
        guard let right = value(of: rightNode, parts: parts), right.count == left.count else { return nil }
        left.withUnsafeMutableBufferPointer { l in right.withUnsafeBufferPointer { r in for i in 0..<l.count { l[i] += r[i] } } }
        return left
    }
}
