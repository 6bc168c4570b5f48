import ZK

/// The canonical bytes of a shielded transaction: what the client submits, what the batch data on
/// the L1 carries and what its id hashes. Fixed layout, big-endian, no length fields:
///
/// ```
/// kind         1     1 shield, 2 transfer, 3 unshield
/// root         32    field elements are canonical (< r)
/// nullifiers   2×32
/// commitments  2×32
/// publicIn     8
/// publicOut    8
/// fee          8
/// binding      32
/// proof        256   A (64) ‖ B (128) ‖ C (64), EIP-196/197; on the curve, B in G2
/// ciphertexts  2×121
/// shield:      from 20 ‖ nonce 8 ‖ signature 65      (808 bytes in all)
/// unshield:    recipient 20                          (735 bytes in all)
/// transfer:    nothing                               (715 bytes in all)
/// ```
///
/// Decoding is strict (exact length for the kind, canonical field elements, checked points), so
/// every transaction has exactly one encoding and its id is well defined.
extension ShieldedTransaction {
    /// Bytes common to every kind.
    public static let baseSize = 1 + 32 + 2 * 32 + 2 * 32 + 3 * 8 + 32 + 256 + 2 * ciphertextSize
    /// The largest encoding (a shield).
    public static let maxSize = baseSize + 20 + 8 + 65

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.maxSize)
        out.append(kind.rawValue)
        out += statement.root.bigEndianBytes
        for x in statement.nullifiers + statement.commitments { out += x.bigEndianBytes }
        out.appendBigEndian(statement.publicIn)
        out.appendBigEndian(statement.publicOut)
        out.appendBigEndian(statement.fee)
        out += statement.binding.bigEndianBytes
        out += proof.calldata
        for c in ciphertexts { out += c }
        if let shield {
            out += shield.from.bytes
            out.appendBigEndian(shield.nonce)
            out += shield.signature
        }
        if let recipient { out += recipient.bytes }
        return out
    }

    /// The transaction id: keccak256 of the canonical encoding without the proof's 256 bytes.
    /// Anyone can rerandomize a Groth16 proof (`Groth16.rerandomize`) into another valid one, so an
    /// id over the proof could be changed by whoever relays the transaction; without it, the id
    /// names the statement and its parties, and the nullifiers let only one proof of it in.
    public var id: Digest32 {
        var bytes = encoded
        let proofStart = 1 + 32 * 5 + 3 * 8 + 32
        bytes.removeSubrange(proofStart ..< proofStart + 256)
        return Keccak256.hash(bytes)
    }

    /// Decodes the canonical encoding; throws `.malformed` naming the first field that is wrong.
    public init(encoded bytes: [UInt8]) throws(ShieldedRefusal) {
        guard bytes.count <= Self.maxSize else { throw .malformed("\(bytes.count) bytes, at most \(Self.maxSize)") }
        var r = Reader(wire: WireReader(bytes, what: "shielded transaction"))
        guard let kind = Kind(rawValue: try r.uint8("kind")) else { throw .malformed("unknown kind") }
        let root = try r.field("root")
        let nullifiers = [try r.field("nullifier 0"), try r.field("nullifier 1")]
        let commitments = [try r.field("commitment 0"), try r.field("commitment 1")]
        let publicIn = try r.uint64("publicIn")
        let publicOut = try r.uint64("publicOut")
        let fee = try r.uint64("fee")
        let binding = try r.field("binding")
        let proofBytes = try r.take(256, "proof")
        let proof: Groth16.Proof
        do { proof = try Groth16.Proof(calldata: proofBytes) } catch { throw .malformed("proof: \(error)") }
        let ciphertexts = [Array(try r.take(Self.ciphertextSize, "ciphertext 0")),
                           Array(try r.take(Self.ciphertextSize, "ciphertext 1"))]
        var shield: ShieldAuthorization?
        var recipient: Address?
        switch kind {
        case .shield:
            shield = ShieldAuthorization(from: try r.address("from"),
                                         nonce: try r.uint64("nonce"),
                                         signature: Array(try r.take(65, "signature")))
        case .unshield: recipient = try r.address("recipient")
        case .transfer: break
        }
        try r.finish()
        self.init(kind: kind,
                  statement: SpendStatement(root: root, nullifiers: nullifiers, commitments: commitments,
                                            publicIn: publicIn, publicOut: publicOut, fee: fee, binding: binding),
                  proof: proof, ciphertexts: ciphertexts, shield: shield, recipient: recipient)
    }

    /// `WireReader` with its errors as `ShieldedRefusal.malformed`, plus canonical field elements.
    private struct Reader {
        var wire: WireReader

        private mutating func convert<T>(_ body: (inout WireReader) throws(FraudProofError) -> T) throws(ShieldedRefusal) -> T {
            do { return try body(&wire) } catch {
                if case .malformed(let why) = error { throw .malformed(why) }
                throw .malformed("\(error)")
            }
        }

        mutating func uint8(_ name: String) throws(ShieldedRefusal) -> UInt8 {
            try convert { (w: inout WireReader) throws(FraudProofError) in try w.uint8(name) }
        }

        mutating func uint64(_ name: String) throws(ShieldedRefusal) -> UInt64 {
            try convert { (w: inout WireReader) throws(FraudProofError) in try w.uint64(name) }
        }

        mutating func take(_ n: Int, _ name: String) throws(ShieldedRefusal) -> ArraySlice<UInt8> {
            try convert { (w: inout WireReader) throws(FraudProofError) in try w.take(n, name) }
        }

        mutating func address(_ name: String) throws(ShieldedRefusal) -> Address {
            try convert { (w: inout WireReader) throws(FraudProofError) in try w.address(name) }
        }

        mutating func finish() throws(ShieldedRefusal) {
            try convert { (w: inout WireReader) throws(FraudProofError) in try w.finish() }
        }

        mutating func field(_ name: String) throws(ShieldedRefusal) -> Fr {
            guard let x = Fr(bigEndian: try take(32, name)) else { throw .malformed("\(name) is not below r") }
            return x
        }
    }
}
