import ZK

/// The deterministic byte encoding of a `OneStepProof` (the `proof` of the L1 call
/// `proveOneStep`). All integers big-endian:
///
/// ```
/// version        1      1
/// from           20
/// to             20
/// value          32
/// fee            32
/// nonce          8
/// chain id       8
/// salt           32     the signing domain's deployment salt
/// signature      65     r ‖ s ‖ v; absent (0 bytes) when `from` is `Address.bridge` (a deposit)
///                       or `Address.inbox` (an inbox marker)
/// position       4      the transaction's position in the commitment's data tree
/// sibling count  1      ≤ BatchDataTree.maxDepth
/// siblings       32·d   the inclusion path, leaf level first
/// pre-root       32
/// claimed root   32
/// pool flag      1      0: the shielded pool is empty (the roots are account roots); 1: then
///   account root 32     the account tree's root before the transaction,
///   note root    32     the note tree's root (a field element below r),
///   nullifier    32     the nullifier set's root; together not the empty pool's
/// witness count  1      0 ... 3 (0 ... 4 for an inbox marker: the inbox, then its transfer's)
/// per witness:
///   account      40     balance (32) ‖ nonce (8); all zero when absent
///   proof length 2      ≤ OneStepProof.maxMerkleProofSize
///   proof        n      MerkleProof.serialized
/// ```
///
/// Decoding is strict: the total size is bounded before anything is read, every length is checked
/// against what is left before it is used, the Merkle proofs decode strictly, and no byte may
/// follow. Each proof has exactly one encoding.
extension OneStepProof {
    /// The encoding's version byte.
    public static let encodingVersion: UInt8 = 3
    /// Size of the fixed part (everything but the inclusion path and the witnesses), at most (a
    /// deposit has 65 fewer).
    static let fixedSize = 1 + 20 + 20 + 32 + 32 + 8 + 8 + 32 + 65 + 4 + 1 + 32 + 32 + 1 + 1
    /// Largest `MerkleProof.serialized`: header, full bitmap, 256 siblings, an other leaf.
    public static let maxMerkleProofSize = 3 + 32 + 32 * MerkleProof.maxDepth + 60
    /// Largest valid encoding (the deepest inclusion path, four witnesses of the largest proofs,
    /// an inbox marker's): about 34 KB, whatever the size of the commitment's data.
    public static let maxEncodedSize = fixedSize + 96 + 32 * BatchDataTree.maxDepth
        + 4 * (Account.encodedSize + 2 + maxMerkleProofSize)

    /// The canonical encoding. Precondition: the signature is 65 bytes (none for a deposit) and
    /// there are at most three witnesses (as `make` produces; a decoded proof always satisfies it).
    public var serialized: [UInt8] {
        precondition(transaction.signature.count == (transaction.isL1Originated ? 0 : 65)
                        && witnesses.count <= (transaction.isInboxMarker ? 4 : 3)
                        && inclusion.siblings.count <= BatchDataTree.maxDepth && UInt32(exactly: inclusion.position) != nil,
                     "one-step proof outside the encodable shape")
        var out: [UInt8] = []
        out.reserveCapacity(Self.fixedSize + 32 * inclusion.siblings.count + witnesses.reduce(0) { $0 + 42 + 3 + 32 * $1.proof.depth + 92 })
        let t = transaction.transfer
        out.append(Self.encodingVersion)
        out.append(contentsOf: t.from.bytes)
        out.append(contentsOf: t.to.bytes)
        out.append(contentsOf: t.value.bigEndianBytes)
        out.append(contentsOf: t.fee.bigEndianBytes)
        out.appendBigEndian(t.nonce)
        out.appendBigEndian(transaction.chainId)
        out.append(contentsOf: transaction.domain.salt.bytes)
        out.append(contentsOf: transaction.signature)
        out.appendBigEndian(UInt32(inclusion.position))
        out.append(UInt8(inclusion.siblings.count))
        for s in inclusion.siblings { out.append(contentsOf: s.bytes) }
        out.append(contentsOf: preRoot.bytes)
        out.append(contentsOf: claimedPostRoot.bytes)
        if let pool {
            out.append(1)
            out.append(contentsOf: pool.accountRoot.bytes)
            out.append(contentsOf: pool.noteRoot.bigEndianBytes)
            out.append(contentsOf: pool.nullifierRoot.bytes)
        } else {
            out.append(0)
        }
        out.append(UInt8(witnesses.count))
        for w in witnesses {
            let proof = w.proof.serialized
            out.append(contentsOf: w.account.encoded)
            out.appendBigEndian(UInt16(proof.count))
            out.append(contentsOf: proof)
        }
        return out
    }

    /// Decodes `serialized`, strictly (see the encoding above).
    public init(serialized bytes: [UInt8]) throws(FraudProofError) {
        var r = WireReader(bytes, what: "one-step proof")
        guard bytes.count <= Self.maxEncodedSize else { throw r.fail("\(bytes.count) bytes, at most \(Self.maxEncodedSize)") }
        let version = try r.uint8("version")
        guard version == Self.encodingVersion else { throw r.fail("unknown version \(version)") }
        let from = try r.address("from")
        let to = try r.address("to")
        let value = try r.uint256("value")
        let fee = try r.uint256("fee")
        let nonce = try r.uint64("nonce")
        let domain = SigningDomain(chainId: try r.uint64("chain id"), salt: try r.digest("salt"))
        let signature = from == .bridge || from == .inbox ? [] : Array(try r.take(65, "signature"))
        let position = Int(try r.uint32("position"))
        let depth = Int(try r.uint8("sibling count"))
        guard depth <= BatchDataTree.maxDepth else { throw r.fail("\(depth) siblings, at most \(BatchDataTree.maxDepth)") }
        var siblings: [Digest32] = []
        siblings.reserveCapacity(depth)
        for i in 0 ..< depth { siblings.append(try r.digest("sibling \(i)")) }
        let preRoot = try r.digest("pre-root")
        let claimed = try r.digest("claimed root")
        let pool: PoolContext?
        switch try r.uint8("pool flag") {
        case 0: pool = nil
        case 1:
            let accountRoot = try r.digest("account root")
            guard let noteRoot = Fr(bigEndian: try r.digest("note root").bytes) else {
                throw r.fail("note root is not a field element")
            }
            let context = PoolContext(accountRoot: accountRoot, noteRoot: noteRoot, nullifierRoot: try r.digest("nullifier root"))
            // One encoding per fact: an empty pool is written as flag 0.
            guard !context.roots.isEmpty else { throw r.fail("pool roots of the empty pool") }
            pool = context
        case let flag: throw r.fail("pool flag \(flag)")
        }
        let count = Int(try r.uint8("witness count"))
        let most = from == .inbox ? 4 : 3
        guard count <= most else { throw r.fail("\(count) witnesses, at most \(most)") }
        var witnesses: [AccountWitness] = []
        witnesses.reserveCapacity(count)
        for i in 0 ..< count {
            let account = Account(encoded: try r.take(Account.encodedSize, "witness \(i) account"))!
            let length = Int(try r.uint16("witness \(i) proof length"))
            guard length <= Self.maxMerkleProofSize else { throw r.fail("witness \(i) proof of \(length) bytes") }
            let proofBytes = Array(try r.take(length, "witness \(i) proof"))
            let proof: MerkleProof
            do { proof = try MerkleProof(serialized: proofBytes) } catch { throw r.fail("witness \(i): \(error)") }
            witnesses.append(AccountWitness(account: account, proof: proof))
        }
        try r.finish()
        let transfer = Transfer(from: from, to: to, value: value, fee: fee, nonce: nonce)
        self.init(transaction: SignedTransfer(transfer: transfer, domain: domain, signature: signature),
                  inclusion: DataInclusionProof(position: position, siblings: siblings), preRoot: preRoot, claimedPostRoot: claimed,
                  pool: pool, witnesses: witnesses)
    }
}
