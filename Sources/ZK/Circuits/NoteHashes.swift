/// The shielded pool's native hashes (docs/shielded.md), shared by the spend circuit, the wallet
/// and the engine so that all three compute the same values. All are circomlib's Poseidon.
public enum NoteHashes {
    /// The owner key `pk = H(sk)` of a spending key.
    public static func ownerKey(spendingKey sk: Fr) -> Fr { Poseidon.hash([sk]) }

    /// The commitment `cm = H(value, pk, ρ)` of a note.
    public static func commitment(value: UInt64, owner: Fr, randomness: Fr) -> Fr {
        commitment(fieldValue: Fr(value), owner: owner, randomness: randomness)
    }

    /// The same hash of a value that may be any field element: only for tests that show the
    /// spend circuit refuses a value of 2⁶⁴ or more.
    static func commitment(fieldValue value: Fr, owner: Fr, randomness: Fr) -> Fr {
        Poseidon.hash([value, owner, randomness])
    }

    /// The nullifier `nf = H(sk, cm, pos)` of the note with commitment `cm` at leaf `position`.
    public static func nullifier(spendingKey sk: Fr, commitment: Fr, position: UInt32) -> Fr {
        Poseidon.hash([sk, commitment, Fr(UInt64(position))])
    }
}
