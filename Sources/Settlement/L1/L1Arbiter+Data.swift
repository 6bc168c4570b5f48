/// What the arbiter checks of a commitment's data: at posting, the data itself (size, decoding,
/// batches, data root); in a game, a disputed transaction's inclusion proof against the data root.
/// After posting the arbiter needs only `dataRoot` and the per-batch transfer and lane counts.
extension L1Arbiter {
    /// The per-batch layout of a commitment's data that its games need: transfers and shielded
    /// lane transactions per batch (what fixes the data tree's positions and root).
    struct DataLayout: Sendable, Equatable {
        let transactionCounts: [Int]
        let shieldedCounts: [Int]
    }

    /// `checkLayout`'s transfer counts (what posting records as `transactionCounts`; the lane
    /// counts are recorded by `PostedCommitment` from the same data).
    func checkData(_ data: [UInt8], for c: L1Commitment) -> Result<[Int], Revert> {
        checkLayout(data, for: c).map(\.transactionCounts)
    }

    /// The transfer and lane counts of `data` as `c`'s data, or why it cannot be: it must fit in
    /// one L1 transaction (`BatchData.maxCommitmentBytes`), decode as `BatchData` (version 1, or 2
    /// with a shielded lane) for the configured signing domain, hold exactly the batches
    /// `firstBatch...lastBatch` in order, and have `c.dataRoot` as its `BatchDataTree` root (lane
    /// leaves included).
    ///
    /// Data that does not decode is refused here, where the arbiter holds all of it, so every
    /// posted commitment's data tree has only well-formed transactions (a transaction that breaks
    /// the rules is still a valid leaf: its execution is a rejection, judged by the one-step
    /// proof). That keeps every posted commitment challengeable without the data.
    func checkLayout(_ data: [UInt8], for c: L1Commitment) -> Result<DataLayout, Revert> {
        guard data.count <= BatchData.maxCommitmentBytes else {
            return .failure(Revert("commitment data of \(data.count) bytes exceeds the limit of one L1 transaction, \(BatchData.maxCommitmentBytes) bytes: split it over several commitments"))
        }
        let decoded: (domain: SigningDomain, batches: [BatchData.Batch])
        do { decoded = try BatchData.decode(data) } catch { return .failure(Revert("the data does not decode: \(error)")) }
        guard decoded.domain == config.rules.domain else {
            return .failure(Revert("the data is for \(decoded.domain), not \(config.rules.domain)"))
        }
        guard UInt64(decoded.batches.count) == c.lastBatch - c.firstBatch + 1,
              decoded.batches.enumerated().allSatisfy({ $0.element.number == c.firstBatch + UInt64($0.offset) }) else {
            return .failure(Revert("the data's batches \(decoded.batches.map(\.number)) are not \(c.firstBatch)...\(c.lastBatch)"))
        }
        let tree = BatchDataTree(decoded.batches)
        guard tree.dataRoot(domain: decoded.domain, firstBatch: c.firstBatch) == c.dataRoot else {
            return .failure(Revert("dataRoot does not match the Merkle root of the data's transactions"))
        }
        return .success(DataLayout(transactionCounts: tree.transactionCounts, shieldedCounts: tree.shieldedCounts))
    }

    /// The transaction of `proof` once its inclusion proof shows it at the disputed position —
    /// transaction `index` of batch `batch` (0-based in the commitment) — of `posted`'s data root.
    static func disputedTransaction(of proof: OneStepProof, batch: Int, index: Int, in posted: L1ArbiterState.PostedCommitment,
                                    domain: SigningDomain) throws(FraudProofError) -> SignedTransfer {
        guard let counts = posted.transactionCounts, counts.indices.contains(batch) else {
            throw .invalidMove("the data has no batch \(batch)")
        }
        // The game's steps in a batch are its transfers, then its lane. A lane step has no
        // one-step proof yet (docs/shielded.md): nobody can prove it, so the proposer's clock
        // decides such a game. That is why a production engine refuses the lane.
        let laneCount = posted.shieldedCounts.map { $0.indices.contains(batch) ? $0[batch] : 0 } ?? 0
        if index >= counts[batch] && index < counts[batch] + laneCount {
            throw .invalidMove("step \(index) of batch \(batch) is shielded transaction \(index - counts[batch]) of its lane, "
                               + "whose one-step proof is not supported yet")
        }
        guard (0 ..< counts[batch]).contains(index) else {
            throw .invalidMove("the data has no transaction \(index) in batch \(batch)")
        }
        let lanes = posted.shieldedCounts ?? []
        let position = BatchDataTree.position(batch: batch, index: index, transactionCounts: counts, shieldedCounts: lanes)
        guard proof.inclusion.position == position else { throw .wrongTransaction }
        let root = proof.inclusion.dataRoot(of: proof.transaction, domain: domain, firstBatch: posted.commitment.firstBatch,
                                            transactionCounts: counts, shieldedCounts: lanes)
        guard root == posted.commitment.dataRoot else { throw .notInCommittedData(position: position) }
        return proof.transaction
    }
}
