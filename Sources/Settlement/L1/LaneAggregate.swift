import ZK

/// The rule that ties a commitment's shielded lanes to one SnarkPack aggregate (docs/shielded.md,
/// "The lane on L1"): the arbiter accepts a commitment whose data holds lane transactions only
/// with an aggregate proving that every one of their spend proofs is valid, at a verification
/// cost of O(log N) pairings instead of N. Pure, so the arbiter, the proposer and validators
/// share it.
///
/// **Statements.** The lane transactions of all the commitment's batches, in data order (batch
/// by batch, each lane in its order). Statement i is transaction i's `statement.publicInputs`
/// under the spend circuit's verifying key; its proof is transaction i's `proof`.
///
/// **N.** SnarkPack aggregates a power of two (at least 2) of proofs: N is the least power of two
/// ≥ max(count, 2), and the statements are padded to N by repeating the last transaction's proof
/// and public inputs. Padding with copies is sound: each copy is a statement that is already
/// required to be proven (the last transaction's), so the aggregate proves nothing beyond "every
/// lane statement has a valid proof", and the verifier builds the padding itself from the lane,
/// so the prover cannot choose it. The count is bound by the data: a commitment carries at most
/// `BatchData.maxCommitmentBytes` (≈ 127 KB) and a lane transaction takes at least 715 bytes
/// (`ShieldedTransaction.baseSize`), so at most 181 lane transactions, N ≤ 256
/// (`maxProofCount`): an SRS for 256 proofs serves every commitment.
///
/// What the aggregate proves is that valid proofs exist for the statements; it does not have to
/// aggregate the very proof bytes in the data (anyone may rerandomize a Groth16 proof), and it
/// does not have to: the statements are what the data commits to.
public enum LaneAggregate {
    /// The largest N any commitment needs (see the type's description).
    public static let maxProofCount = 256
    /// log₂ `maxProofCount`.
    public static let maxLogProofCount = 8
    /// The size of the largest aggregate a commitment may carry (N = 256: 34,757 bytes): the L1
    /// transaction encoding refuses a longer one before reading it.
    public static let maxBytes = AggregateProof.byteCount(logProofCount: maxLogProofCount)

    /// N for `count` lane transactions (count ≥ 1): the least power of two ≥ max(count, 2).
    public static func proofCount(forLane count: Int) -> Int {
        var n = 2
        while n < count { n *= 2 }
        return n
    }

    /// The lane transactions of `batches`, in data order.
    public static func lane(of batches: [BatchData.Batch]) -> [ShieldedTransaction] {
        batches.flatMap(\.shielded)
    }

    /// The proofs and public inputs of `lane` padded to `proofCount(forLane:)` with copies of the
    /// last one.
    static func padded(_ lane: [ShieldedTransaction]) -> (proofs: [Groth16.Proof], inputs: [[Fr]]) {
        var proofs = lane.map(\.proof), inputs = lane.map(\.statement.publicInputs)
        let n = proofCount(forLane: lane.count)
        if let lastProof = proofs.last, let lastInputs = inputs.last {
            proofs += Array(repeating: lastProof, count: n - lane.count)
            inputs += Array(repeating: lastInputs, count: n - lane.count)
        }
        return (proofs, inputs)
    }

    /// The encoded aggregate of `lane`'s spend proofs (empty for an empty lane). Seconds of CPU
    /// at N = 256 (about 33 ms a proof); run it off latency-sensitive threads. The result
    /// verifies only if every proof does; the aggregation is deterministic.
    public static func aggregate(lane: [ShieldedTransaction], keys: LaneProverKeys) throws(LaneAggregateError) -> [UInt8] {
        guard !lane.isEmpty else { return [] }
        guard lane.count <= keys.verifier.maxLaneTransactions else {
            throw .tooMany(count: lane.count, max: keys.verifier.maxLaneTransactions)
        }
        let n = proofCount(forLane: lane.count)
        let (proofs, inputs) = padded(lane)
        guard let key = keys.proverKeys[n],
              let proof = SnarkPack.aggregate(key, keys.verifier.spendKey, proofs: proofs, publicInputs: inputs) else {
            throw .malformed("the lane's statements do not fit the spend circuit's key")
        }
        return proof.bytes
    }

    /// Checks that `bytes` is the aggregate the rule asks for `lane` (see the type's description),
    /// or throws why not: an aggregate without a lane or a lane without one, too many lane
    /// transactions for the keys, an aggregate over the size limit (checked before decoding), one
    /// that does not decode, one for another N, or one that does not verify for these statements
    /// in this order.
    public static func verify(_ bytes: [UInt8], lane: [ShieldedTransaction], keys: LaneVerifierKeys) throws(LaneAggregateError) {
        guard !lane.isEmpty else {
            guard bytes.isEmpty else { throw .unexpected(bytes: bytes.count) }
            return
        }
        guard !bytes.isEmpty else { throw .missing(laneCount: lane.count) }
        guard lane.count <= keys.maxLaneTransactions else { throw .tooMany(count: lane.count, max: keys.maxLaneTransactions) }
        guard bytes.count <= maxBytes else { throw .oversized(bytes: bytes.count, max: maxBytes) }
        let proof: AggregateProof
        do { proof = try AggregateProof(bytes: bytes) } catch { throw .malformed("\(error)") }
        let n = proofCount(forLane: lane.count)
        guard proof.proofCount == n else { throw .wrongProofCount(aggregated: proof.proofCount, expected: n) }
        guard let key = keys.verifierKeys[n],
              SnarkPack.verify(key, keys.prepared, proof, publicInputs: padded(lane).inputs) else {
            throw .invalid(laneCount: lane.count)
        }
    }
}

/// Why a commitment's aggregate does not satisfy `LaneAggregate`'s rule.
public enum LaneAggregateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The data holds lane transactions and no aggregate came with it.
    case missing(laneCount: Int)
    /// An aggregate came with data that holds no lane transaction.
    case unexpected(bytes: Int)
    /// More lane transactions than the keys serve.
    case tooMany(count: Int, max: Int)
    /// Longer than `LaneAggregate.maxBytes` (not decoded).
    case oversized(bytes: Int, max: Int)
    /// Not an `AggregateProof` encoding, or statements that do not fit the spend key.
    case malformed(String)
    /// An aggregate of another number of proofs than the lane's N.
    case wrongProofCount(aggregated: Int, expected: Int)
    /// Does not verify for the lane's statements in data order.
    case invalid(laneCount: Int)

    public var description: String {
        switch self {
        case .missing(let count): "the data holds \(count) shielded lane transactions but no aggregate of their spend proofs"
        case .unexpected(let bytes): "an aggregate (\(bytes) bytes) came with data that holds no shielded lane transaction"
        case .tooMany(let count, let max): "\(count) shielded lane transactions, more than the \(max) one aggregate serves"
        case .oversized(let bytes, let max): "the aggregate is \(bytes) bytes, more than \(max)"
        case .malformed(let why): "the aggregate is malformed: \(why)"
        case .wrongProofCount(let aggregated, let expected):
            "the aggregate is of \(aggregated) proofs, the lane needs \(expected)"
        case .invalid(let count): "the aggregate does not verify for the \(count) shielded lane statements of the data, in data order"
        }
    }
}
