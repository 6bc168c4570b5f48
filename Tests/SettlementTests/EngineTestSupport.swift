import Logging
@testable import Settlement
import SettlementTestSupport

/// Deterministic keys and a funded genesis for engine tests.
struct EngineFixture {
    let keys: [PrivateKey]
    let genesis: Genesis
    var config: SettlementConfig

    init(accounts: Int = 8, balance: UInt256 = 1_000_000, seed: UInt64 = 42) {
        var rng = SeededGenerator(seed: seed)
        keys = (0..<accounts).map { _ in PrivateKey.generate(using: &rng) }
        genesis = Genesis(chainId: 1337, allocations: keys.map { ($0.address, balance) })
        var c = SettlementConfig()
        c.chainId = 1337
        c.batchSize = 50
        c.batchTimeoutMs = 5
        c.maxPendingTransactions = 10_000
        c.futureNonceTimeoutMs = 200
        config = c
    }

    func engine(store: any SettlementNodeStore = InMemorySettlementStore()) async throws -> SettlementEngine {
        var logger = Logger(label: "engine-test")
        logger.logLevel = .critical
        let e = try SettlementEngine(config: config, genesis: genesis, store: store, logger: logger)
        try await e.start()
        return e
    }

    /// The engine's signing domain (its genesis's).
    var domain: SigningDomain { SigningDomain(genesis: genesis) }

    /// A transfer signed in `domain`, by default the engine's.
    func transfer(from i: Int, to j: Int, value: UInt256, fee: UInt256 = 1, nonce: UInt64,
                  domain: SigningDomain? = nil) -> SignedTransfer {
        SignedTransfer.sign(Transfer(from: keys[i].address, to: keys[j].address, value: value, fee: fee, nonce: nonce),
                            domain: domain ?? self.domain, with: keys[i])
    }
}
