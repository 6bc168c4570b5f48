/// The size limit of a commitment's data, and exact and bounding sizes of its encoding, so that the
/// engine never builds data the arbiter refuses.
///
/// One commitment's data travels in **one** L1 transaction (as calldata), and Ethereum nodes do not
/// relay a transaction larger than 128 KiB. The limit leaves 1 KiB of that for the rest of the
/// posting transaction (its envelope, signature and the commitment's fields). The arbiter refuses
/// larger data; the engine keeps under it twice: the sequencer bounds each batch
/// (`maxEncodedBytes(of:)` summed within `maxBatchTransfersBytes`, see there for the shielded
/// lane) so any one batch fits alone, and the poster puts as many whole batches in a commitment as
/// fit (`Sizer`).
extension BatchData {
    /// The most data bytes one commitment may carry: 128 KiB, less 1 KiB for the rest of the L1
    /// transaction.
    public static let maxCommitmentBytes = 128 * 1024 - 1024

    /// The most bytes a one-batch encoding spends besides its transfers: version (1), chain id
    /// (≤ 10), salt (32), address count (≤ 3), batch count (1), batch number (≤ 10), transfer
    /// count (≤ 3).
    public static let maxSingleBatchOverhead = 1 + 10 + 32 + 3 + 1 + 10 + 3

    /// The budget for the transactions of one batch: a batch within it encodes, alone, in at most
    /// `maxCommitmentBytes`. What a batch spends of it is `maxEncodedBytes(of batch:)`: the sum of
    /// its transfers' `maxEncodedBytes(of:)`, and once its lane has a transaction, `maxLaneOverhead`
    /// plus the sum of the lane's `maxEncodedBytes(of:)`. A sequencer that takes transfers then
    /// lane transactions charges `maxLaneOverhead` with the first lane transaction it takes.
    public static let maxBatchTransfersBytes = maxCommitmentBytes - maxSingleBatchOverhead

    /// The most bytes a batch's shielded lane adds besides its transactions: the lane count (a
    /// varint of at most 2 bytes: a batch within `maxBatchTransfersBytes` has fewer than 2¹⁴ lane
    /// transactions). Data with a lane transaction is version 2, whose version byte is the same
    /// size, so a one-batch encoding with a lane spends at most `maxSingleBatchOverhead +
    /// maxLaneOverhead` besides its transactions.
    public static let maxLaneOverhead = 2

    /// An upper bound of the bytes `transaction` adds to a lane that holds it: its length varint
    /// and its canonical encoding (exact, as a lane transaction is written whole).
    public static func maxEncodedBytes(of transaction: ShieldedTransaction) -> Int {
        // What `encoded` writes, without building it.
        let size = ShieldedTransaction.baseSize - 2 * ShieldedTransaction.ciphertextSize
            + transaction.ciphertexts.reduce(0) { $0 + $1.count } + (transaction.shield.map { 20 + 8 + $0.signature.count } ?? 0)
            + (transaction.recipient != nil ? 20 : 0)
        return varintSize(UInt64(size)) + size
    }

    /// What `batch` spends of `maxBatchTransfersBytes`: its transfers' `maxEncodedBytes(of:)`, and
    /// for a non-empty lane `maxLaneOverhead` and its transactions' `maxEncodedBytes(of:)`. A batch
    /// with this at most `maxBatchTransfersBytes` encodes alone in at most `maxCommitmentBytes`.
    public static func maxEncodedBytes(of batch: Batch) -> Int {
        let transfers = batch.transfers.reduce(0) { $0 + maxEncodedBytes(of: $1) }
        guard !batch.shielded.isEmpty else { return transfers }
        return transfers + maxLaneOverhead + batch.shielded.reduce(0) { $0 + maxEncodedBytes(of: $1) }
    }

    /// An upper bound of the bytes `transfer` adds to data that holds it: its fields, with both of
    /// its addresses new to the address table (20 bytes each) and 3-byte address indices (data
    /// within the limit has fewer than 2²¹ addresses). Exact sizes are never larger.
    public static func maxEncodedBytes(of transfer: SignedTransfer) -> Int {
        let t = transfer.transfer
        return 2 * (3 + 20) + numberSize(t.value) + numberSize(t.fee) + varintSize(t.nonce)
            + (transfer.isL1Originated ? 0 : 65)
    }

    /// The exact size of `encode` over a growing list of batches, added one at a time (the
    /// poster adds batches while the size stays within `maxCommitmentBytes`). Mirrors `encode`:
    /// addresses are indexed in order of first use; from the first lane transaction on, the data
    /// is version 2 and every batch (earlier ones included) has its lane count.
    public struct Sizer: Sendable {
        private let domain: SigningDomain
        private var indices: [Address: UInt64] = [:]
        private var batchCount: UInt64 = 0
        private var body = 0
        /// Bytes of the lanes' count varints, of every batch so far (counted only in version 2).
        private var laneCountBytes = 0
        /// Bytes of the lanes' entries (length varint and encoding).
        private var laneBytes = 0
        private var hasLane = false

        public init(domain: SigningDomain) { self.domain = domain }

        /// The size of the encoding of the batches added so far.
        public var size: Int {
            let table = UInt64(indices.count)
            return 1 + varintSize(domain.chainId) + 32 + varintSize(table) + 20 * Int(table) + varintSize(batchCount) + body
                + (hasLane ? laneCountBytes + laneBytes : 0)
        }

        /// Adds `batch` (after the ones added before).
        public mutating func add(_ batch: Batch) {
            batchCount += 1
            body += varintSize(batch.number) + varintSize(UInt64(batch.transfers.count))
            for t in batch.transfers {
                body += varintSize(index(t.transfer.from)) + varintSize(index(t.transfer.to))
                body += numberSize(t.transfer.value) + numberSize(t.transfer.fee) + varintSize(t.transfer.nonce)
                body += t.isL1Originated ? 0 : 65
            }
            laneCountBytes += varintSize(UInt64(batch.shielded.count))
            for s in batch.shielded { laneBytes += maxEncodedBytes(of: s) }
            if !batch.shielded.isEmpty { hasLane = true }
        }

        private mutating func index(_ a: Address) -> UInt64 {
            if let i = indices[a] { return i }
            let i = UInt64(indices.count)
            indices[a] = i
            return i
        }
    }

    /// Bytes of `writeVarint(v)`.
    static func varintSize(_ v: UInt64) -> Int {
        var n = 1, v = v
        while v >= 0x80 { v >>= 7; n += 1 }
        return n
    }

    /// Bytes of `writeNumber(v)`: the length byte and the bytes below the highest non-zero one
    /// (from the limbs, without building the 32 bytes: the pool sizes every taken transfer).
    static func numberSize(_ v: UInt256) -> Int {
        func bytes(_ limb: UInt64) -> Int { (64 - limb.leadingZeroBitCount + 7) / 8 }
        if v.l3 != 0 { return 1 + 24 + bytes(v.l3) }
        if v.l2 != 0 { return 1 + 16 + bytes(v.l2) }
        if v.l1 != 0 { return 1 + 8 + bytes(v.l1) }
        return 1 + bytes(v.l0)
    }
}
