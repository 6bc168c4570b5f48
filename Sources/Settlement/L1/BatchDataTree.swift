/// The data root of a commitment: a Merkle tree with one leaf per transaction of its batches, so
/// that a one-step proof carries the disputed transaction and a path of O(log n) hashes instead of
/// the whole data (`DataInclusionProof`).
///
/// ## Definition (what `L1Commitment.dataRoot` commits to)
///
/// - **Leaves**: the commitment's transactions in execution order, across its batches: each
///   batch's transfers, then its shielded lane (global position p = the transactions, transfers
///   and lane, of earlier batches + the index in its batch, a lane transaction's index counting
///   after the batch's transfers). A transfer's leaf hash is `keccak256(0x00 ‖ transaction)`,
///   the transaction as `leafBytes`: from (20) ‖ to (20) ‖ value (32) ‖ fee (32) ‖ nonce (8) ‖
///   chain id (8) ‖ salt (32) ‖ signature (65; none for a deposit or an inbox marker). A lane
///   transaction's leaf hash is `keccak256(0x03 ‖ its canonical encoding)`
///   (`ShieldedTransaction.encoded`, proof included: what the data carries).
/// - **Tree**: the leaves padded with `Digest32.zero` to the next power of two 2^d (d = 0 for one
///   leaf); an inner node is `keccak256(0x01 ‖ left ‖ right)`. The tree root of no leaf is zero.
/// - **Data root** without a lane transaction (every commitment before the shielded lane):
///   `keccak256(0x02 ‖ chain id (8) ‖ salt (32) ‖ first batch (8) ‖ batch count (4) ‖
///   transaction count of each batch (4 each) ‖ tree root)`. With at least one lane transaction:
///   `keccak256(0x04 ‖ chain id (8) ‖ salt (32) ‖ first batch (8) ‖ batch count (4) ‖ per batch:
///   transfer count (4) ‖ shielded count (4) ‖ tree root)`.
///
/// Leaf, lane leaf, node and both roots' preimages start with different tags (like the state
/// tree's 0x00 leaf tag), so no leaf passes for a node or the reverse, no transfer passes for a
/// lane transaction, and a padding leaf (zero) is no transaction's hash. The root commits to the
/// batch layout (with the lane, to where each batch's lane starts), so the tree's depth and every
/// position are fixed by it: one root per decoded batch range, and (the encoding being canonical)
/// per data bytes.
///
/// The arbiter computes the root from the data it receives at posting and refuses a commitment
/// whose `dataRoot` differs; it keeps only the root and the per-batch counts for its games.
public struct BatchDataTree: Sendable {
    /// Tag of a leaf preimage.
    public static let leafTag: UInt8 = 0x00
    /// Tag of an inner-node preimage.
    public static let nodeTag: UInt8 = 0x01
    /// Tag of the data root's preimage (data without a lane transaction).
    public static let rootTag: UInt8 = 0x02
    /// Tag of a lane leaf preimage (a shielded transaction).
    public static let laneLeafTag: UInt8 = 0x03
    /// Tag of the data root's preimage when the data has a lane transaction.
    public static let laneRootTag: UInt8 = 0x04
    /// The deepest tree an inclusion proof may climb (2³² leaves; data within the limit has fewer
    /// than 2¹⁵).
    public static let maxDepth = 32

    /// Transfers per batch, in order (what the games over transfers bisect over).
    public let transactionCounts: [Int]
    /// Shielded lane transactions per batch, in order (all zero without a lane).
    public let shieldedCounts: [Int]
    /// `levels[0]` the leaf hashes padded to 2^depth, each next level half as wide; the last is the
    /// tree root alone (empty for no leaf).
    private let levels: [[Digest32]]

    /// The tree over `batches` (each a batch's transfers, in order), without a lane.
    public init(batches: [[SignedTransfer]]) {
        self.init(transactionCounts: batches.map(\.count), shieldedCounts: batches.map { _ in 0 },
                  leaves: batches.joined().map(Self.leafHash))
    }

    /// The tree over `batches`: each batch's transfers, then its shielded lane.
    public init(_ batches: [BatchData.Batch]) {
        var leaves: [Digest32] = []
        leaves.reserveCapacity(batches.reduce(0) { $0 + $1.transfers.count + $1.shielded.count })
        for b in batches {
            leaves += b.transfers.map(Self.leafHash)
            leaves += b.shielded.map(Self.laneLeafHash)
        }
        self.init(transactionCounts: batches.map(\.transfers.count), shieldedCounts: batches.map(\.shielded.count),
                  leaves: leaves)
    }

    private init(transactionCounts: [Int], shieldedCounts: [Int], leaves: [Digest32]) {
        self.transactionCounts = transactionCounts
        self.shieldedCounts = shieldedCounts
        guard !leaves.isEmpty else {
            levels = []
            return
        }
        var level = leaves + [Digest32](repeating: .zero, count: (1 << Self.depth(forLeaves: leaves.count)) - leaves.count)
        var all = [level]
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map { Self.node(level[$0], level[$0 + 1]) }
            all.append(level)
        }
        levels = all
    }

    /// The root of the tree alone (zero when there is no transaction).
    public var treeRoot: Digest32 { levels.last?.first ?? .zero }

    /// The data root of these batches as `firstBatch...` in the deployment `domain`.
    public func dataRoot(domain: SigningDomain, firstBatch: UInt64) -> Digest32 {
        Self.dataRoot(domain: domain, firstBatch: firstBatch, transactionCounts: transactionCounts,
                      shieldedCounts: shieldedCounts, treeRoot: treeRoot)
    }

    /// The inclusion proof of transfer `index` of batch `batch` (0-based in the commitment).
    public func inclusionProof(batch: Int, index: Int) -> DataInclusionProof {
        precondition(transactionCounts.indices.contains(batch) && (0 ..< transactionCounts[batch]).contains(index),
                     "no transaction \(index) in batch \(batch)")
        return proof(at: Self.position(batch: batch, index: index, transactionCounts: transactionCounts, shieldedCounts: shieldedCounts))
    }

    /// The inclusion proof of lane transaction `shieldedIndex` of batch `batch` (0-based in the
    /// commitment), verified by `DataInclusionProof.dataRoot(ofShielded:...)`.
    public func inclusionProof(batch: Int, shieldedIndex: Int) -> DataInclusionProof {
        precondition(shieldedCounts.indices.contains(batch) && (0 ..< shieldedCounts[batch]).contains(shieldedIndex),
                     "no lane transaction \(shieldedIndex) in batch \(batch)")
        return proof(at: Self.lanePosition(batch: batch, shieldedIndex: shieldedIndex, transactionCounts: transactionCounts,
                                           shieldedCounts: shieldedCounts))
    }

    /// The global position of transfer `index` of batch `batch`: every transaction of the earlier
    /// batches (transfers and lanes) before it. `shieldedCounts` empty means no lane.
    public static func position(batch: Int, index: Int, transactionCounts: [Int], shieldedCounts: [Int]) -> Int {
        transactionCounts[..<batch].reduce(0, +) + shieldedCounts.prefix(batch).reduce(0, +) + index
    }

    /// The global position of lane transaction `shieldedIndex` of batch `batch`: after the batch's
    /// transfers.
    public static func lanePosition(batch: Int, shieldedIndex: Int, transactionCounts: [Int], shieldedCounts: [Int]) -> Int {
        position(batch: batch, index: transactionCounts[batch], transactionCounts: transactionCounts,
                 shieldedCounts: shieldedCounts) + shieldedIndex
    }

    private func proof(at position: Int) -> DataInclusionProof {
        var siblings: [Digest32] = []
        var i = position
        for level in levels.dropLast() {
            siblings.append(level[i ^ 1])
            i >>= 1
        }
        return DataInclusionProof(position: position, siblings: siblings)
    }

    /// The data root of `data` (strictly decoded); throws what `BatchData.decode` throws, or for
    /// data with no batch.
    public static func dataRoot(of data: [UInt8]) throws(BatchData.DecodingError) -> Digest32 {
        let decoded = try BatchData.decode(data)
        guard let first = decoded.batches.first else { throw BatchData.DecodingError(description: "batch data: no batch") }
        return BatchDataTree(decoded.batches).dataRoot(domain: decoded.domain, firstBatch: first.number)
    }

    // MARK: Hashing

    /// `keccak256(0x02 ‖ chainId ‖ salt ‖ firstBatch ‖ batch count ‖ counts ‖ treeRoot)` when no
    /// batch has a lane transaction (`shieldedCounts` all zero or empty), else
    /// `keccak256(0x04 ‖ chainId ‖ salt ‖ firstBatch ‖ batch count ‖ (transfer count ‖ shielded
    /// count) per batch ‖ treeRoot)`.
    public static func dataRoot(domain: SigningDomain, firstBatch: UInt64, transactionCounts: [Int], shieldedCounts: [Int] = [],
                                treeRoot: Digest32) -> Digest32 {
        let hasLane = shieldedCounts.contains { $0 != 0 }
        precondition(!hasLane || shieldedCounts.count == transactionCounts.count, "a shielded count per batch")
        var out: [UInt8] = [hasLane ? laneRootTag : rootTag]
        out.reserveCapacity(1 + 8 + 32 + 8 + 4 + 8 * transactionCounts.count + 32)
        out.appendBigEndian(domain.chainId)
        out.append(contentsOf: domain.salt.bytes)
        out.appendBigEndian(firstBatch)
        out.appendBigEndian(UInt32(transactionCounts.count))
        for (i, n) in transactionCounts.enumerated() {
            out.appendBigEndian(UInt32(n))
            if hasLane { out.appendBigEndian(UInt32(shieldedCounts[i])) }
        }
        out.append(contentsOf: treeRoot.bytes)
        return Keccak256.hash(out)
    }

    /// `keccak256(0x00 ‖ leafBytes(transaction))`.
    public static func leafHash(_ transaction: SignedTransfer) -> Digest32 {
        Keccak256.hash([leafTag] + leafBytes(transaction))
    }

    /// `keccak256(0x03 ‖ transaction.encoded)`: a lane transaction's leaf.
    public static func laneLeafHash(_ transaction: ShieldedTransaction) -> Digest32 {
        Keccak256.hash([laneLeafTag] + transaction.encoded)
    }

    /// A transaction as a leaf holds it: from ‖ to ‖ value ‖ fee ‖ nonce ‖ chain id ‖ salt ‖
    /// signature (integers big-endian, fixed width): all that its id and validity depend on, so no
    /// proof can present the leaf's transaction in another signing domain. A deposit or an inbox
    /// marker has no signature, as in the batch data; so the length tells which it is.
    public static func leafBytes(_ transaction: SignedTransfer) -> [UInt8] {
        let t = transaction.transfer
        var out: [UInt8] = []
        out.reserveCapacity(20 + 20 + 32 + 32 + 8 + 8 + 32 + 65)
        out.append(contentsOf: t.from.bytes)
        out.append(contentsOf: t.to.bytes)
        out.append(contentsOf: t.value.bigEndianBytes)
        out.append(contentsOf: t.fee.bigEndianBytes)
        out.appendBigEndian(t.nonce)
        out.appendBigEndian(transaction.chainId)
        out.append(contentsOf: transaction.domain.salt.bytes)
        out.append(contentsOf: transaction.signature)
        return out
    }

    /// `keccak256(0x01 ‖ left ‖ right)`.
    static func node(_ left: Digest32, _ right: Digest32) -> Digest32 {
        Keccak256.hash([nodeTag] + left.bytes + right.bytes)
    }

    /// The depth of the tree over `n` leaves: ⌈log₂ n⌉ (0 for one leaf or none).
    public static func depth(forLeaves n: Int) -> Int {
        n <= 1 ? 0 : Int.bitWidth - (n - 1).leadingZeroBitCount
    }
}
