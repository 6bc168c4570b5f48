import Synchronization
import XCTest

@testable import Settlement

/// Admission at the pool's door (docs/admission.md), against a dishonest sender: one that cannot
/// pay, one that tries to spend the same balance twice through pending transfers, one that tries
/// to fill the pool alone.
final class PoolAdmissionTests: XCTestCase {
    /// Accounts the pool reads, changeable by the test (as the sequencer changes the state).
    final class Accounts: Sendable {
        let map = Lock<[Address: Account]>([:])
        func set(_ a: Address, _ account: Account) { map.withLock { $0[a] = account } }
        func get(_ a: Address) -> Account { map.withLock { $0[a] ?? .empty } }
    }

    let f = EngineFixture(accounts: 4)
    let v = ValidationPipeline(domain: EngineFixture(accounts: 4).domain, maxFee: 1_000)

    func validated(_ t: SignedTransfer) -> ValidatedTransfer {
        guard case .success(let tx) = v.validate(t) else { fatalError("fixture transfer does not validate") }
        return tx
    }

    func pool(_ accounts: Accounts, capacity: Int = 100, perSender: Int = 100) -> TransactionPool {
        TransactionPool(capacity: capacity, maxFutureNonces: 8, futureTimeout: .seconds(10), maxPerSender: perSender) {
            accounts.get($0)
        }
    }

    func testUnfundedSenderIsRefusedAndNotStored() {
        let accounts = Accounts()
        let p = pool(accounts)
        let junk = validated(f.transfer(from: 0, to: 1, value: 1, fee: 1, nonce: 0))
        XCTAssertThrowsError(try p.add(junk) { _ in }) {
            XCTAssertEqual($0 as? PoolRejection, .insufficientBalance(has: 0, pending: 0, needs: 2))
        }
        XCTAssertEqual(p.count, 0)
        XCTAssertFalse(p.contains(junk.id))
    }

    func testPendingTransfersAheadCountAgainstTheBalance() throws {
        let accounts = Accounts()
        let a = f.keys[0].address
        accounts.set(a, Account(balance: 100))
        let p = pool(accounts)
        try p.add(validated(f.transfer(from: 0, to: 1, value: 59, fee: 1, nonce: 0))) { _ in }   // 60
        // 60 + 50 > 100: the same balance cannot be promised twice.
        XCTAssertThrowsError(try p.add(validated(f.transfer(from: 0, to: 1, value: 49, fee: 1, nonce: 1))) { _ in }) {
            XCTAssertEqual($0 as? PoolRejection, .insufficientBalance(has: 100, pending: 60, needs: 50))
        }
        // A future nonce counts too (it spends if the gap fills).
        try p.add(validated(f.transfer(from: 0, to: 1, value: 19, fee: 1, nonce: 2))) { _ in }   // 60 + 20
        XCTAssertThrowsError(try p.add(validated(f.transfer(from: 0, to: 1, value: 20, fee: 1, nonce: 1))) { _ in })
        try p.add(validated(f.transfer(from: 0, to: 1, value: 19, fee: 1, nonce: 1))) { _ in }   // exactly 100
        XCTAssertEqual(p.count, 3)

        // Taken into a batch: still counted until the state reflects it.
        let taken = p.takeBatch(max: 1)
        XCTAssertEqual(taken.count, 1)
        XCTAssertThrowsError(try p.add(validated(f.transfer(from: 0, to: 1, value: 0, fee: 1, nonce: 3))) { _ in })
        // The state executed it (balance 40, nonce 1), before the pool heard the verdict: counted once.
        accounts.set(a, Account(balance: 40, nonce: 1))
        XCTAssertThrowsError(try p.add(validated(f.transfer(from: 0, to: 1, value: 0, fee: 1, nonce: 3))) { _ in }) {
            XCTAssertEqual($0 as? PoolRejection, .insufficientBalance(has: 40, pending: 40, needs: 1))
        }
        // A credit arrives: the next transfer fits.
        accounts.set(a, Account(balance: 41, nonce: 1))
        try p.add(validated(f.transfer(from: 0, to: 1, value: 0, fee: 1, nonce: 3))) { _ in }
        p.executed(taken[0].tx, accepted: true)
        XCTAssertEqual(p.count, 3)
    }

    func testARejectedExecutionGivesItsCostBack() throws {
        let accounts = Accounts()
        let a = f.keys[0].address
        accounts.set(a, Account(balance: 10))
        let p = pool(accounts)
        try p.add(validated(f.transfer(from: 0, to: 1, value: 9, fee: 1, nonce: 0))) { _ in }
        let taken = p.takeBatch(max: 10)
        p.executed(taken[0].tx, accepted: false)   // e.g. the balance moved meanwhile
        try p.add(validated(f.transfer(from: 0, to: 1, value: 8, fee: 1, nonce: 0))) { _ in }
    }

    func testFarFutureNonceIsRefused() {
        let accounts = Accounts()
        accounts.set(f.keys[0].address, Account(balance: 1_000))
        let p = pool(accounts)
        XCTAssertThrowsError(try p.add(validated(f.transfer(from: 0, to: 1, value: 1, fee: 1, nonce: 9))) { _ in }) {
            XCTAssertEqual($0 as? PoolRejection, .nonceTooFarAhead(got: 9, expected: 0, limit: 8))
        }
        XCTAssertEqual(p.count, 0)
    }

    func testOneSenderCannotTakeMoreThanItsShare() throws {
        let accounts = Accounts()
        for k in f.keys { accounts.set(k.address, Account(balance: 1_000_000)) }
        let p = pool(accounts, capacity: 100, perSender: 5)
        for n in 0..<5 { try p.add(validated(f.transfer(from: 0, to: 1, value: 1, nonce: UInt64(n)))) { _ in } }
        XCTAssertThrowsError(try p.add(validated(f.transfer(from: 0, to: 1, value: 1, nonce: 5))) { _ in }) {
            XCTAssertEqual($0 as? PoolRejection, .senderShare(limit: 5))
            XCTAssertTrue(($0 as? PoolRejection)?.isRetryable == true)
        }
        try p.add(validated(f.transfer(from: 1, to: 0, value: 1, nonce: 0))) { _ in }
    }

    func testFullPoolEvictsTheHeaviestSendersNewestTransferForALighterSender() throws {
        let accounts = Accounts()
        for k in f.keys { accounts.set(k.address, Account(balance: 1_000_000)) }
        let p = pool(accounts, capacity: 6, perSender: 6)
        let evicted = Lock<[Receipt]>([])
        // The heavy sender: 4 ready and 2 held (nonce 5 is missing).
        for n: UInt64 in [0, 1, 2, 3, 6, 7] {
            try p.add(validated(f.transfer(from: 0, to: 1, value: 1, nonce: n))) { r in evicted.withLock { $0.append(r) } }
        }
        XCTAssertEqual(p.count, 6)
        // A lighter sender's next nonce evicts the heavy sender's newest (held nonce 7).
        let newest = validated(f.transfer(from: 0, to: 1, value: 1, nonce: 7))
        try p.add(validated(f.transfer(from: 1, to: 0, value: 1, nonce: 0))) { _ in }
        XCTAssertEqual(p.count, 6)
        XCTAssertFalse(p.contains(newest.id))
        XCTAssertEqual(evicted.withLock { $0.map(\.id) }, [newest.id])
        XCTAssertEqual(evicted.withLock { $0.first?.status }, .rejected)
        XCTAssertTrue(evicted.withLock { $0.first?.reason ?? "" }.contains("evicted"))
        // A lighter sender's future nonce does not evict.
        XCTAssertThrowsError(try p.add(validated(f.transfer(from: 2, to: 0, value: 1, nonce: 1))) { _ in }) {
            XCTAssertEqual($0 as? PoolRejection, .full(capacity: 6))
        }
        // Evictions continue while the heavy sender holds at least two more than the newcomer.
        try p.add(validated(f.transfer(from: 2, to: 0, value: 1, nonce: 0))) { _ in }   // evicts held 6
        try p.add(validated(f.transfer(from: 3, to: 0, value: 1, nonce: 0))) { _ in }   // evicts ready 3
        XCTAssertEqual(p.count, 6)
        // Now the heavy sender has 3, sender 1 has 1: it may still evict once (3 >= 1 + 2)...
        try p.add(validated(f.transfer(from: 1, to: 0, value: 1, nonce: 1))) { _ in }
        // ...but not when the heaviest holds no more than one above it.
        XCTAssertThrowsError(try p.add(validated(f.transfer(from: 1, to: 0, value: 1, nonce: 2))) { _ in }) {
            XCTAssertEqual($0 as? PoolRejection, .full(capacity: 6))
        }
        // Whatever was evicted, the batch is still in nonce order per sender and gap-free.
        let batch = p.takeBatch(max: 10)
        let heavy = batch.filter { $0.tx.sender == f.keys[0].address }.map(\.tx.transfer.nonce)
        XCTAssertEqual(heavy, [0, 1])
    }

    func testRefusedTransfersDoNotCountTowardsTheShareOrCapacity() throws {
        let accounts = Accounts()
        let p = pool(accounts, capacity: 4, perSender: 4)
        for i in 0..<50 {
            // Fresh keys without funds: each one refused at the door.
            let key = PrivateKey.generate(using: &rng)
            let t = SignedTransfer.sign(Transfer(from: key.address, to: f.keys[0].address, value: 1, fee: 1, nonce: 0),
                                        domain: f.domain, with: key)
            XCTAssertThrowsError(try p.add(validated(t)) { _ in }, "junk \(i)")
        }
        XCTAssertEqual(p.count, 0)
        accounts.set(f.keys[1].address, Account(balance: 10))
        try p.add(validated(f.transfer(from: 1, to: 0, value: 1, nonce: 0))) { _ in }
    }

    /// Deposits come from the bridge, which holds no balance: they skip the balance and share
    /// checks (execution checks them), still respect the capacity, and are never evicted.
    func testDepositsSkipTheBalanceCheckAndAreNeverEvicted() throws {
        let accounts = Accounts()
        for k in f.keys { accounts.set(k.address, Account(balance: 1_000_000)) }
        let p = pool(accounts, capacity: 4, perSender: 2)
        for id: UInt64 in 0..<4 {
            let d = L1Deposit(id: id, depositor: Address(bytes: [UInt8](repeating: 7, count: 20))!, recipient: f.keys[0].address,
                              amount: 5, l1BlockNumber: 1, l1BlockHash: .zero)
            try p.add(ValidatedTransfer(deposit: d, domain: f.domain)) { _ in }
        }
        XCTAssertEqual(p.count, 4)
        XCTAssertThrowsError(try p.add(validated(f.transfer(from: 1, to: 0, value: 1, nonce: 0))) { _ in }) {
            XCTAssertEqual($0 as? PoolRejection, .full(capacity: 4))
        }
    }

    var rng = SeededGenerator(seed: 7)
}
