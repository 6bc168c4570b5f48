import ZK

/// The public side of one spend proof: the nine public inputs of the spend circuit, in the
/// circuit's order (docs/shielded.md, "The spend circuit"). Everything the engine and the L1 check
/// about a shielded transaction, apart from the proof itself, is stated here.
public struct SpendStatement: Sendable, Hashable {
    /// The note-tree root the inputs are proven under (must be recent).
    public var root: Fr
    /// The inputs' nullifiers.
    public var nullifiers: [Fr]
    /// The outputs' commitments, appended to the note tree in this order.
    public var commitments: [Fr]
    /// Value entering the pool from a transparent account (a shield).
    public var publicIn: UInt64
    /// Value leaving the pool to a transparent account (an unshield).
    public var publicOut: UInt64
    /// The fee, paid to the batch's fee account.
    public var fee: UInt64
    /// The transaction's binding hash (`ShieldedTransaction.bindingHash`).
    public var binding: Fr

    /// Inputs and outputs per spend.
    public static let arity = 2
    /// The number of public inputs of the spend circuit.
    /// The number of public inputs of the spend circuit: root, 2 nullifiers, 2 commitments,
    /// publicIn, publicOut, fee, binding.
    public static let publicInputCount = 9

    public init(root: Fr, nullifiers: [Fr], commitments: [Fr], publicIn: UInt64, publicOut: UInt64, fee: UInt64,
                binding: Fr) {
        precondition(nullifiers.count == Self.arity && commitments.count == Self.arity, "2 in, 2 out")
        self.root = root
        self.nullifiers = nullifiers
        self.commitments = commitments
        self.publicIn = publicIn
        self.publicOut = publicOut
        self.fee = fee
        self.binding = binding
    }

    /// The public inputs in the circuit's order (snarkjs `public.json`). The three values are
    /// `UInt64`, so the range the verifier must check is implied by the type.
    public var publicInputs: [Fr] {
        [root] + nullifiers + commitments + [Fr(publicIn), Fr(publicOut), Fr(fee), binding]
    }

    /// keccak256 of the public inputs, each 32 bytes big-endian: what a shield's account signs.
    public var digest: Digest32 {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32 * Self.publicInputCount)
        for x in publicInputs { bytes += x.bigEndianBytes }
        return Keccak256.hash(bytes)
    }
}
