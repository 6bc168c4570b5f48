/// Value types of the L1 side: blocks, the transactions the engine and validators send to the
/// arbiter (the part an L1 contract would do), and the events it emits. Shared by every
/// `L1Client` implementation (the embedded simulator now, a JSON-RPC client for a real node later).

/// A block header of the L1 chain.
public struct L1BlockHeader: Sendable, Hashable {
    public let number: UInt64
    public let hash: Digest32
    public let parentHash: Digest32
    /// Milliseconds since the Unix epoch (the L1's clock: deadlines are measured with it).
    public let timestampMs: UInt64

    public init(number: UInt64, hash: Digest32, parentHash: Digest32, timestampMs: UInt64) {
        self.number = number
        self.hash = hash
        self.parentHash = parentHash
        self.timestampMs = timestampMs
    }
}

/// What a rollup operator commits to on L1 for a range of batches.
public struct L1Commitment: Sendable, Hashable {
    /// Position in the arbiter's list of commitments (0, 1, 2, ...), assigned in posting order.
    public let index: UInt64
    public let firstBatch: UInt64
    public let lastBatch: UInt64
    public let prevRoot: Digest32
    public let newRoot: Digest32
    /// The Merkle root of the batch data's transactions (`BatchDataTree`): the arbiter computes it
    /// from the compressed data posted with the commitment (which the L1 keeps as calldata) and
    /// keeps only it, so a one-step proof needs one transaction and its path, not the data.
    public let dataRoot: Digest32

    public init(index: UInt64, firstBatch: UInt64, lastBatch: UInt64, prevRoot: Digest32, newRoot: Digest32,
                dataRoot: Digest32) {
        self.index = index
        self.firstBatch = firstBatch
        self.lastBatch = lastBatch
        self.prevRoot = prevRoot
        self.newRoot = newRoot
        self.dataRoot = dataRoot
    }
}

/// An L1 account (validators, the proposer, depositors): 20 bytes like an Ethereum address.
public typealias L1Address = Address

/// A transaction sent to the arbiter. Each is signed off-chain by its sender in a real
/// deployment; the simulator trusts `sender` (it is a simulator).
public struct L1Transaction: Sendable, Hashable {
    public enum Call: Sendable, Hashable {
        /// The proposer posts a commitment with its compressed data (at most
        /// `BatchData.maxCommitmentBytes`), a bond, and `aggregate`: the encoded SnarkPack
        /// aggregate (`AggregateProof`) of the spend proofs of the data's shielded lanes, in data
        /// order (`LaneAggregate`); empty when the data has no lane transaction.
        case postCommitment(L1Commitment, data: [UInt8], bond: UInt256, aggregate: [UInt8] = [])
        case registerValidator(stake: UInt256)
        case addStake(UInt256)
        /// Stake is withdrawable after the configured delay.
        case requestUnstake(UInt256)
        case withdrawStake
        /// Opens a challenge against commitment `index` with a bond, claiming `claimedRoot` is the
        /// right new root.
        case openChallenge(commitment: UInt64, claimedRoot: Digest32, bond: UInt256)
        /// A bisection move: the mover's claimed root at the midpoint of the disputed range, with
        /// the move's bond (at least the game's `nextMoveBond`, which grows with each move).
        case bisect(game: UInt64, midpointRoot: Digest32, bond: UInt256 = .zero)
        /// The final step: the one-step proof (encoded `OneStepProof`).
        case proveOneStep(game: UInt64, proof: [UInt8])
        /// Claims a game won because the other party's chess clock ran out on its turn.
        case claimTimeout(game: UInt64)
        /// Locks `amount` on L1 for `l2Recipient`, to be credited on L2.
        case deposit(l2Recipient: Address, amount: UInt256)
        /// Claims an L2 withdrawal against a finalized root (encoded withdrawal proof).
        case claimWithdrawal(proof: [UInt8])
        /// Puts the user's own signed L2 transfer in the arbiter's inbox: the sequencer must
        /// include it within the inclusion delay (see `L1InboxItem`).
        case submitToInbox(SignedTransfer)
    }

    public let sender: L1Address
    public let call: Call
    /// Distinguishes otherwise equal transactions (the simulator's transaction hash covers it).
    public let nonce: UInt64

    public init(sender: L1Address, call: Call, nonce: UInt64) {
        self.sender = sender
        self.call = call
        self.nonce = nonce
    }
}

/// What the arbiter emitted while executing an included transaction.
public enum L1Event: Sendable, Hashable {
    case commitmentPosted(L1Commitment, proposer: L1Address)
    /// A challenger won against commitment `fromIndex`: it and every later commitment are reverted;
    /// the next commitment chains to the newest one before it.
    case commitmentsReverted(fromIndex: UInt64)
    /// A validator registered or added stake; `total` is its active stake afterwards.
    case validatorStaked(L1Address, total: UInt256)
    /// A validator asked to unstake `amount` (leaving `remaining` active); withdrawable at
    /// `unlockAtMs` (L1 time). Repeated requests add up and move the unlock time.
    case unstakeRequested(L1Address, amount: UInt256, remaining: UInt256, unlockAtMs: UInt64)
    /// A validator withdrew its unlocked stake.
    case stakeWithdrawn(L1Address, amount: UInt256)
    /// Game `game` was opened against commitment `commitment` (the opening is the challenger's
    /// first move; the proposer moves next).
    case challengeOpened(game: UInt64, commitment: UInt64, challenger: L1Address, proposer: L1Address)
    /// A party made an accepted `bisect` or `proveOneStep` move.
    case moved(game: UInt64, by: L1Address)
    /// The game ended: `slashed` was taken from the loser (its bond and its move bonds, plus part
    /// of its stake for a challenger), `toWinner` of it paid to the winner, the rest burned.
    case gameResolved(game: UInt64, winner: L1Address, loser: L1Address, slashed: UInt256, toWinner: UInt256)
    /// The game ended without a winner because its commitment was reverted by another game; the
    /// challenger's bond and both sides' move bonds are returned.
    case gameVoided(game: UInt64, commitment: UInt64)
    case depositMade(id: UInt64, l2Recipient: Address, amount: UInt256)
    /// Forced transfer `id` from `l2Sender` entered the inbox.
    case inboxItemSubmitted(id: UInt64, l2Sender: Address)
    case withdrawalClaimed(l2Sender: Address, l1Recipient: L1Address, amount: UInt256, root: Digest32)
    /// The transaction was included but the arbiter refused it (the reason, as a contract revert).
    case reverted(reason: String)
}

/// The outcome of an included transaction.
public struct L1Receipt: Sendable, Hashable {
    public let transactionHash: Digest32
    public let blockNumber: UInt64
    public let blockHash: Digest32
    public let events: [L1Event]

    public init(transactionHash: Digest32, blockNumber: UInt64, blockHash: Digest32, events: [L1Event]) {
        self.transactionHash = transactionHash
        self.blockNumber = blockNumber
        self.blockHash = blockHash
        self.events = events
    }

    /// False when the arbiter reverted the transaction.
    public var succeeded: Bool { !events.contains { if case .reverted = $0 { true } else { false } } }
}
