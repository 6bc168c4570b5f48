/// Interactive fraud proofs for the optimistic rollup: the pure logic that the L1 arbiter (the
/// simulator's, or a contract) and the parties run. No L1, no database, no clock: times are L1
/// block times given by the caller.
///
/// ## Pieces
///
/// - `AccountWitness`: an account with its Merkle proof; verifies against a root and computes the
///   root after the account changes, without the tree.
/// - `TransitionRules`: chain id, fee account, max fee — the constants of the state-transition
///   function, fixed per chain (the arbiter is built with the engine's values).
/// - `OneStepProof` / `OneStepVerifier`: one transaction, its agreed pre-root, the claimed
///   post-root and sequential witnesses (sender, recipient, fee account); the verifier re-executes
///   it by the engine's rules and returns the true post-root. An invalidly signed, wrong-chain or
///   over-fee transaction is *rejected, root unchanged* (the engine never sequences one, but a
///   dishonest proposer could post one in its data).
/// - `BatchTrace` / `CommitmentTrace`: the root after every transaction and every batch,
///   re-executed one transaction at a time with the engine's own `ValidationPipeline` and
///   `BatchExecutor` (what parties answer moves from).
/// - `ChallengeGame`: the bisection state machine the arbiter stores per game.
///
/// ## Protocol (what an L1 contract implements)
///
/// Steps. A commitment covers batches `firstBatch ... lastBatch` (B ≥ 1) from `prevRoot` (agreed:
/// the previous commitment's root) to `newRoot`. Its data lists each batch's transactions in
/// execution order; `n_b` is batch b's count. Batch-level step k is the root after the first k
/// batches; inside the disputed batch, step k is the root after its first k transactions. The root
/// after a batch equals the root after its last transaction (same final state).
///
/// 1. `openChallenge(commitment, claimedRoot, bond)` by a staked validator within the challenge
///    period, `claimedRoot ≠ newRoot`: the arbiter takes `[n_b]` (read from the data at posting) and creates
///    `FraudProof.openGame(...)` with the block's time. This is the challenger's first move.
/// 2. `bisect(game, midpointRoot)`: rounds of two moves at `mid = lo + (hi − lo) / 2`, proposer
///    first, then challenger. Same root → `lo = mid` (agreed there); different → `hi = mid` (the two
///    roots become the claims). A one-batch range opens that batch's transactions: `[0, n_b]`,
///    claims carried over. An empty disputed batch ends the game at once: its post-root must be
///    its pre-root.
/// 3. `proveOneStep(game, proof)` once one transaction is left (`disputedTransaction`): from
///    either side. The proof carries the transaction with its inclusion proof; the arbiter checks
///    that it leads to the commitment's data root at that position (`DataInclusionProof`, no data
///    needed) and calls `ChallengeGame.resolve(with:disputedTransaction:rules:atMs:)`: the proof
///    must start at the agreed root and verify; the proposer wins iff the computed
///    post-root is its claim. An invalid proof is reverted and changes nothing.
/// 4. `claimTimeout(game)`: a chess clock per side. Each side has `clockMs` (`fraud_proof_window`)
///    in total for all its moves; its clock runs while it is its turn (the proposer's during the
///    one-step phase). A side whose clock runs out on its turn has lost, and the other side may
///    claim the game. A game ends at most `2 · clockMs` after its opening.
///
/// Resolution (`L1Event.gameResolved`): the loser's bond/stake is slashed (a share to the
/// winner, the rest burned). A losing proposer's commitment and every later one are reverted.
/// Data that does not decode as the commitment's batches is a transition with no effect: a game
/// against it is decided at opening (`ChallengeGame.undecodableData`).
/// Finality is prefix-closed: a commitment is final only when its challenge period is over, no
/// game against it or an earlier commitment is open, and every earlier one is final
/// (`L1ArbiterState.isFinal`).
///
/// Game length: at most 2·(⌈log₂ B⌉ + ⌈log₂ max n_b⌉) bisection moves plus the proof, and at most
/// `2 · clockMs` of L1 time whatever the number of moves.
///
/// ```
///  Proposer                      Arbiter (L1)                         Challenger
///     │ postCommitment(c: prev→new, data, bond)                           │
///     │────────────────────────────►│  commitmentPosted                   │
///     │                             │◄────────────────────────────────────│ openChallenge(c, claimed ≠ new, bond)
///     │                             │  game [0,B], agreed prev,           │   (re-executed the data: CommitmentTrace)
///     │                             │  claims new / claimed; challengeOpened
///     │ bisect(root after B/2 batches)                                    │
///     │────────────────────────────►│  pending midpoint                   │
///     │                             │◄────────────────────────────────────│ bisect(its root after B/2 batches)
///     │                             │  equal → [B/2, B]; else → [0, B/2]  │
///     │            ... rounds until one batch b is left ...               │
///     │                             │  range → transactions [0, n_b] of b │
///     │            ... rounds until one transaction i is left ...         │
///     │                             │  oneStep(b, i), proposer's deadline │
///     │ proveOneStep(proof)  (or the challenger sends it)                 │
///     │────────────────────────────►│  tx at (b, i) under dataRoot? pre == agreed?
///     │                             │  OneStepVerifier → post-root        │
///     │                             │  post == proposer's claim ? proposer wins : challenger wins
///     │◄────────────────────────────│─────────────────────────────────────►│ gameResolved(winner, loser, slashed)
///     │                             │  (proposer lost: commitmentsReverted(from: c))
///     │    at any point: the mover's clock (clockMs in total) runs out → the other side's claimTimeout wins
/// ```
public enum FraudProof {
    /// The game for a challenge of `commitment` claiming `challengerRoot`, opened at `atMs`.
    /// `transactionCounts` are the counts of the commitment's batches, in order, from its data
    /// (`lastBatch - firstBatch + 1` of them).
    public static func openGame(against commitment: L1Commitment, challengerRoot: Digest32, transactionCounts: [Int],
                                clockMs: UInt64, atMs: UInt64) throws(FraudProofError) -> ChallengeGame {
        guard commitment.lastBatch >= commitment.firstBatch,
              UInt64(transactionCounts.count) == commitment.lastBatch - commitment.firstBatch + 1 else {
            throw .invalidMove("\(transactionCounts.count) transaction counts for batches \(commitment.firstBatch)...\(commitment.lastBatch)")
        }
        return try ChallengeGame(prevRoot: commitment.prevRoot, proposerRoot: commitment.newRoot, challengerRoot: challengerRoot,
                                 transactionCounts: transactionCounts, clockMs: clockMs, openedAtMs: atMs)
    }

    /// The L2 batch number and index of the transaction `game` waits a one-step proof for.
    public static func disputedTransaction(of game: ChallengeGame, in commitment: L1Commitment) -> (batch: UInt64, index: Int)? {
        game.disputedTransaction.map { (commitment.firstBatch + UInt64($0.batch), $0.index) }
    }
}
