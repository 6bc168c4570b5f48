extension L1Arbiter {
    /// `claimWithdrawal`: pays the recipient what its exit account holds beyond what it already
    /// claimed, proven against a final commitment's root (see `Withdrawals`).
    mutating func claimWithdrawal(_ bytes: [UInt8], at nowMs: UInt64) -> Result<[L1Event], Revert> {
        let claim: WithdrawalProof
        do { claim = try WithdrawalProof(serialized: bytes) } catch { return .failure(Revert("\(error)")) }
        let index = claim.commitmentIndex
        guard index < UInt64(state.commitments.count) else {
            return .failure(Revert("commitment \(index) does not exist"))
        }
        let posted = state.commitments[Int(index)]
        guard !posted.reverted else { return .failure(Revert("commitment \(index) was reverted: its root proves nothing")) }
        guard state.isFinal(index, atMs: nowMs, challengePeriodMs: config.challengePeriodMs) else {
            return .failure(Revert("commitment \(index) is not final yet (challenge period or an open game)"))
        }
        let exit = Withdrawals.exitAddress(for: claim.recipient, in: config.rules.domain)
        guard claim.proof.isInclusion,
              verifyProof(claim.proof, root: posted.commitment.newRoot, address: exit, account: claim.exitAccount) else {
            return .failure(Revert("the proof of exit account \(exit) does not verify against commitment \(index)'s root"))
        }
        let already = state.withdrawn[claim.recipient] ?? .zero
        guard claim.exitAccount.balance > already else {
            return .failure(Revert("nothing to claim: \(already) already withdrawn to \(claim.recipient)"))
        }
        let (amount, _) = claim.exitAccount.balance.subtractingReportingOverflow(already)
        // Never beyond what the bridge holds (deposits plus the genesis backing, less what was
        // withdrawn): unbacked L2 balances cannot be paid out of other people's deposits.
        let holds = state.bridgeBalance(genesisBacking: config.genesisBacking)
        guard amount <= holds, let total = state.totalWithdrawn.checkedAdd(amount) else {
            return .failure(Revert("claim of \(amount) exceeds what the bridge holds (\(holds))"))
        }
        state.withdrawn[claim.recipient] = claim.exitAccount.balance
        state.totalWithdrawn = total
        return .success([.withdrawalClaimed(l2Sender: exit, l1Recipient: claim.recipient, amount: amount,
                                            root: posted.commitment.newRoot)])
    }
}
