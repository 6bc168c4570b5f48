/// The size limit of a commitment's data, and exact and bounding sizes of its encoding, so that the
/// engine never builds data the arbiter refuses.
///
/// One commitment's data travels in **one** L1 transaction (as calldata), and Ethereum nodes do not
/// relay a transaction larger than 128 KiB. The limit leaves 1 KiB of that for the rest of the
/// posting transaction (its envelope, signature and the commitment's fields). The arbiter refuses
/// larger data; the engine keeps under it twice: the sequencer bounds each batch
/// (`maxEncodedBytes(of:)` summed within `maxBatchTransfersBytes`) so any one batch fits alone,
/// and the poster puts as many whole batches in a commitment as fit (`Sizer`).
extension BatchData {
    /// The most data bytes one commitment may carry: 128 KiB, less 1 KiB for the rest of the L1
    /// transaction.
    public static let maxCommitmentBytes = 128 * 1024 - 1024

    /// The most bytes a one-batch encoding spends besides its transfers: version (1), chain id
    /// (≤ 10), salt (32), address count (≤ 3), batch count (1), batch number (≤ 10), transfer
    /// count (≤ 3).
    public static let maxSingleBatchOverhead = 1 + 10 + 32 + 3 + 1 + 10 + 3

    /// The budget for the transfers of one batch (the sum of their `maxEncodedBytes(of:)`): a batch
    /// within it encodes, alone, in at most `maxCommitmentBytes`.
    public static let maxBatchTransfersBytes = maxCommitmentBytes - maxSingleBatchOverhead

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
    /// addresses are indexed in order of first use.
    public struct Sizer: Sendable {
        private let domain: SigningDomain
        private var indices: [Address: UInt64] = [:]
        private var batchCount: UInt64 = 0
        private var body = 0

        public init(domain: SigningDomain) { self.domain = domain }

        /// The size of the encoding of the batches added so far.
        public var size: Int {
            let table = UInt64(indices.count)
            return 1 + varintSize(domain.chainId) + 32 + varintSize(table) + 20 * Int(table) + varintSize(batchCount) + body
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
