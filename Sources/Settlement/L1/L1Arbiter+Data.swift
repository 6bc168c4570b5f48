/// What the arbiter checks of a commitment's data: at posting, the data itself (size, decoding,
/// batches, data root); in a game, a disputed transaction's inclusion proof against the data root.
/// After posting the arbiter needs only `dataRoot` and the per-batch transaction counts.
extension L1Arbiter {
    /// The transaction counts of `data` as `c`'s data, or why it cannot be: it must fit in one L1
    /// transaction (`BatchData.maxCommitmentBytes`), decode as `BatchData` for the configured
    /// signing domain, hold exactly the batches `firstBatch...lastBatch` in order, and have `c.dataRoot` as its
    /// `BatchDataTree` root.
    ///
    /// Data that does not decode is refused here, where the arbiter holds all of it, so every
    /// posted commitment's data tree has only well-formed transactions (a transaction that breaks
    /// the rules is still a valid leaf: its execution is a rejection, judged by the one-step
    /// proof). That keeps every posted commitment challengeable without the data.
    func checkData(_ data: [UInt8], for c: L1Commitment) -> Result<[Int], Revert> {
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
        let tree = BatchDataTree(batches: decoded.batches.map(\.transfers))
        guard tree.dataRoot(domain: decoded.domain, firstBatch: c.firstBatch) == c.dataRoot else {
            return .failure(Revert("dataRoot does not match the Merkle root of the data's transactions"))
        }
        return .success(tree.transactionCounts)
    }

    /// The transaction of `proof` once its inclusion proof shows it at the disputed position —
    /// transaction `index` of batch `batch` (0-based in the commitment) — of `posted`'s data root.
    static func disputedTransaction(of proof: OneStepProof, batch: Int, index: Int, in posted: L1ArbiterState.PostedCommitment,
                                    domain: SigningDomain) throws(FraudProofError) -> SignedTransfer {
        guard let counts = posted.transactionCounts, counts.indices.contains(batch), (0 ..< counts[batch]).contains(index) else {
            throw .invalidMove("the data has no transaction \(index) in batch \(batch)")
        }
        let position = counts[..<batch].reduce(0, +) + index
        guard proof.inclusion.position == position else { throw .wrongTransaction }
        let root = proof.inclusion.dataRoot(of: proof.transaction, domain: domain, firstBatch: posted.commitment.firstBatch,
                                            transactionCounts: counts)
        guard root == posted.commitment.dataRoot else { throw .notInCommittedData(position: position) }
        return proof.transaction
    }
}
