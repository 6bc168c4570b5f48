/// The rules of the arbiter (the part of the rollup an L1 contract would enforce). Every party
/// replaying the same L1 chain must use the same configuration; `fingerprint` lets a shared
/// simulator refuse a replica configured differently.
public struct L1ArbiterConfig: Sendable, Hashable {
    /// The L2 genesis state root: the first commitment's `prevRoot` must equal it. nil accepts
    /// any first `prevRoot` (the first commitment is then trusted as the starting point).
    public var genesisRoot: Digest32?
    /// The first commitment's `firstBatch` (batch 0 is the genesis batch, never committed).
    public var firstBatch: UInt64
    /// The only account allowed to post commitments; nil lets anyone post (tests, demos).
    public var proposer: L1Address?
    /// The least bond a commitment must carry.
    public var minimumCommitmentBond: UInt256
    /// The least stake a validator registers with.
    public var minimumStake: UInt256
    /// How long (L1 time) requested unstakes stay locked before `withdrawStake`.
    public var unstakeDelayMs: UInt64
    /// How long (L1 time) after its block a commitment can be challenged. Kept for the challenge
    /// games (not wired yet); part of the fingerprint already so replicas agree on it.
    public var challengePeriodMs: UInt64

    /// Seven days in milliseconds (the design card's default challenge period and unstake delay).
    public static let sevenDaysMs: UInt64 = 7 * 24 * 3_600 * 1_000

    public init(genesisRoot: Digest32? = nil, firstBatch: UInt64 = 1, proposer: L1Address? = nil,
                minimumCommitmentBond: UInt256 = .zero, minimumStake: UInt256 = .one,
                unstakeDelayMs: UInt64 = sevenDaysMs, challengePeriodMs: UInt64 = sevenDaysMs) {
        self.genesisRoot = genesisRoot
        self.firstBatch = firstBatch
        self.proposer = proposer
        self.minimumCommitmentBond = minimumCommitmentBond
        self.minimumStake = minimumStake
        self.unstakeDelayMs = unstakeDelayMs
        self.challengePeriodMs = challengePeriodMs
    }

    /// keccak256 over every field (fixed-width, absent values as a 0 flag byte).
    public var fingerprint: Digest32 {
        var w = L1ByteWriter()
        w.bytes([1])
        if let genesisRoot { w.bytes([1]); w.digest(genesisRoot) } else { w.bytes([0]) }
        w.u64(firstBatch)
        if let proposer { w.bytes([1]); w.bytes(proposer.bytes) } else { w.bytes([0]) }
        w.amount(minimumCommitmentBond)
        w.amount(minimumStake)
        w.u64(unstakeDelayMs)
        w.u64(challengePeriodMs)
        return Keccak256.hash(w.out)
    }
}
