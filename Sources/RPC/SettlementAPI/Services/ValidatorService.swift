import GRPC
import Logging
import Settlement
import Synchronization

/// `settlement.v1.Validator` (Protos/settlement/v1/validator.proto), served by every engine over
/// its L1 client: validator stakes, challenge games, the finality of commitments, withdrawal
/// claims, deposits and (test and demo only) L1 reorg injection.
///
/// The calls that change L1 state submit an L1 transaction *as the address in the request*. That
/// works only because the L1 simulator trusts the sender field (it checks no signature): a
/// simulator convenience for demos and tests. With a real L1 the client signs its own transactions.
/// Those calls (`Deposit`, `SubmitToInbox`, `RegisterValidator`, `AddStake`, `RequestUnstake`,
/// `WithdrawStake`, `InjectL1Reorg`) are *admin calls* (`adminMethods`): anyone reaching them acts on the L1 as any
/// address, so the engine serves them only on its loopback admin listener and never under
/// `--production` (`Configuration.adminCalls`, docs/engine-recovery.md). The read-only calls and
/// `ClaimWithdrawal` (which pays only the address the L2 state proves) are served everywhere.
///
/// The engine's L1 client is started after the gRPC server, so the service is built first and the
/// client is attached later (`attach(l1:)`); until then every call is UNAVAILABLE. Submitting
/// calls wait for the transaction's receipt (`Configuration.receiptTimeout`); an arbiter refusal
/// is FAILED_PRECONDITION with the arbiter's reason.
public final class ValidatorService: SettlementV1.ValidatorServiceProtocol {
    /// `settlement.v1.Validator`.
    public static let name = SettlementV1.ValidatorMethods.serviceName

    /// Tunables of the service.
    public struct Configuration: Sendable {
        /// How long a submitting call waits for its L1 transaction to be included; after that it
        /// answers with the hash and block 0 (the transaction stays in the L1 mempool).
        public var receiptTimeout: Duration = .seconds(30)
        /// How often the receipt is looked for while waiting.
        public var receiptPollInterval: Duration = .milliseconds(50)
        /// Page size of `ListChallenges` and `GetFinality` when the request says 0.
        public var defaultPageSize = 100
        /// Largest page; larger requests are capped to it.
        public var maxPageSize = 1_000
        /// Blocks deep a commitment must be to be L1_CONFIRMED (the engine's `l1_confirmation_depth`).
        public var confirmationDepth = 6
        /// Whether this instance serves the admin calls (`ValidatorService.adminMethods`). The
        /// default refuses them: an instance serves them only when built for the admin listener.
        public var adminCalls: AdminCalls = .refusedOnThisListener

        /// The defaults.
        public init() {}
    }

    /// Who may use the admin calls (the simulator conveniences that act on L1 as any address).
    public enum AdminCalls: Sendable, Equatable {
        /// Served: this instance is on the loopback admin listener of a non-production engine.
        case served
        /// PERMISSION_DENIED: this instance is on the public listener.
        case refusedOnThisListener
        /// FAILED_PRECONDITION on every listener: a `--production` engine.
        case refusedInProduction
    }

    /// The methods that submit an L1 transaction as the address in the request, or reorganise
    /// the simulated L1: refused unless `Configuration.adminCalls` is `.served`.
    public static let adminMethods: Set<String> = ["Deposit", "RegisterValidator", "AddStake", "RequestUnstake",
                                                   "WithdrawStake", "InjectL1Reorg", "SubmitToInbox"]

    /// The engine whose state proves withdrawals.
    public let engine: SettlementEngine
    /// The service's tunables.
    public let configuration: Configuration
    private let logger: Logger
    private let l1Client = Lock<(any L1ArbiterReader)?>(nil)
    private let reorgInjector = Lock<ReorgInjector?>(nil)

    /// Replaces the newest `depth` L1 blocks (`dropTransactions`, `extraBlocks`: as
    /// `L1Simulator.reorg`) and returns the new head. Test and demo only.
    public typealias ReorgInjector = @Sendable (_ depth: Int, _ dropTransactions: Bool, _ extraBlocks: Int) async throws
        -> L1BlockHeader

    /// A service over `engine`; its L1 client comes later through `attach(l1:)`.
    public init(engine: SettlementEngine, configuration: Configuration = Configuration(),
                logger: Logger = Logger(label: "settlement.validator-rpc")) {
        self.engine = engine
        self.configuration = configuration
        self.logger = logger
    }

    /// Starts serving with `l1` (the engine's L1 simulator); `InjectL1Reorg` works only with a
    /// `reorgInjector` (the engine passes one under `--l1-reorg-injection`).
    public func attach(l1: any L1ArbiterReader, reorgInjector: ReorgInjector? = nil) {
        l1Client.withLock { $0 = l1 }
        self.reorgInjector.withLock { $0 = reorgInjector }
    }

    // Every RPC is registered by the generated `ValidatorServiceProtocol` (all unary; each reads
    // the L1 through the database, so none is inline). The admin calls start with `admit`.

    // MARK: Admin calls

    /// Throws unless this instance serves the admin call `method`.
    func admit(_ method: String) throws(RPCError) {
        switch configuration.adminCalls {
        case .served:
            return
        case .refusedOnThisListener:
            throw RPCError(.permissionDenied,
                           "\(method) acts on the L1 as the address in the request (an L1 simulator convenience): "
                               + "it is served only on the engine's loopback admin listener (--admin-listen), not here")
        case .refusedInProduction:
            throw RPCError(.failedPrecondition,
                           "\(method) is refused on a --production engine: it would act on the L1 as any address; "
                               + "sign and send your own L1 transaction to the arbiter")
        }
    }

    // MARK: Stakes

    public func registerValidator(request r: SettlementV1.RegisterValidatorRequest, context: ServerContext) async throws(RPCError) -> SettlementV1.L1CallResult {
        try admit("RegisterValidator")
        let address = try SettlementV1.Validate.address(r.address, field: "address")
        let stake = try SettlementV1.Validate.uint256(r.stake, field: "stake")
        guard !stake.isZero else { throw RPCError(.invalidArgument, "field stake must not be zero") }
        return try await send(.registerValidator(stake: stake), as: address)
    }

    public func addStake(request r: SettlementV1.StakeRequest, context: ServerContext) async throws(RPCError) -> SettlementV1.L1CallResult {
        try admit("AddStake")
        let (address, amount) = try Self.stakeFields(r)
        return try await send(.addStake(amount), as: address)
    }

    public func requestUnstake(request r: SettlementV1.StakeRequest, context: ServerContext) async throws(RPCError) -> SettlementV1.L1CallResult {
        try admit("RequestUnstake")
        let (address, amount) = try Self.stakeFields(r)
        return try await send(.requestUnstake(amount), as: address)
    }

    public func withdrawStake(request r: SettlementV1.ValidatorAddress, context: ServerContext) async throws(RPCError) -> SettlementV1.L1CallResult {
        try admit("WithdrawStake")
        let address = try SettlementV1.Validate.address(r.address, field: "address")
        return try await send(.withdrawStake, as: address)
    }

    public func getValidator(request r: SettlementV1.ValidatorAddress, context: ServerContext) async throws(RPCError) -> SettlementV1.ValidatorInfo {
        let address = try SettlementV1.Validate.address(r.address, field: "address")
        let l1 = try client()
        let (head, state) = try await read { (try await l1.head(), try await l1.arbiterState()) }
        let openGames = state.games.filter { $0.isOpen && $0.challenger == address }.map(\.id)
        guard let v = state.validators[address] else {
            return SettlementV1.ValidatorInfo(address: address.bytes, registered: false, stake: UInt256.zero.bigEndianBytes,
                                              unstaking: UInt256.zero.bigEndianBytes, openGames: openGames,
                                              l1BlockNumber: head.number, l1TimeMs: head.timestampMs)
        }
        return SettlementV1.ValidatorInfo(address: address.bytes, registered: true, stake: v.stake.bigEndianBytes,
                                          unstaking: v.unstaking.bigEndianBytes, unlockAtMs: v.unlockAtMs,
                                          openGames: openGames, l1BlockNumber: head.number, l1TimeMs: head.timestampMs)
    }

    private static func stakeFields(_ r: SettlementV1.StakeRequest) throws(RPCError) -> (Address, UInt256) {
        let address = try SettlementV1.Validate.address(r.address, field: "address")
        let amount = try SettlementV1.Validate.uint256(r.amount, field: "amount")
        guard !amount.isZero else { throw RPCError(.invalidArgument, "field amount must not be zero") }
        return (address, amount)
    }

    // MARK: Challenges and finality

    public func listChallenges(request r: SettlementV1.ListChallengesRequest, context: ServerContext) async throws(RPCError) -> SettlementV1.ListChallengesResponse {
        let limit = pageSize(r.limit)
        let l1 = try client()
        let state = try await read { try await l1.arbiterState() }
        let total = UInt64(state.games.count)
        guard r.fromId < total else { return SettlementV1.ListChallengesResponse(total: total) }
        let end = min(total, r.fromId + UInt64(limit))
        let page = state.games[Int(r.fromId)..<Int(end)].map(SettlementV1.Challenge.init)
        return SettlementV1.ListChallengesResponse(challenges: page, total: total)
    }

    public func getFinality(request r: SettlementV1.GetFinalityRequest, context: ServerContext) async throws(RPCError) -> SettlementV1.FinalityReport {
        let limit = pageSize(r.limit)
        let l1 = try client()
        let (head, state) = try await read { (try await l1.head(), try await l1.arbiterState()) }
        let total = UInt64(state.commitments.count)
        let depth = UInt64(max(1, configuration.confirmationDepth))
        var report = SettlementV1.FinalityReport(total: total, l1BlockNumber: head.number, l1TimeMs: head.timestampMs,
                                                 confirmationDepth: UInt32(clamping: depth))
        guard r.fromIndex < total else { return report }
        let end = min(total, r.fromIndex + UInt64(limit))
        let period = l1.arbiterConfig.challengePeriodMs
        for posted in state.commitments[Int(r.fromIndex)..<Int(end)] {
            let c = posted.commitment
            let confirmations = head.number >= posted.block.number ? head.number - posted.block.number + 1 : 0
            let status: SettlementV1.CommitmentState
            if posted.reverted {
                status = .reverted
            } else if state.isFinal(c.index, atMs: head.timestampMs, challengePeriodMs: period) {
                status = .finalized
            } else {
                status = confirmations >= depth ? .l1Confirmed : .posted
            }
            let (deadline, overflow) = posted.block.timestampMs.addingReportingOverflow(period)
            report.commitments.append(SettlementV1.CommitmentFinality(
                index: c.index, firstBatch: c.firstBatch, lastBatch: c.lastBatch, prevRoot: c.prevRoot.bytes,
                newRoot: c.newRoot.bytes, status: status, l1BlockNumber: posted.block.number, confirmations: confirmations,
                challengeDeadlineMs: overflow ? .max : deadline,
                openGames: UInt32(clamping: state.openGames(against: c.index).count), proposer: posted.proposer.bytes))
        }
        return report
    }

    private func pageSize(_ requested: UInt32) -> Int {
        let n = requested == 0 ? configuration.defaultPageSize : Int(requested)
        return max(1, min(n, configuration.maxPageSize))
    }

    // MARK: Withdrawals

    /// Checks the claim against the arbiter first (clear refusals, no L1 transaction for a claim
    /// that must fail), proves the exit account at the commitment's last batch, then submits.
    public func claimWithdrawal(request r: SettlementV1.ClaimWithdrawalRequest, context: ServerContext) async throws(RPCError) -> SettlementV1.L1CallResult {
        let recipient = try SettlementV1.Validate.address(r.recipient, field: "recipient")
        let index = r.commitmentIndex
        let l1 = try client()
        let (head, state) = try await read { (try await l1.head(), try await l1.arbiterState()) }
        guard index < UInt64(state.commitments.count) else {
            throw RPCError(.notFound, "commitment \(index) does not exist (\(state.commitments.count) posted)")
        }
        let posted = state.commitments[Int(index)]
        guard !posted.reverted else {
            throw RPCError(.failedPrecondition, "commitment \(index) was reverted: its root proves nothing")
        }
        let period = l1.arbiterConfig.challengePeriodMs
        guard state.isFinal(index, atMs: head.timestampMs, challengePeriodMs: period) else {
            let (end, _) = posted.block.timestampMs.addingReportingOverflow(period)
            throw RPCError(.failedPrecondition,
                           "commitment \(index) is not final yet: its challenge period ends at L1 time \(end) "
                               + "(now \(head.timestampMs)), open games: \(state.openGames(against: index).count)")
        }
        // Cost limit: a proof against an old root needs a whole-state rebuild, and a client naming
        // old commitments in turn would buy one per request. Claims are cumulative and an exit
        // balance only grows, so the newest final commitment pays at least what commitment
        // `index` would: the claim is always proven against it (rebuilt once per newly final
        // commitment, kept by `HistoricalStates`).
        let target = state.newestFinal(atMs: head.timestampMs, challengePeriodMs: period) ?? index
        let proven = state.commitments[Int(target)].commitment
        let exit = Withdrawals.exitAddress(for: recipient, in: engine.domain)
        let proof: AccountProof
        do {
            proof = try await engine.historicalAccount(exit, atBatch: proven.lastBatch)
        } catch {
            throw RPCError(.failedPrecondition, "cannot prove the exit account at batch \(proven.lastBatch): \(error)")
        }
        guard proof.root == proven.newRoot else {
            throw RPCError(.failedPrecondition,
                           "this engine's root after batch \(proven.lastBatch) is not commitment \(target)'s root")
        }
        let claimed = state.withdrawn[recipient] ?? .zero
        guard proof.proof.isInclusion, proof.account.balance > claimed else {
            throw RPCError(.failedPrecondition,
                           "nothing to claim for \(recipient) at commitment \(target): \(proof.account.balance) withdrawn "
                               + "on L2 (exit address \(exit)), \(claimed) already claimed")
        }
        let claim = WithdrawalProof(recipient: recipient, commitmentIndex: target, exitAccount: proof.account, proof: proof.proof)
        return try await send(.claimWithdrawal(proof: claim.serialized), as: recipient)
    }

    public func getWithdrawal(request r: SettlementV1.GetWithdrawalRequest, context: ServerContext) async throws(RPCError) -> SettlementV1.WithdrawalInfo {
        let recipient = try SettlementV1.Validate.address(r.recipient, field: "recipient")
        let exit = Withdrawals.exitAddress(for: recipient, in: engine.domain)
        let l1 = try client()
        let state = try await read { try await l1.arbiterState() }
        let burned: UInt256
        do { burned = try engine.account(exit).account.balance } catch {
            throw RPCError(.unavailable, "the engine's state is not readable: \(error)")
        }
        return SettlementV1.WithdrawalInfo(recipient: recipient.bytes, exitAddress: exit.bytes, burned: burned.bigEndianBytes,
                                           claimed: (state.withdrawn[recipient] ?? .zero).bigEndianBytes)
    }

    // MARK: Deposits and reorgs

    /// Submits the L1 deposit as `from` and, once included, names its deposit id and the L2
    /// transaction that will credit it.
    public func deposit(request r: SettlementV1.DepositRequest, context: ServerContext) async throws(RPCError) -> SettlementV1.DepositResult {
        try admit("Deposit")
        let from = try SettlementV1.Validate.address(r.from, field: "from")
        let recipient = try SettlementV1.Validate.address(r.recipient, field: "recipient")
        let amount = try SettlementV1.Validate.uint256(r.amount, field: "amount")
        guard !amount.isZero else { throw RPCError(.invalidArgument, "field amount must not be zero") }
        guard recipient != .bridge else { throw RPCError(.invalidArgument, "field recipient is the bridge address") }
        let (hash, receipt) = try await submitAndWait(.deposit(l2Recipient: recipient, amount: amount), as: from)
        var result = SettlementV1.DepositResult(l1TxHash: hash.bytes, l1BlockNumber: receipt?.blockNumber ?? 0,
                                                events: receipt?.events.map { "\($0)" } ?? [],
                                                confirmationDepth: UInt32(clamping: configuration.confirmationDepth))
        for case .depositMade(let id, let to, let value) in receipt?.events ?? [] {
            result.depositId = id
            result.l2TxId = L1Deposit.transaction(id: id, recipient: to, amount: value, domain: engine.domain).id.bytes
        }
        return result
    }

    /// Puts the request's signed transfer in the L1 inbox as `from` (the arbiter checks its format;
    /// the L2 rules decide whether it applies). Only the field shapes are checked here: a transfer
    /// with a bad signature is the user's to force, and is skipped on L2.
    public func submitToInbox(request r: SettlementV1.SubmitToInboxRequest, context: ServerContext) async throws(RPCError) -> SettlementV1.L1CallResult {
        try admit("SubmitToInbox")
        let from = try SettlementV1.Validate.address(r.from, field: "from")
        guard let transfer = r.transfer else { throw RPCError(.invalidArgument, "field transfer is missing") }
        return try await send(.submitToInbox(try transfer.domainTransfer(fieldPrefix: "transfer.")), as: from)
    }

    /// Test and demo only: an L1 reorg through the attached injector.
    public func injectL1Reorg(request r: SettlementV1.InjectL1ReorgRequest, context: ServerContext) async throws(RPCError) -> SettlementV1.InjectL1ReorgResult {
        try admit("InjectL1Reorg")
        guard let inject = reorgInjector.withLock({ $0 }) else {
            throw RPCError(.failedPrecondition, "L1 reorg injection is off (start the engine with --l1-reorg-injection; "
                               + "test and demo only)")
        }
        guard r.depth >= 1 else { throw RPCError(.invalidArgument, "field depth must be at least 1") }
        // The simulator builds the new branch in one database transaction: bound it.
        guard r.depth <= Self.maxReorgBlocks, r.extraBlocks <= Self.maxReorgBlocks else {
            throw RPCError(.invalidArgument, "fields depth and extra_blocks must be at most \(Self.maxReorgBlocks)")
        }
        do {
            let head = try await inject(Int(r.depth), r.dropTransactions, Int(r.extraBlocks))
            logger.warning("L1 reorg injected", metadata: ["depth": "\(r.depth)", "drop_transactions": "\(r.dropTransactions)",
                                                          "head": "\(head.number)"])
            return SettlementV1.InjectL1ReorgResult(l1BlockNumber: head.number, l1BlockHash: head.hash.bytes)
        } catch {
            throw RPCError(.failedPrecondition, "the reorg was refused: \(error)")
        }
    }

    /// Largest `depth` and `extra_blocks` of an injected reorg.
    static let maxReorgBlocks: UInt32 = 1_024

    // MARK: Support

    private func client() throws(RPCError) -> any L1ArbiterReader {
        guard let l1 = l1Client.withLock({ $0 }) else {
            throw RPCError(.unavailable, "the engine's L1 client is not running yet; retry")
        }
        return l1
    }

    /// An L1 read; a failure is UNAVAILABLE (retry), logged with its details.
    private func read<T: Sendable>(_ body: () async throws -> T) async throws(RPCError) -> T {
        do {
            return try await body()
        } catch {
            logger.error("L1 read failed", metadata: ["error": "\(error)"])
            throw RPCError(.unavailable, "the L1 is not readable right now; retry later")
        }
    }

    /// Submits `call` as `sender` (the simulator trusts the sender field) and waits for its receipt.
    private func send(_ call: L1Transaction.Call, as sender: Address) async throws(RPCError) -> SettlementV1.L1CallResult {
        let (hash, receipt) = try await submitAndWait(call, as: sender)
        guard let receipt else { return SettlementV1.L1CallResult(l1TxHash: hash.bytes) }
        return SettlementV1.L1CallResult(l1TxHash: hash.bytes, l1BlockNumber: receipt.blockNumber,
                                         events: receipt.events.map { "\($0)" },
                                         amount: Self.amount(in: receipt.events)?.bigEndianBytes ?? [])
    }

    /// Submits `call` as `sender` and waits (bounded) for its receipt: the hash and the receipt,
    /// nil when not included in time. A refusal by the arbiter is FAILED_PRECONDITION.
    private func submitAndWait(_ call: L1Transaction.Call, as sender: Address) async throws(RPCError)
        -> (Digest32, L1Receipt?) {
        let l1 = try client()
        let transaction = L1Transaction(sender: sender, call: call, nonce: UInt64.random(in: 1 ... .max))
        let hash = try await read { try await l1.submit(transaction) }
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.receiptTimeout
        while clock.now < deadline {
            if let receipt = try await read({ try await l1.receipt(hash) }) {
                for case .reverted(let reason) in receipt.events {
                    throw RPCError(.failedPrecondition, "the L1 arbiter refused the transaction: \(reason)")
                }
                return (hash, receipt)
            }
            do { try await Task.sleep(for: configuration.receiptPollInterval) } catch {
                throw RPCError(.cancelled, "cancelled while waiting for the L1 receipt")
            }
        }
        logger.notice("L1 transaction not included in time", metadata: ["hash": "\(hash)"])
        return (hash, nil)
    }

    /// The amount a receipt's events moved (see `L1CallResult.amount`).
    static func amount(in events: [L1Event]) -> UInt256? {
        for event in events {
            switch event {
            case .validatorStaked(_, let total): return total
            case .unstakeRequested(_, let amount, _, _): return amount
            case .stakeWithdrawn(_, let amount): return amount
            case .withdrawalClaimed(_, _, let amount, _): return amount
            default: continue
            }
        }
        return nil
    }
}
