/// The rollup's L1 contract as a deterministic state machine: applied to every included
/// transaction of the canonical chain in order, it keeps commitments, bonds, validator stakes and
/// deposits, and answers each transaction with the events of its receipt.
///
/// Pure Swift, no clock and no I/O: time is the including block's timestamp, so every replica
/// replaying the same chain computes the same state. A refused transaction emits exactly one
/// `.reverted(reason:)` and changes nothing (every check happens before any mutation).
///
/// Amounts attached to calls (bonds, stakes, deposits) are taken as paid, like `msg.value`: the
/// L1 simulator keeps no L1 balances and trusts the sender field.
///
/// Challenge games (`openChallenge`, `bisect`, `proveOneStep`, `claimTimeout`) run the
/// fraud-proof module's `ChallengeGame` and `OneStepVerifier` (`L1Arbiter+Games`); withdrawal
/// claims are checked against final commitments (`L1Arbiter+Withdrawals`, `Withdrawals`); the
/// forced-inclusion inbox, its deadline and permissionless proposing are in `L1Arbiter+Inbox`; the
/// shielded lane's aggregate, verified at posting, in `L1Arbiter+Lane`.
public struct L1Arbiter: Sendable {
    /// The rules.
    public let config: L1ArbiterConfig
    /// Everything applied so far.
    public internal(set) var state: L1ArbiterState

    /// An arbiter with `config`, starting from `state` (a checkpoint) or from nothing.
    public init(config: L1ArbiterConfig, state: L1ArbiterState = .initial) {
        self.config = config
        self.state = state
    }

    /// Applies one included transaction; returns its receipt's events.
    public mutating func execute(_ transaction: L1Transaction, in block: L1BlockHeader) -> [L1Event] {
        let sender = transaction.sender
        let result: Result<[L1Event], Revert>
        switch transaction.call {
        case .postCommitment(let commitment, let data, let bond, let aggregate):
            result = postCommitment(commitment, data: data, bond: bond, aggregate: aggregate, by: sender, in: block)
        case .registerValidator(let stake): result = registerValidator(sender, stake: stake)
        case .addStake(let amount): result = addStake(sender, amount: amount)
        case .requestUnstake(let amount): result = requestUnstake(sender, amount: amount, at: block.timestampMs)
        case .withdrawStake: result = withdrawStake(sender, at: block.timestampMs)
        case .deposit(let recipient, let amount): result = deposit(recipient, amount: amount, by: sender, in: block)
        case .openChallenge(let commitment, let claimedRoot, let bond):
            result = openChallenge(commitment, claimedRoot: claimedRoot, bond: bond, by: sender, at: block.timestampMs)
        case .bisect(let game, let midpointRoot, let bond):
            result = bisect(game, midpointRoot: midpointRoot, bond: bond, by: sender, at: block.timestampMs)
        case .proveOneStep(let game, let proof):
            result = proveOneStep(game, proof: proof, by: sender, at: block.timestampMs)
        case .claimTimeout(let game):
            result = claimTimeout(game, by: sender, at: block.timestampMs)
        case .claimWithdrawal(let proof):
            result = claimWithdrawal(proof, at: block.timestampMs)
        case .submitToInbox(let transfer):
            result = submitToInbox(transfer, by: sender, in: block)
        }
        switch result {
        case .success(let events):
            if state.firstActivityMs == nil { state.firstActivityMs = block.timestampMs }
            return events
        case .failure(let revert): return [.reverted(reason: revert.reason)]
        }
    }

    /// A refusal, as a contract's `revert(reason)`.
    struct Revert: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    // MARK: - Commitments

    private mutating func postCommitment(_ c: L1Commitment, data: [UInt8], bond: UInt256, aggregate: [UInt8],
                                         by sender: L1Address, in block: L1BlockHeader) -> Result<[L1Event], Revert> {
        if let why = proposerProblem(sender, at: block.timestampMs) { return .failure(Revert(why)) }
        let expectedIndex = UInt64(state.commitments.count)
        guard c.index == expectedIndex else {
            return .failure(Revert("commitment index \(c.index), expected \(expectedIndex)"))
        }
        guard c.firstBatch <= c.lastBatch else {
            return .failure(Revert("empty batch range \(c.firstBatch)...\(c.lastBatch)"))
        }
        if let previous = state.latestValidCommitment?.commitment {
            guard c.prevRoot == previous.newRoot else {
                return .failure(Revert("prevRoot \(c.prevRoot) does not chain to commitment \(previous.index)'s newRoot \(previous.newRoot)"))
            }
            guard c.firstBatch == previous.lastBatch &+ 1 else {
                return .failure(Revert("batches not contiguous: first batch \(c.firstBatch), expected \(previous.lastBatch &+ 1)"))
            }
        } else {
            if let genesis = config.genesisRoot, c.prevRoot != genesis {
                return .failure(Revert("prevRoot \(c.prevRoot) is not the genesis root \(genesis)"))
            }
            guard c.firstBatch == config.firstBatch else {
                return .failure(Revert("the first commitment must start at batch \(config.firstBatch), not \(c.firstBatch)"))
            }
        }
        let transactionCounts: [Int]
        switch checkData(data, for: c) {
        case .success(let counts): transactionCounts = counts
        case .failure(let revert): return .failure(revert)
        }
        guard bond >= config.minimumCommitmentBond else {
            return .failure(Revert("bond \(bond) below the minimum \(config.minimumCommitmentBond)"))
        }
        // The inbox it may consume: deposits and items of earlier blocks (both recorded in block order).
        let sameBlock = state.deposits.reversed().prefix { $0.l1BlockNumber >= block.number }.count
        let inboxDeposits = UInt64(state.deposits.count - sameBlock)
        let inboxItems = UInt64(state.inbox.count - state.inbox.reversed().prefix { $0.l1BlockNumber >= block.number }.count)
        let consumed: (deposits: UInt64, inbox: UInt64)
        switch consumption(of: data, deposits: inboxDeposits, items: inboxItems) {
        case .success(let counts): consumed = counts
        case .failure(let revert): return .failure(revert)
        }
        if let why = overdue(consumed, at: block.timestampMs) { return .failure(Revert(why)) }
        // Last, as the most expensive check (a pairing-based verification when the data has a lane).
        if let why = laneProblem(aggregate, data: data) { return .failure(Revert(why)) }
        state.commitments.append(.init(commitment: c, proposer: sender, bond: bond, data: data, transactionCounts: transactionCounts,
                                       block: block,
                                       inboxDeposits: inboxDeposits, inboxItems: inboxItems,
                                       depositsConsumed: consumed.deposits, inboxConsumed: consumed.inbox, reverted: false))
        return .success([.commitmentPosted(c, proposer: sender)])
    }

    // MARK: - Validators

    private mutating func registerValidator(_ who: L1Address, stake: UInt256) -> Result<[L1Event], Revert> {
        guard state.validators[who] == nil else { return .failure(Revert("\(who) is already a validator")) }
        guard stake >= config.minimumStake else {
            return .failure(Revert("stake \(stake) below the minimum \(config.minimumStake)"))
        }
        state.validators[who] = .init(stake: stake, unstaking: .zero, unlockAtMs: 0)
        return .success([.validatorStaked(who, total: stake)])
    }

    private mutating func addStake(_ who: L1Address, amount: UInt256) -> Result<[L1Event], Revert> {
        guard var v = state.validators[who] else { return .failure(Revert("\(who) is not a validator")) }
        guard !amount.isZero else { return .failure(Revert("zero stake")) }
        guard let total = v.stake.checkedAdd(amount) else { return .failure(Revert("stake overflow")) }
        v.stake = total
        state.validators[who] = v
        return .success([.validatorStaked(who, total: total)])
    }

    private mutating func requestUnstake(_ who: L1Address, amount: UInt256, at now: UInt64) -> Result<[L1Event], Revert> {
        guard var v = state.validators[who] else { return .failure(Revert("\(who) is not a validator")) }
        guard !amount.isZero else { return .failure(Revert("zero unstake")) }
        guard let remaining = v.stake.checkedSub(amount) else {
            return .failure(Revert("unstake \(amount) exceeds the active stake \(v.stake)"))
        }
        let locked = lockedStake(of: who)
        guard remaining >= locked else {
            return .failure(Revert("unstake \(amount) would leave \(remaining) active, below the \(locked) its open games lock"))
        }
        guard let unstaking = v.unstaking.checkedAdd(amount) else { return .failure(Revert("stake overflow")) }
        let (unlock, overflow) = now.addingReportingOverflow(config.unstakeDelayMs)
        v.stake = remaining
        v.unstaking = unstaking
        v.unlockAtMs = overflow ? .max : unlock
        state.validators[who] = v
        return .success([.unstakeRequested(who, amount: amount, remaining: remaining, unlockAtMs: v.unlockAtMs)])
    }

    private mutating func withdrawStake(_ who: L1Address, at now: UInt64) -> Result<[L1Event], Revert> {
        guard var v = state.validators[who] else { return .failure(Revert("\(who) is not a validator")) }
        guard !v.unstaking.isZero else { return .failure(Revert("nothing is unstaking")) }
        if let open = state.games.first(where: { $0.isOpen && $0.challenger == who }) {
            return .failure(Revert("\(who) is the challenger of open game \(open.id): its stake stays locked"))
        }
        guard now >= v.unlockAtMs else {
            return .failure(Revert("stake locked until \(v.unlockAtMs) (L1 time), now \(now)"))
        }
        let amount = v.unstaking
        v.unstaking = .zero
        v.unlockAtMs = 0
        state.validators[who] = v.stake.isZero ? nil : v
        return .success([.stakeWithdrawn(who, amount: amount)])
    }

    /// The stake `who`'s open games lock: `minimumStake` per open game.
    func lockedStake(of who: L1Address) -> UInt256 {
        config.minimumStake.checkedMul(UInt64(state.openGameCount(of: who))) ?? .max
    }

    // MARK: - Deposits

    /// Locks `amount` for `recipient` on L2 and records deposit `id` (the next): the L2 credits it
    /// with the bridge's transfer of nonce `id` (see `L1Deposit`).
    private mutating func deposit(_ recipient: Address, amount: UInt256, by sender: L1Address,
                                  in block: L1BlockHeader) -> Result<[L1Event], Revert> {
        guard !amount.isZero else { return .failure(Revert("zero deposit")) }
        guard recipient != .bridge else { return .failure(Revert("the L2 recipient is the bridge address")) }
        guard let total = state.totalDeposited.checkedAdd(amount) else { return .failure(Revert("deposit overflow")) }
        let id = state.nextDepositID
        state.totalDeposited = total
        state.deposits.append(L1Deposit(id: id, depositor: sender, recipient: recipient, amount: amount,
                                        l1BlockNumber: block.number, l1BlockHash: block.hash))
        state.depositTimesMs.append(block.timestampMs)
        return .success([.depositMade(id: id, l2Recipient: recipient, amount: amount)])
    }
}
