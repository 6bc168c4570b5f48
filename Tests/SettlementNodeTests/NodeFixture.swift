import Logging
import Settlement
import SettlementNode
import SettlementTestSupport
import XCTest

/// A settlement node on the in-memory store and an L1 over the pure arbiter, with its L1 duties
/// driven by hand (one `round` per L1 block), and the parties around it: an honest validator and
/// a depositor. Real signatures throughout.
struct NodeFixture {
    static let blockTimeMs: UInt64 = 12_000
    let keys: [PrivateKey]
    let genesis: Genesis
    let genesisRoot: Digest32
    let config: SettlementConfig
    let rules: TransitionRules
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let validatorAddress = Address(bytes: [UInt8](repeating: 0xcc, count: 20))!
    let depositor = Address(bytes: [UInt8](repeating: 0xd1, count: 20))!
    let store = InMemorySettlementStore()
    let l1: ArbiterL1
    let node: SettlementNode
    let validator: ValidatorNode
    let logger: Logger

    /// `wrongRootAt`: the commitment index posted with a wrong root (the dishonest proposer).
    /// `background`: the node runs its L1 duties in its own tasks (else the test drives them).
    init(wrongRootAt: UInt64? = nil, background: Bool = false, seed: UInt64 = 7) throws {
        var rng = SeededGenerator(seed: seed)
        keys = (0 ..< 8).map { _ in PrivateKey.generate(using: &rng) }
        genesis = Genesis(chainId: 1337, allocations: keys.map { ($0.address, UInt256(1_000_000)) })
        genesisRoot = StateManager().apply(diff: SettlementEngine.genesisDiff(genesis))
        var c = SettlementConfig()
        c.chainId = 1337
        c.feeAccount = Address(bytes: [UInt8](repeating: 0xfe, count: 20))!
        c.batchSize = 10
        c.batchTimeoutMs = 5
        config = c
        var log = Logger(label: "node-test")
        log.logLevel = .error
        logger = log
        let domain = SigningDomain(genesis: genesis)
        rules = TransitionRules(domain: domain, feeAccount: c.feeAccount, maxFee: c.maxFee)
        let bt = Self.blockTimeMs
        l1 = ArbiterL1(config: L1ArbiterConfig(genesisRoot: genesisRoot, proposer: proposer, minimumCommitmentBond: 1, minimumStake: 10,
                                               challengePeriodMs: 30 * bt, clockMs: 40 * bt, minimumChallengeBond: 2, rules: rules),
                       blockTimeMs: bt)
        var finality = FinalityEngine.Settings(settlementInterval: .zero, confirmationDepth: 2, challengePeriodMs: 30 * bt,
                                               maxBatchesPerCommitment: 1_000, proposer: proposer, bond: 5)
        finality.faultInjectWrongRootAt = wrongRootAt
        finality.pollInterval = .milliseconds(5)
        var settings = SettlementNodeSettings(finality: finality, depositSafeDepth: 2)
        settings.runsL1DutiesInBackground = background
        settings.watcherPollInterval = .milliseconds(5)
        node = try SettlementNode(config: c, genesis: genesis, store: store, settings: settings, logger: log, l1: l1)
        validator = ValidatorNode(settings: ValidatorNode.Settings(address: validatorAddress, stake: 10, challengeBond: 2, rules: rules),
                                  l1: l1, genesisDiff: SettlementEngine.genesisDiff(genesis), logger: log)
    }

    var engine: SettlementEngine { node.engine }
    var domain: SigningDomain { engine.domain }

    /// Key `i` sends to key `i + 3`, nonce `n`.
    func transfer(_ i: Int, nonce n: UInt64) -> SignedTransfer {
        SignedTransfer.sign(Transfer(from: keys[i].address, to: keys[(i + 3) % keys.count].address, value: UInt256(100 + UInt64(i)),
                                     fee: 1, nonce: n), domain: domain, with: keys[i])
    }

    /// Submits `transfers` in order; each must be SEQUENCED.
    func sequence(_ transfers: [SignedTransfer]) async throws {
        for t in transfers {
            let r = try await engine.submitAndWait(t)
            XCTAssertEqual(r.status, .sequenced, r.reason)
        }
    }

    /// A deposit from the depositor on L1 (included by the next block).
    func deposit(to recipient: Address, amount: UInt256, nonce: UInt64) async throws {
        _ = try await l1.submit(L1Transaction(sender: depositor, call: .deposit(l2Recipient: recipient, amount: amount), nonce: nonce))
    }

    /// One round: the validator acts, the node's L1 duties run, the L1 makes a block.
    func round() async throws {
        try await validator.step()
        try await node.l1Step()
        await l1.produceBlock()
    }

    /// The root of an honest execution of `transfers` and `deposits` (by id) from the genesis:
    /// what the engine's state must equal.
    func honestRoot(_ transfers: [SignedTransfer], deposits: [L1Deposit]) throws -> Digest32 {
        let honest = StateManager()
        _ = honest.apply(diff: SettlementEngine.genesisDiff(genesis))
        let pipeline = ValidationPipeline(domain: domain, maxFee: config.maxFee)
        let validated = try transfers.map { try pipeline.validate($0).get() } + deposits.map { ValidatedTransfer(deposit: $0, domain: domain) }
        let replay = BatchExecutor(feeAccount: config.feeAccount).execute(validated, lookup: { honest.account($0) })
        XCTAssertTrue(replay.transactions.allSatisfy(\.accepted))
        return honest.apply(diff: replay.diff)
    }
}

/// Polls `condition` until it holds (bounded by a count of polls, not by time).
func eventually(_ what: String, polls: Int = 20_000, _ condition: () async throws -> Bool) async throws {
    for _ in 0 ..< polls {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    XCTFail("never happened: \(what)")
    throw TestStoreError("never happened: \(what)")
}

/// The steps of one revert, in the order the node must take them.
func orderedRevertSteps(_ from: UInt64) -> [RevertStep] {
    [.watchersSuspended, .engineRolledBack(fromBatch: from), .watchersReset, .finalityNoted, .sequencingResumed, .watchersResumed]
}
