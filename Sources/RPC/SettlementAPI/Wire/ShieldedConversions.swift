import GRPC
import Settlement
import ZK

// The shielded pool's wire forms: field elements as 32 big-endian bytes below r.

extension SettlementV1.Validate {
    /// A field element: exactly 32 big-endian bytes, below the scalar field's modulus r (a
    /// non-canonical encoding would name the same element twice).
    public static func fieldElement(_ bytes: [UInt8], field: String) throws(RPCError) -> Fr {
        guard let value = Fr(bigEndian: try exactly(32, bytes, field: field)) else {
            throw RPCError(.invalidArgument, "field \(field) is not a field element (it is not below r)")
        }
        return value
    }
}

extension SettlementV1.SubmitShieldedRequest {
    /// The transaction, after checking the size (at most `ShieldedTransaction.maxSize` bytes)
    /// and decoding it; a failure is INVALID_ARGUMENT with the decoder's reason.
    public func shieldedTransaction() throws(RPCError) -> ShieldedTransaction {
        guard transaction.count <= ShieldedTransaction.maxSize else {
            throw RPCError(.invalidArgument,
                           "field transaction must be at most \(ShieldedTransaction.maxSize) bytes, got \(transaction.count)")
        }
        do { return try ShieldedTransaction(encoded: transaction) } catch {
            throw RPCError(.invalidArgument, "field transaction: \(error)")
        }
    }
}

extension SettlementV1.ShieldedState {
    /// The engine's head as the wire message.
    public init(_ head: ShieldedHead, accepts: Bool, minimumFee: UInt64) {
        self.init(batch: head.batch, noteRoot: head.roots.noteRoot.bigEndianBytes, noteCount: UInt64(head.roots.noteCount),
                  nullifierRoot: head.roots.nullifierRoot.bytes, recentRoots: head.recentRoots.map(\.bigEndianBytes),
                  acceptsShielded: accepts, minimumFee: accepts ? minimumFee : 0)
    }
}

extension SettlementV1.ShieldedNote {
    /// A stored note as the wire message.
    public init(_ note: StoredNote) {
        self.init(position: note.position, commitment: note.commitment.bigEndianBytes, ciphertext: note.ciphertext,
                  batch: note.batch)
    }
}

extension SettlementV1.ShieldedNotes {
    /// One page from a store read that asked for at most `limit` notes from `expectedFrom`;
    /// a store answer out of order or too long is an internal error, not a page a wallet would
    /// misplace in its tree.
    init(notes: [StoredNote], expectedFrom: UInt64, limit: Int) throws(RPCError) {
        guard notes.count <= limit else { throw RPCError(.internal, "the store returned more notes than asked") }
        for (i, note) in notes.enumerated() where note.position != expectedFrom + UInt64(i) {
            throw RPCError(.internal, "the store returned note \(note.position) where \(expectedFrom + UInt64(i)) was due")
        }
        self.init(notes: notes.map(SettlementV1.ShieldedNote.init), end: false)
    }
}
