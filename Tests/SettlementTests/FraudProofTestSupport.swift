import XCTest
@testable import Settlement

/// Signers, rules and a starting state for fraud-proof tests, and a seeded generator of transfers
/// that covers every outcome: accepted, each stateful rejection, each stateless rejection, and
/// the aliasing cases (self-transfers, the fee account sending and receiving).
struct FraudProofFixture {
    let keys: [PrivateKey]
    let rules: TransitionRules
    /// The state before the first batch.
    let tree: SparseMerkleTree
    /// Addresses that hold nothing at first (recipients that get created).
    let strangers: [Address]

    /// `keys[0]` is the fee account (so it also signs transfers); `keys.last` holds almost 2^256
    /// (credits to it overflow); the rest hold 1,000,000.
    init(seed: UInt64, signers: Int = 6, extraAccounts: Int = 40) {
        var rng = SeededGenerator(seed: seed)
        keys = (0 ..< signers).map { _ in PrivateKey.generate(using: &rng) }
        rules = TransitionRules(domain: .test, feeAccount: keys[0].address, maxFee: 1000)
        var tree = SparseMerkleTree()
        var changes: [(address: Address, account: Account?)] = keys.map { (address: $0.address, account: Account(balance: 1_000_000)) }
        changes[signers - 1].account = Account(balance: UInt256.max - 5)
        for _ in 0 ..< extraAccounts { changes.append((address: rng.address(), account: rng.account())) }
        tree.update(changes)
        self.tree = tree
        strangers = (0 ..< 8).map { _ in rng.address() }
    }

    /// One transfer against `state` (the state it will run on): mostly valid, sometimes not.
    func randomTransfer(on state: SparseMerkleTree, using rng: inout SeededGenerator) -> SignedTransfer {
        let i = Int.random(in: 0 ..< keys.count, using: &rng)
        let from = keys[i].address
        let roll = Int.random(in: 0 ..< 100, using: &rng)
        var nonce = state.account(from)?.nonce ?? 0
        if roll < 8 { nonce &+= UInt64.random(in: 1 ... 3, using: &rng) }
        let to: Address
        switch Int.random(in: 0 ..< 10, using: &rng) {
        case 0: to = from
        case 1: to = rules.feeAccount
        case 2, 3: to = strangers.randomElement(using: &rng)!
        default: to = keys.randomElement(using: &rng)!.address
        }
        var value = UInt256(UInt64.random(in: 0 ... 50_000, using: &rng))
        if roll >= 8 && roll < 12 { value = UInt256(5_000_000) }            // insufficient balance
        if roll >= 12 && roll < 14 { value = UInt256.max }                  // value + fee overflows
        if roll >= 14 && roll < 16 { value = 0 }                            // zero credit (maybe to a stranger)
        var fee = UInt256(UInt64.random(in: 0 ... 3, using: &rng))
        if roll >= 16 && roll < 19 { fee = 1001 }                           // above maxFee
        let transfer = Transfer(from: from, to: to, value: value, fee: fee, nonce: nonce)
        if roll >= 19 && roll < 22 {                                        // signed by someone else
            return SignedTransfer.sign(transfer, domain: rules.domain, with: keys[(i + 1) % keys.count])
        }
        if roll >= 22 && roll < 25 {                                        // another chain
            return SignedTransfer.sign(transfer, domain: SigningDomain(chainId: rules.chainId + 1, salt: rules.domain.salt), with: keys[i])
        }
        return SignedTransfer.sign(transfer, domain: rules.domain, with: keys[i])
    }

    /// `sizes.count` batches of random transfers from `tree`, each generated against the state it
    /// runs on.
    func randomBatches(_ sizes: [Int], seed: UInt64) -> [[SignedTransfer]] {
        var rng = SeededGenerator(seed: seed)
        var scratch = tree
        return sizes.map { size in
            (0 ..< size).map { _ in
                let tx = randomTransfer(on: scratch, using: &rng)
                _ = BatchTrace.execute([tx], on: &scratch, rules: rules)
                return tx
            }
        }
    }

    func sign(_ i: Int, to: Address, value: UInt256, fee: UInt256 = 1, nonce: UInt64) -> SignedTransfer {
        SignedTransfer.sign(Transfer(from: keys[i].address, to: to, value: value, fee: fee, nonce: nonce),
                            domain: rules.domain, with: keys[i])
    }
}

/// A commitment as both an honest party and a test see it: its batches, the honest trace, and the
/// state before each batch (to make one-step proofs).
struct CommitmentWorld {
    let fixture: FraudProofFixture
    let batches: [[SignedTransfer]]
    let honest: CommitmentTrace
    let treesBeforeBatch: [SparseMerkleTree]

    init(fixture: FraudProofFixture, sizes: [Int], seed: UInt64) {
        self.init(fixture: fixture, batches: fixture.randomBatches(sizes, seed: seed))
    }

    /// The world of given batches (executed from `fixture.tree`).
    init(fixture: FraudProofFixture, batches: [[SignedTransfer]]) {
        self.fixture = fixture
        self.batches = batches
        var tree = fixture.tree
        var before: [SparseMerkleTree] = []
        for b in batches {
            before.append(tree)
            _ = BatchTrace.execute(b, on: &tree, rules: fixture.rules)
        }
        treesBeforeBatch = before
        var replay = fixture.tree
        honest = CommitmentTrace.execute(batches, on: &replay, rules: fixture.rules)
    }

    /// Transactions before batch `batch` (global step index of its start).
    func firstStep(ofBatch batch: Int) -> Int { batches[..<batch].reduce(0) { $0 + $1.count } }

    /// Global step index of a location: transactions executed before it.
    func step(_ location: ChallengeGame.Location) -> Int {
        switch location {
        case .afterBatches(let k): firstStep(ofBatch: k)
        case .afterTransactions(let b, let c): firstStep(ofBatch: b) + c
        }
    }

    /// The honest one-step proof of transaction `index` of batch `batch`.
    func honestProof(batch: Int, index: Int, inclusion: DataInclusionProof = .onlyTransaction) -> OneStepProof {
        BatchTrace.oneStepProof(of: batches[batch], index: index, from: treesBeforeBatch[batch], rules: fixture.rules,
                                inclusion: inclusion)
    }

    /// A root that is not `root` (what a liar posts).
    static func lie(_ root: Digest32, salt: UInt64 = 0) -> Digest32 {
        Keccak256.hash(left: root, right: Digest32(w0: salt &+ 1, w1: 0, w2: 0, w3: 0))
    }
}
