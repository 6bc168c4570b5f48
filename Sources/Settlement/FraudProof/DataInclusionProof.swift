/// Where a transaction (a transfer or a shielded lane transaction) sits in a commitment's data:
/// its global position among the commitment's transactions and the sibling hashes from its leaf up to the tree root (`BatchDataTree`). A
/// one-step proof carries it so that the arbiter, which keeps only the data root, can check that
/// the proof's transaction is the disputed one without the rest of the data.
///
/// Size: 4 + 1 + 32·d bytes for a tree of depth d = ⌈log₂ n⌉ (`OneStepProof+Encoding`).
public struct DataInclusionProof: Sendable, Hashable {
    /// The transaction's position among all the commitment's transactions (0-based).
    public let position: Int
    /// Sibling hashes, from the leaf's level up (as many as the tree's depth).
    public let siblings: [Digest32]

    /// Assembles a proof (nothing is checked here; `dataRoot(of:...)` checks).
    public init(position: Int, siblings: [Digest32]) {
        self.position = position
        self.siblings = siblings
    }

    /// The proof of the only transaction of a commitment with one transaction (no sibling).
    public static let onlyTransaction = DataInclusionProof(position: 0, siblings: [])

    /// The data root this proof gives for `transaction` in a commitment on `chainId` starting at
    /// `firstBatch` with `transactionCounts` transfers and `shieldedCounts` lane transactions per
    /// batch (empty: no lane), or nil when the proof cannot be of that layout (a position beyond
    /// its transactions, or not exactly the tree's depth of siblings). The caller compares it with
    /// the committed data root and `position` with the disputed one
    /// (`BatchDataTree.position(batch:index:...)`).
    public func dataRoot(of transaction: SignedTransfer, domain: SigningDomain, firstBatch: UInt64,
                         transactionCounts: [Int], shieldedCounts: [Int] = []) -> Digest32? {
        dataRoot(leaf: BatchDataTree.leafHash(transaction), domain: domain, firstBatch: firstBatch,
                 transactionCounts: transactionCounts, shieldedCounts: shieldedCounts)
    }

    /// The lane variant: the data root this proof gives for the shielded `transaction` (its lane
    /// leaf, `BatchDataTree.laneLeafHash`), or nil as for a transfer. The caller compares
    /// `position` with `BatchDataTree.lanePosition(batch:shieldedIndex:...)` of the disputed one.
    public func dataRoot(ofShielded transaction: ShieldedTransaction, domain: SigningDomain, firstBatch: UInt64,
                         transactionCounts: [Int], shieldedCounts: [Int]) -> Digest32? {
        dataRoot(leaf: BatchDataTree.laneLeafHash(transaction), domain: domain, firstBatch: firstBatch,
                 transactionCounts: transactionCounts, shieldedCounts: shieldedCounts)
    }

    private func dataRoot(leaf: Digest32, domain: SigningDomain, firstBatch: UInt64, transactionCounts: [Int],
                          shieldedCounts: [Int]) -> Digest32? {
        guard shieldedCounts.isEmpty || shieldedCounts.count == transactionCounts.count else { return nil }
        let total = transactionCounts.reduce(0, +) + shieldedCounts.reduce(0, +)
        guard position >= 0, position < total, siblings.count == BatchDataTree.depth(forLeaves: total) else { return nil }
        var hash = leaf
        var i = position
        for sibling in siblings {
            hash = i & 1 == 0 ? BatchDataTree.node(hash, sibling) : BatchDataTree.node(sibling, hash)
            i >>= 1
        }
        return BatchDataTree.dataRoot(domain: domain, firstBatch: firstBatch, transactionCounts: transactionCounts,
                                      shieldedCounts: shieldedCounts, treeRoot: hash)
    }
}
