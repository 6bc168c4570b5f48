import Logging
import Settlement

/// The node's one revert sequence, after the ordered reset of a rollup node: whatever asked for
/// it (a lost game, a lost deposit), the chain is rolled back by this function alone, step by step.
extension SettlementNode {
    /// Reverts the chain from `fromBatch` on, in this order:
    /// 1. the deposit and inbox watchers are held (a pass under way finishes first), so none reads
    ///    the state while it is rolled back or hands over a deposit by a cursor about to be reset;
    /// 2. the engine suspends sequencing (its sealed batches made durable), reverts the store,
    ///    rolls its state back to batch `fromBatch − 1` and offers the reverted transfers again;
    /// 3. the watchers reset their cursors (and forget the credits of the undone batches): they
    ///    take deposits and inbox items again from the rolled-back bridge and inbox nonces, by the
    ///    L1's current record;
    /// 4. the finality engine notes it (a requested rollback it covers is done; posting resumes);
    /// 5. the engine sequences again, from the rolled-back state;
    /// 6. the watchers run again.
    /// Steps 3 and 4 run while sequencing is still suspended. On failure sequencing and the
    /// watchers resume as they were and the error is thrown (the finality engine retries).
    /// Leader only. Every call is recorded in `revertHistory`.
    @discardableResult
    public func revert(fromBatch: UInt64, cause: RevertCause) async throws -> ChainRevert {
        guard let d = l1Duties else { throw SubmitError.unavailable("the node is not started") }
        let index = reverts.withLock { r in
            r.append(RevertRecord(fromBatch: fromBatch, cause: cause))
            return r.count - 1
        }
        logger.warning("reverting the chain", metadata: ["from_batch": "\(fromBatch)", "cause": "\(cause)"])
        await gate.pause()
        note(index, .watchersSuspended)
        do {
            let revert = try await engine.revertChain(fromBatch: fromBatch, commitmentIndex: cause.commitmentIndex) { revert in
                self.note(index, .engineRolledBack(fromBatch: revert.fromBatch))
                d.deposits.chainReverted(fromBatch: revert.fromBatch)
                d.inbox.chainReverted(fromBatch: revert.fromBatch)
                self.note(index, .watchersReset)
                d.finality.chainReverted(fromBatch: revert.fromBatch)
                self.note(index, .finalityNoted)
            }
            note(index, .sequencingResumed)
            reverts.withLock { $0[index].revert = revert }
            await gate.resume()
            note(index, .watchersResumed)
            return revert
        } catch {
            reverts.withLock { $0[index].failure = "\(error)" }
            await gate.resume()
            note(index, .watchersResumed)
            throw error
        }
    }

    /// A follower applied another replica's revert (`SettlementEngine.onChainRevert`): its
    /// watchers, idle while it follows, forget their cursors and the undone credits.
    func followerReverted(fromBatch: UInt64) {
        guard let d = l1Duties else { return }
        d.deposits.chainReverted(fromBatch: fromBatch)
        d.inbox.chainReverted(fromBatch: fromBatch)
    }

    private func note(_ index: Int, _ step: RevertStep) {
        reverts.withLock { $0[index].steps.append(step) }
    }
}
