import XCTest
import ZK
@testable import Settlement

/// The transparent side of shielded transactions, and the pool account as the last line of
/// defence: nothing leaves it that was not shielded into it.
final class ShieldedAccountingTests: XCTestCase {
    let fee = Address(bytes: [UInt8](repeating: 0xfe, count: 20))!
    let alice = Address(bytes: [UInt8](repeating: 0xa1, count: 20))!
    let bob = Address(bytes: [UInt8](repeating: 0xb0, count: 20))!
    let proof = Groth16.Proof(a: BN254G1.generator, b: BN254G2.generator, c: BN254G1.generator)
    let cts = [[UInt8](repeating: 0, count: 121), [UInt8](repeating: 1, count: 121)]

    func tx(_ kind: ShieldedTransaction.Kind, publicIn: UInt64 = 0, publicOut: UInt64 = 0, fee: UInt64, nonce: UInt64 = 0) -> ShieldedTransaction {
        ShieldedTransaction(kind: kind,
                            statement: SpendStatement(root: .zero, nullifiers: [Fr(1), Fr(2)], commitments: [Fr(3), Fr(4)],
                                                      publicIn: publicIn, publicOut: publicOut, fee: fee, binding: .zero),
                            proof: proof, ciphertexts: cts,
                            shield: kind == .shield ? .init(from: alice, nonce: nonce, signature: []) : nil,
                            recipient: kind == .unshield ? bob : nil)
    }

    func apply(_ t: ShieldedTransaction, to state: inout [Address: Account]) -> String? {
        let snapshot = state
        switch ShieldedAccounting.writes(t, feeAccount: fee, read: { snapshot[$0] ?? .empty }) {
        case .success(let writes):
            for (a, v) in writes { state[a] = v }
            return nil
        case .failure(let why):
            return why.reason
        }
    }

    func testShieldTransferUnshieldMoveValueThroughThePoolAccount() {
        var state: [Address: Account] = [alice: Account(balance: UInt256(1000), nonce: 0)]
        XCTAssertNil(apply(tx(.shield, publicIn: 300, fee: 2), to: &state))
        XCTAssertEqual(state[alice], Account(balance: UInt256(700), nonce: 1))
        XCTAssertEqual(state[.shieldedPool]?.balance, UInt256(298))
        XCTAssertEqual(state[fee]?.balance, UInt256(2))
        XCTAssertNil(apply(tx(.transfer, fee: 3), to: &state))
        XCTAssertNil(apply(tx(.unshield, publicOut: 200, fee: 5), to: &state))
        XCTAssertEqual(state[bob]?.balance, UInt256(200))
        XCTAssertEqual(state[.shieldedPool]?.balance, UInt256(90))
        XCTAssertEqual(state[fee]?.balance, UInt256(10))
        // Conservation: everything alice put in is somewhere.
        let total = [alice, bob, fee, .shieldedPool].reduce(UInt256(0)) { $0 + (state[$1]?.balance ?? UInt256(0)) }
        XCTAssertEqual(total, UInt256(1000))
    }

    func testShieldFollowsTheTransferRulesOfItsAccount() {
        var state: [Address: Account] = [alice: Account(balance: UInt256(10), nonce: 3)]
        XCTAssertEqual(apply(tx(.shield, publicIn: 5, fee: 0, nonce: 2), to: &state), "nonce 2 does not match the account nonce 3")
        XCTAssertEqual(apply(tx(.shield, publicIn: 11, fee: 0, nonce: 3), to: &state), "insufficient balance: has 10, needs 11")
        XCTAssertEqual(state[alice], Account(balance: UInt256(10), nonce: 3))
    }

    /// The adversary has found a way to prove an inflating spend (a circuit bug): the pool account
    /// still refuses to pay out more than it holds.
    func testNoMoreLeavesThePoolThanWasShielded() {
        var state: [Address: Account] = [alice: Account(balance: UInt256(100), nonce: 0)]
        XCTAssertNil(apply(tx(.shield, publicIn: 50, fee: 0), to: &state))
        XCTAssertEqual(apply(tx(.unshield, publicOut: 51, fee: 0), to: &state),
                       "the shielded pool holds 50, less than the 51 leaving it")
        XCTAssertEqual(apply(tx(.transfer, fee: 51), to: &state),
                       "the shielded pool holds 50, less than the 51 leaving it")
        XCTAssertNil(state[bob])
    }
}
