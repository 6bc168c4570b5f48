import Logging
import XCTest

@testable import GRPC
import RPCTestSupport
@testable import SettlementAPI
import Settlement
import SettlementTestSupport

/// An L1 for the validator service's tests: the pure `L1Arbiter`, one block per submitted
/// transaction, receipts at once. (The service's calls through the real simulator and engine are
/// covered by Tests/interop/test_validator_cli.py.)
private actor InstantL1: L1ArbiterReader {
    nonisolated let arbiterConfig: L1ArbiterConfig
    private var arbiter: L1Arbiter
    private var blocks: [L1BlockHeader]
    private var receipts: [Digest32: L1Receipt] = [:]

    init(config: L1ArbiterConfig) {
        arbiterConfig = config
        arbiter = L1Arbiter(config: config)
        blocks = [L1BlockHeader(number: 0, hash: Keccak256.hash([0]), parentHash: .zero, timestampMs: 1_000)]
    }

    func head() async throws -> L1BlockHeader { blocks[blocks.count - 1] }
    func block(number: UInt64) async throws -> L1BlockHeader? { number < UInt64(blocks.count) ? blocks[Int(number)] : nil }

    func submit(_ transaction: L1Transaction) async throws -> Digest32 {
        let parent = blocks[blocks.count - 1]
        let number = parent.number + 1
        let block = L1BlockHeader(number: number, hash: Keccak256.hash(Array("block \(number)".utf8)),
                                  parentHash: parent.hash, timestampMs: parent.timestampMs + 100)
        blocks.append(block)
        let hash = Keccak256.hash(Array("tx \(number) \(transaction.nonce)".utf8))
        receipts[hash] = L1Receipt(transactionHash: hash, blockNumber: number, blockHash: block.hash,
                                   events: arbiter.execute(transaction, in: block))
        return hash
    }

    func receipt(_ transactionHash: Digest32) async throws -> L1Receipt? { receipts[transactionHash] }
    func receipts(fromBlock: UInt64, toBlock: UInt64) async throws -> [L1Receipt] {
        receipts.values.filter { (fromBlock...toBlock).contains($0.blockNumber) }.sorted { $0.blockNumber < $1.blockNumber }
    }
    func commitments(fromIndex: UInt64) async throws -> [(commitment: L1Commitment, block: L1BlockHeader)] {
        arbiter.state.commitments.filter { !$0.reverted && $0.commitment.index >= fromIndex }.map { ($0.commitment, $0.block) }
    }
    func openGames(against index: UInt64) async throws -> Int { arbiter.state.openGames(against: index).count }
    func isFinal(_ index: UInt64) async throws -> Bool {
        arbiter.state.isFinal(index, atMs: blocks[blocks.count - 1].timestampMs, challengePeriodMs: arbiter.config.challengePeriodMs)
    }
    func commitmentData(index: UInt64) async throws -> [UInt8]? {
        index < UInt64(arbiter.state.commitments.count) ? arbiter.state.commitments[Int(index)].data : nil
    }
    func game(id: UInt64) async throws -> L1Game? { arbiter.state.game(id) }
    func arbiterState() async throws -> L1ArbiterState { arbiter.state }
    func deposits(fromID: UInt64, limit: Int) async throws -> [L1Deposit] {
        Array(arbiter.state.deposits.dropFirst(Int(min(fromID, UInt64(Int.max)))).prefix(max(limit, 0)))
    }
}

final class ValidatorServiceTests: XCTestCase {
    private let validator = Address(bytes: [UInt8](repeating: 0x5a, count: 20))!

    /// An engine (in-memory store), the validator service over an `InstantL1` (attached unless
    /// `attach` is false), a server and a client.
    private func withService(attach: Bool = true, reorgInjector: ValidatorService.ReorgInjector? = nil,
                             adminCalls: ValidatorService.AdminCalls = .served,
                             _ body: (RPCClient) async throws -> Void) async throws {
        var config = SettlementConfig()
        config.chainId = 1337
        config.batchTimeoutMs = 10
        var logger = Logger(label: "validator-test")
        logger.logLevel = .critical
        let genesis = self.genesis
        let engine = try SettlementEngine(config: config, genesis: genesis, store: InMemorySettlementStore(), logger: logger)
        try await engine.start()
        var serviceConfig = ValidatorService.Configuration()
        serviceConfig.adminCalls = adminCalls
        let service = ValidatorService(engine: engine, configuration: serviceConfig, logger: logger)
        if attach {
            service.attach(l1: InstantL1(config: L1ArbiterConfig(minimumStake: UInt256(10), unstakeDelayMs: 60_000,
                                                                 challengePeriodMs: 5_000)),
                           reorgInjector: reorgInjector)
        }
        let server = try TestServer.start([service])
        let client = try await server.client()
        do {
            try await body(client)
        } catch {
            await client.close(); await server.stop(); await engine.stop()
            throw error
        }
        await client.close(); await server.stop(); await engine.stop()
    }

    private func amount(_ n: UInt64) -> [UInt8] { UInt256(n).bigEndianBytes }

    /// The engine's genesis (its signing domain derives exit addresses).
    private var genesis: Genesis { Genesis(chainId: 1337, allocations: [(validator, UInt256(1_000))]) }

    func testStakeLifecycleAndRefusals() async throws {
        try await withService { client in
            let registered = try await client.unary(
                ValidatorMethods.registerValidator, SettlementV1.RegisterValidatorRequest(address: validator.bytes, stake: amount(50)))
            XCTAssertEqual(registered.amount, amount(50))
            XCTAssertEqual(registered.l1TxHash.count, 32)
            XCTAssertGreaterThan(registered.l1BlockNumber, 0)
            XCTAssertTrue(registered.events.first?.hasPrefix("validatorStaked") ?? false, "\(registered.events)")

            let unstake = try await client.unary(
                ValidatorMethods.requestUnstake, SettlementV1.StakeRequest(address: validator.bytes, amount: amount(20)))
            XCTAssertEqual(unstake.amount, amount(20))
            let info = try await client.unary(ValidatorMethods.getValidator,
                                              SettlementV1.ValidatorAddress(address: validator.bytes))
            XCTAssertTrue(info.registered)
            XCTAssertEqual(info.stake, amount(30))
            XCTAssertEqual(info.unstaking, amount(20))
            XCTAssertEqual(info.unlockAtMs, info.l1TimeMs + 60_000)

            // The arbiter's refusals come back as FAILED_PRECONDITION with its reason.
            let locked = await assertRPCError(.failedPrecondition) {
                try await client.unary(ValidatorMethods.withdrawStake,
                                       SettlementV1.ValidatorAddress(address: validator.bytes))
            }
            XCTAssertTrue(locked?.message.contains("locked until") ?? false, "\(String(describing: locked))")
            let twice = await assertRPCError(.failedPrecondition) {
                try await client.unary(ValidatorMethods.registerValidator,
                                       SettlementV1.RegisterValidatorRequest(address: validator.bytes, stake: amount(50)))
            }
            XCTAssertTrue(twice?.message.contains("already a validator") ?? false)

            // Field checks precede everything.
            let short = await assertRPCError(.invalidArgument) {
                try await client.unary(ValidatorMethods.addStake,
                                       SettlementV1.StakeRequest(address: [1, 2], amount: amount(1)))
            }
            XCTAssertEqual(short?.message, "field address must be 20 bytes, got 2")
            await assertRPCError(.invalidArgument) {
                try await client.unary(ValidatorMethods.addStake,
                                       SettlementV1.StakeRequest(address: validator.bytes, amount: amount(0)))
            }
            await assertRPCError(.invalidArgument) {
                try await client.unary(ValidatorMethods.addStake,
                                       SettlementV1.StakeRequest(address: validator.bytes, amount: [1]))
            }
        }
    }

    func testReadsOnAnEmptyL1AndClaimsOfMissingCommitments() async throws {
        try await withService { client in
            let finality = try await client.unary(ValidatorMethods.getFinality, SettlementV1.GetFinalityRequest())
            XCTAssertEqual(finality.total, 0)
            XCTAssertTrue(finality.commitments.isEmpty)
            let games = try await client.unary(ValidatorMethods.listChallenges,
                                               SettlementV1.ListChallengesRequest(fromId: 5, limit: 5000))
            XCTAssertEqual(games, SettlementV1.ListChallengesResponse())
            let unknown = try await client.unary(ValidatorMethods.getValidator,
                                                 SettlementV1.ValidatorAddress(address: [UInt8](repeating: 1, count: 20)))
            XCTAssertFalse(unknown.registered)
            await assertRPCError(.notFound) {
                try await client.unary(ValidatorMethods.claimWithdrawal,
                                       SettlementV1.ClaimWithdrawalRequest(recipient: [UInt8](repeating: 7, count: 20)))
            }
            let recipient = Address(bytes: [UInt8](repeating: 7, count: 20))!
            let w = try await client.unary(ValidatorMethods.getWithdrawal,
                                           SettlementV1.GetWithdrawalRequest(recipient: recipient.bytes))
            XCTAssertEqual(w.exitAddress, Withdrawals.exitAddress(for: recipient, in: SigningDomain(genesis: genesis)).bytes)
            XCTAssertEqual(w.burned, amount(0))
            XCTAssertEqual(w.claimed, amount(0))
        }
    }

    /// Deposit and InjectL1Reorg refuse malformed fields with INVALID_ARGUMENT before doing
    /// anything; reorg injection is FAILED_PRECONDITION unless the engine enabled it, and bounded.
    func testDepositAndReorgInjectionRefuseBadInput() async throws {
        let good = [UInt8](repeating: 0x11, count: 20)
        try await withService { client in
            let bad: [(SettlementV1.DepositRequest, String)] = [
                (.init(from: [1, 2], recipient: good, amount: amount(5)), "from"),
                (.init(from: good, recipient: [UInt8](repeating: 3, count: 21), amount: amount(5)), "recipient"),
                (.init(from: good, recipient: good, amount: [UInt8](repeating: 1, count: 33)), "amount"),
                (.init(from: good, recipient: good, amount: amount(0)), "zero"),
                (.init(from: good, recipient: Address.bridge.bytes, amount: amount(5)), "bridge"),
            ]
            for (request, what) in bad {
                let e = await assertRPCError(.invalidArgument) {
                    try await client.unary(ValidatorMethods.deposit, request)
                }
                XCTAssertTrue(e?.message.contains(what) ?? false, "\(what): \(e?.message ?? "")")
            }
            let ok = try await client.unary(ValidatorMethods.deposit,
                                            SettlementV1.DepositRequest(from: good, recipient: good, amount: amount(5)))
            XCTAssertEqual(ok.depositId, 0)
            XCTAssertEqual(ok.l2TxId.count, 32)
            await assertRPCError(.failedPrecondition) {
                try await client.unary(ValidatorMethods.injectL1Reorg, SettlementV1.InjectL1ReorgRequest(depth: 1))
            }
        }
        let head = L1BlockHeader(number: 9, hash: Keccak256.hash([9]), parentHash: .zero, timestampMs: 0)
        try await withService(reorgInjector: { _, _, _ in head }) { client in
            for request in [SettlementV1.InjectL1ReorgRequest(depth: 0), .init(depth: 1_025),
                            .init(depth: 1, extraBlocks: 4_000_000_000)] {
                await assertRPCError(.invalidArgument) {
                    try await client.unary(ValidatorMethods.injectL1Reorg, request)
                }
            }
            let done = try await client.unary(ValidatorMethods.injectL1Reorg,
                                              SettlementV1.InjectL1ReorgRequest(depth: 2, extraBlocks: 1))
            XCTAssertEqual(done.l1BlockNumber, 9)
        }
    }

    /// The calls that act on the L1 as the address in the request are refused on the public
    /// listener (PERMISSION_DENIED) and under --production (FAILED_PRECONDITION), before any
    /// field check and without submitting anything (the L1 head stays at block 0: `InstantL1`
    /// makes one block per submitted transaction); the read-only calls are served.
    func testAdminCallsAreRefusedOnThePublicListenerAndInProduction() async throws {
        let head = L1BlockHeader(number: 9, hash: Keccak256.hash([9]), parentHash: .zero, timestampMs: 0)
        let stake = SettlementV1.StakeRequest(address: validator.bytes, amount: amount(20))
        let calls: [(String, @Sendable (RPCClient) async throws -> Void)] = [
            ("Deposit", { c in _ = try await c.unary(ValidatorMethods.deposit, SettlementV1.DepositRequest(
                from: Array(repeating: 1, count: 20), recipient: Array(repeating: 2, count: 20), amount: UInt256(5).bigEndianBytes)) }),
            ("RegisterValidator", { [validator] c in _ = try await c.unary(ValidatorMethods.registerValidator,
                                                                           SettlementV1.RegisterValidatorRequest(
                address: validator.bytes, stake: UInt256(50).bigEndianBytes)) }),
            ("AddStake", { c in _ = try await c.unary(ValidatorMethods.addStake, stake) }),
            ("RequestUnstake", { c in _ = try await c.unary(ValidatorMethods.requestUnstake, stake) }),
            ("WithdrawStake", { [validator] c in _ = try await c.unary(ValidatorMethods.withdrawStake,
                                                                       SettlementV1.ValidatorAddress(
                address: validator.bytes)) }),
            ("InjectL1Reorg", { c in _ = try await c.unary(ValidatorMethods.injectL1Reorg,
                                                           SettlementV1.InjectL1ReorgRequest(depth: 1)) }),
            ("SubmitToInbox", { c in _ = try await c.unary(ValidatorMethods.submitToInbox,
                                                           SettlementV1.SubmitToInboxRequest(
                from: Array(repeating: 1, count: 20), transfer: SettlementV1.SignedTransfer(Settlement.SignedTransfer(
                    transfer: Transfer(from: Address(bytes: Array(repeating: 3, count: 20))!, to: Address(bytes: Array(repeating: 2, count: 20))!,
                                       value: 1, fee: 0, nonce: 0),
                    domain: .test, signature: Array(repeating: 27, count: 65))))) }),
            ("Deposit (malformed)", { c in _ = try await c.unary(ValidatorMethods.deposit,
                                                                 SettlementV1.DepositRequest(from: [1])) }),
        ]
        XCTAssertEqual(Set(calls.map { $0.0 }.filter { !$0.contains(" ") }), ValidatorService.adminMethods)
        for (mode, code, needle) in [(ValidatorService.AdminCalls.refusedOnThisListener, StatusCode.permissionDenied, "admin listener"),
                                     (.refusedInProduction, .failedPrecondition, "--production")] {
            try await withService(reorgInjector: { _, _, _ in head }, adminCalls: mode) { client in
                for (name, call) in calls {
                    let e = await assertRPCError(code) { try await call(client) }
                    XCTAssertTrue(e?.message.contains(needle) ?? false, "\(mode) \(name): \(e?.message ?? "")")
                }
                let report = try await client.unary(ValidatorMethods.getFinality, SettlementV1.GetFinalityRequest())
                XCTAssertEqual(report.l1BlockNumber, 0, "\(mode): an admin call reached the L1")
                let info = try await client.unary(ValidatorMethods.getValidator,
                                                  SettlementV1.ValidatorAddress(address: validator.bytes))
                XCTAssertFalse(info.registered)
            }
        }
    }

    func testUnavailableUntilTheL1IsAttached() async throws {
        try await withService(attach: false) { client in
            await assertRPCError(.unavailable) {
                try await client.unary(ValidatorMethods.getFinality, SettlementV1.GetFinalityRequest())
            }
        }
    }

    func testMessagesRoundTrip() throws {
        let result = SettlementV1.L1CallResult(l1TxHash: [1], l1BlockNumber: 2, events: ["a", "", "c"], amount: [3])
        XCTAssertEqual(try SettlementV1.L1CallResult(protobufBytes: result.protobufBytes()), result)
        let info = SettlementV1.ValidatorInfo(address: [1], registered: true, stake: [2], unstaking: [3], unlockAtMs: 4,
                                              openGames: [5, 6], l1BlockNumber: 7, l1TimeMs: 8)
        XCTAssertEqual(try SettlementV1.ValidatorInfo(protobufBytes: info.protobufBytes()), info)
        let games = SettlementV1.ListChallengesResponse(challenges: [
            SettlementV1.Challenge(id: 1, commitmentIndex: 2, challenger: [3], proposer: [4], phase: .oneStep, turn: .proposer,
                                   deadlineMs: 5, result: .open, rangeLo: 6, rangeHi: 7),
            SettlementV1.Challenge(id: 8, phase: .resolved, result: .challengerWon, resolution: "timeout"),
        ], total: 9)
        XCTAssertEqual(try SettlementV1.ListChallengesResponse(protobufBytes: games.protobufBytes()), games)
        let report = SettlementV1.FinalityReport(commitments: [
            SettlementV1.CommitmentFinality(index: 1, firstBatch: 2, lastBatch: 3, prevRoot: [4], newRoot: [5], status: .finalized,
                                            l1BlockNumber: 6, confirmations: 7, challengeDeadlineMs: 8, openGames: 9,
                                            proposer: [10]),
        ], total: 11, l1BlockNumber: 12, l1TimeMs: 13, confirmationDepth: 14)
        XCTAssertEqual(try SettlementV1.FinalityReport(protobufBytes: report.protobufBytes()), report)
        let requests: [any ProtoMessage] = [
            SettlementV1.RegisterValidatorRequest(address: [1], stake: [2]), SettlementV1.StakeRequest(address: [3], amount: [4]),
            SettlementV1.ValidatorAddress(address: [5]), SettlementV1.ListChallengesRequest(fromId: 6, limit: 7),
            SettlementV1.GetFinalityRequest(fromIndex: 8, limit: 9),
            SettlementV1.ClaimWithdrawalRequest(recipient: [10], commitmentIndex: 11),
            SettlementV1.GetWithdrawalRequest(recipient: [12]),
            SettlementV1.WithdrawalInfo(recipient: [13], exitAddress: [14], burned: [15], claimed: [16]),
        ]
        for r in requests {
            XCTAssertEqual(try type(of: r).init(protobufBytes: r.protobufBytes()).protobufBytes(), r.protobufBytes())
        }
    }
}
