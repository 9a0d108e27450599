import Ranking

extension WireMessage {
    /// A worker's shards of one training step (one lease each), sent in one message with the
    /// parameters frame when the worker lacks that version.
    public struct AssignGrads: Equatable, Sendable {
        public struct Shard: Equatable, Sendable {
            public var leaseID: UInt64
            public var shard: UInt32
            /// Example indices of the shard's slice.
            public var examples: [UInt32]
            public init(leaseID: UInt64, shard: UInt32, examples: [UInt32]) {
                self.leaseID = leaseID
                self.shard = shard
                self.examples = examples
            }
        }

        public var epoch: UInt32
        public var step: UInt32
        public var paramsVersion: UInt64
        public var shards: [Shard]
        public init(epoch: UInt32, step: UInt32, paramsVersion: UInt64, shards: [Shard]) {
            self.epoch = epoch
            self.step = step
            self.paramsVersion = paramsVersion
            self.shards = shards
        }
    }

    /// The computed shards of an `AssignGrads`, in one message: every shard's sums, and the
    /// gradient-tree nodes that cover them, whose values its one frame holds (`GradientFrame`).
    public struct GradResults: Equatable, Sendable {
        /// One shard's loss sums and query count.
        public struct Sums: Equatable, Sendable {
            public var leaseID: UInt64
            public var shard: UInt32
            public var loss: Double
            public var clickLoss: Double
            public var labelLoss: Double
            public var queries: UInt32
            public init(leaseID: UInt64, shard: UInt32, loss: Double, clickLoss: Double, labelLoss: Double, queries: UInt32) {
                self.leaseID = leaseID
                self.shard = shard
                self.loss = loss
                self.clickLoss = clickLoss
                self.labelLoss = labelLoss
                self.queries = queries
            }
        }

        public var epoch: UInt32
        public var step: UInt32
        public var paramsVersion: UInt64
        public var shards: [Sums]
        public var nodes: [GradientTree.Node]
        public init(epoch: UInt32, step: UInt32, paramsVersion: UInt64, shards: [Sums], nodes: [GradientTree.Node]) {
            self.epoch = epoch
            self.step = step
            self.paramsVersion = paramsVersion
            self.shards = shards
            self.nodes = nodes
        }
    }
}
