/// The data root of a commitment: a Merkle tree with one leaf per transaction of its batches, so
/// that a one-step proof carries the disputed transaction and a path of O(log n) hashes instead of
/// the whole data (`DataInclusionProof`).
///
/// ## Definition (what `L1Commitment.dataRoot` commits to)
///
/// - **Leaves**: the commitment's transactions in execution order, across its batches (global
///   position p = the transactions of earlier batches + the index in its batch). Leaf hash:
///   `keccak256(0x00 ‖ transaction)`, the transaction as `leafBytes`: from (20) ‖ to (20) ‖
///   value (32) ‖ fee (32) ‖ nonce (8) ‖ chain id (8) ‖ signature (65; none for a deposit).
/// - **Tree**: the leaves padded with `Digest32.zero` to the next power of two 2^d (d = 0 for one
///   leaf); an inner node is `keccak256(0x01 ‖ left ‖ right)`. The tree root of no leaf is zero.
/// - **Data root**: `keccak256(0x02 ‖ chain id (8) ‖ first batch (8) ‖ batch count (4) ‖
///   transaction count of each batch (4 each) ‖ tree root)`.
///
/// Leaf, node and root preimages start with different tags (like the state tree's 0x00 leaf
/// tag), so no leaf passes for a node or the reverse, and a padding leaf (zero) is no
/// transaction's hash. The root commits to the batch layout, so the tree's depth and every
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
    /// Tag of the data root's preimage.
    public static let rootTag: UInt8 = 0x02
    /// The deepest tree an inclusion proof may climb (2³² leaves; data within the limit has fewer
    /// than 2¹⁵).
    public static let maxDepth = 32

    /// Transactions per batch, in order.
    public let transactionCounts: [Int]
    /// `levels[0]` the leaf hashes padded to 2^depth, each next level half as wide; the last is the
    /// tree root alone (empty for no leaf).
    private let levels: [[Digest32]]

    /// The tree over `batches` (each a batch's transactions, in order).
    public init(batches: [[SignedTransfer]]) {
        transactionCounts = batches.map(\.count)
        let leaves = batches.joined().map(Self.leafHash)
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
        Self.dataRoot(domain: domain, firstBatch: firstBatch, transactionCounts: transactionCounts, treeRoot: treeRoot)
    }

    /// The inclusion proof of transaction `index` of batch `batch` (0-based in the commitment).
    public func inclusionProof(batch: Int, index: Int) -> DataInclusionProof {
        precondition(transactionCounts.indices.contains(batch) && (0 ..< transactionCounts[batch]).contains(index),
                     "no transaction \(index) in batch \(batch)")
        let position = transactionCounts[..<batch].reduce(0, +) + index
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
        return BatchDataTree(batches: decoded.batches.map(\.transfers)).dataRoot(domain: decoded.domain, firstBatch: first.number)
    }

    // MARK: Hashing

    /// `keccak256(0x02 ‖ chainId ‖ salt ‖ firstBatch ‖ batch count ‖ counts ‖ treeRoot)`.
    public static func dataRoot(domain: SigningDomain, firstBatch: UInt64, transactionCounts: [Int], treeRoot: Digest32) -> Digest32 {
        var out: [UInt8] = [rootTag]
        out.reserveCapacity(1 + 8 + 32 + 8 + 4 + 4 * transactionCounts.count + 32)
        out.appendBigEndian(domain.chainId)
        out.append(contentsOf: domain.salt.bytes)
        out.appendBigEndian(firstBatch)
        out.appendBigEndian(UInt32(transactionCounts.count))
        for n in transactionCounts { out.appendBigEndian(UInt32(n)) }
        out.append(contentsOf: treeRoot.bytes)
        return Keccak256.hash(out)
    }

    /// `keccak256(0x00 ‖ leafBytes(transaction))`.
    public static func leafHash(_ transaction: SignedTransfer) -> Digest32 {
        Keccak256.hash([leafTag] + leafBytes(transaction))
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
