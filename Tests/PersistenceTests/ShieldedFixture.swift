import Foundation
import Settlement
import ZK

/// Shielded lanes for store tests, without proving: transactions with valid curve points for a
/// proof (not a valid proof: the store never verifies), distinct nullifiers and commitments, and
/// the effects an engine would record for the accepted ones (roots are stand-ins: the store keeps
/// what it is given).
struct ShieldedFixture {
    static let proof = Groth16.Proof(a: BN254G1.generator, b: BN254G2.generator, c: BN254G1.generator)
    /// The next leaf position.
    var notes: UInt64 = 0
    /// Makes every value unique.
    var counter: UInt64 = 0

    /// A shielded transfer with fresh nullifiers and commitments.
    mutating func transaction() -> ShieldedTransaction {
        counter += 1
        let k = counter * 10
        let statement = SpendStatement(root: Fr(7), nullifiers: [Fr(k + 1), Fr(k + 2)], commitments: [Fr(k + 3), Fr(k + 4)],
                                       publicIn: 0, publicOut: 0, fee: 1, binding: Fr(k + 5))
        let cts = [[UInt8](repeating: UInt8(truncatingIfNeeded: k), count: ShieldedTransaction.ciphertextSize),
                   [UInt8](repeating: UInt8(truncatingIfNeeded: k + 1), count: ShieldedTransaction.ciphertextSize)]
        return ShieldedTransaction(kind: .transfer, statement: statement, proof: Self.proof, ciphertexts: cts)
    }

    /// A lane of `accepted` accepted transactions then `rejected` refused ones, and the effects
    /// of the accepted ones (nil when none).
    mutating func lane(accepted: Int, rejected: Int = 0) -> ([ExecutedShielded], ShieldedBatchEffects?) {
        var lane: [ExecutedShielded] = []
        var nullifiers: [Fr] = []
        var appended: [AppendedNote] = []
        for i in 0..<(accepted + rejected) {
            let tx = transaction()
            let ok = i < accepted
            lane.append(ExecutedShielded(tx: tx, id: tx.id, accepted: ok, reason: ok ? "" : "a nullifier is already spent",
                                         receivedAt: .now))
            guard ok else { continue }
            nullifiers += tx.statement.nullifiers
            for (c, ct) in zip(tx.statement.commitments, tx.ciphertexts) {
                appended.append(AppendedNote(position: notes, commitment: c, ciphertext: ct))
                notes += 1
            }
        }
        guard accepted > 0 else { return (lane, nil) }
        let roots = ShieldedRoots(noteRoot: Fr(1_000_000 + notes), noteCount: Int(notes),
                                  nullifierRoot: Keccak256.hash(utf8: "nullifiers \(notes)"))
        return (lane, ShieldedBatchEffects(nullifiers: nullifiers, notes: appended, rootsAfter: roots))
    }
}

extension StoreTestChain {
    /// The next batch: `transfers` transparent transactions, then a shielded lane.
    mutating func makeBatch(transfers: Int, lane: ([ExecutedShielded], ShieldedBatchEffects?)) -> SealedBatch {
        let b = makeBatch(count: transfers)
        return SealedBatch(number: b.number, prevRoot: b.prevRoot, newRoot: b.newRoot, createdAtMs: b.createdAtMs,
                           transactions: b.transactions, diff: b.diff, term: b.term, accountCount: b.accountCount,
                           shielded: lane.0, shieldedEffects: lane.1)
    }
}
