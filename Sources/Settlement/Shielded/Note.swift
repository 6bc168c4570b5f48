import ZK

/// A shielded note: `value` owned by the owner key `owner`, with the randomness `ρ` that hides
/// both in its commitment (docs/shielded.md, "Notes, commitments, nullifiers").
public struct Note: Hashable, Sendable {
    /// The amount.
    public let value: UInt64
    /// The owner key `pk` of the recipient.
    public let owner: Fr
    /// The randomness `ρ`.
    public let randomness: Fr

    public init(value: UInt64, owner: Fr, randomness: Fr) {
        self.value = value
        self.owner = owner
        self.randomness = randomness
    }

    /// A note of `value` to `address` with fresh randomness from the system's cryptographic
    /// generator.
    public init(value: UInt64, to address: ShieldedAddress) {
        self.init(value: value, owner: address.ownerKey, randomness: Fr.random())
    }

    /// The commitment `cm = H(value, pk, ρ)`: what the note tree holds.
    public var commitment: Fr { NoteHashes.commitment(value: value, owner: owner, randomness: randomness) }

    /// The nullifier `nf = H(sk, cm, pos)` of this note at leaf `position` of the note tree, or
    /// nil when `spendingKey` does not own the note (its nullifier would prove nothing: no spend
    /// circuit accepts it).
    public func nullifier(spendingKey: SpendingKey, position: UInt32) -> Fr? {
        guard spendingKey.ownerKey == owner else { return nil }
        return NoteHashes.nullifier(spendingKey: spendingKey.value, commitment: commitment, position: position)
    }
}
