import XCTest
@testable import Settlement
import SettlementTestSupport

/// Signatures, transaction ids and exit addresses belong to one deployment: the EIP-712 domain
/// carries `salt = keccak256("L2 Settlement deployment" ‖ genesis hash ‖ chain id)`.
///
/// The adversary: a relayer who saw a user's transfer on deployment A (say a test network) and
/// replays it on deployment B, which has the same chain id and funds the same key — as is, or
/// with B's salt written over A's on the wire. Before the salt, a signature for chain 1337 was
/// valid on every deployment of chain 1337.
final class DeploymentBindingTests: XCTestCase {
    /// Two deployments of chain 1337 funding the same keys, their geneses differing in one balance.
    let a = EngineFixture(balance: 1_000_000)
    let b = EngineFixture(balance: 1_000_001)

    func testTwoGenesesOfOneChainIdHaveDifferentDomains() {
        XCTAssertEqual(a.config.chainId, b.config.chainId)
        XCTAssertEqual(a.keys.map(\.address), b.keys.map(\.address))
        XCTAssertEqual(a.domain.chainId, b.domain.chainId)
        XCTAssertNotEqual(a.domain.salt, b.domain.salt)
        XCTAssertNotEqual(EIP712.domainSeparator(a.domain), EIP712.domainSeparator(b.domain))
        XCTAssertEqual(SigningDomain(genesis: a.genesis), a.domain, "a domain is a function of the genesis alone")
    }

    func testTheEngineRefusesATransferSignedForAnotherDeploymentOfTheSameChain() async throws {
        let engine = try await b.engine()
        XCTAssertEqual(engine.domain, b.domain, "the engine signs in its genesis's domain")
        let before = try engine.account(b.keys[0].address).account
        let replayed = a.transfer(from: 0, to: 1, value: 5, nonce: 0)
        XCTAssertNoThrow(try replayed.verify(), "a valid signature, for deployment A")

        // As signed: the domain names deployment A.
        let asSigned = try await engine.submitAndWait(replayed)
        XCTAssertEqual(asSigned.status, .rejected)
        XCTAssertTrue(asSigned.reason.contains("signed for another deployment"), asSigned.reason)
        XCTAssertTrue(asSigned.reason.contains(b.domain.salt.description), "names this deployment's salt: \(asSigned.reason)")

        // Relabelled with B's domain: the digest changes, so the signature recovers someone else.
        let relabelled = SignedTransfer(transfer: replayed.transfer, domain: b.domain, signature: replayed.signature)
        XCTAssertNotEqual(relabelled.id, replayed.id)
        let r = try await engine.submitAndWait(relabelled)
        XCTAssertEqual(r.status, .rejected)
        XCTAssertTrue(r.reason.contains("not by from") || r.reason.contains("invalid signature"), r.reason)
        XCTAssertEqual(try engine.account(b.keys[0].address).account, before, "nothing moved on B")

        // The same transfer signed for B is accepted.
        let own = try await engine.submitAndWait(b.transfer(from: 0, to: 1, value: 5, nonce: 0))
        XCTAssertEqual(own.status, .sequenced, own.reason)
        await engine.stop()
    }

    /// What the L1 arbiter's one-step verifier and a validator re-executing a commitment judge by:
    /// a transfer of deployment A in B's data is a rejection (the state unchanged), whether it
    /// carries A's domain or B's.
    func testTheVerifierAndTheValidatorTreatAnotherDeploymentsTransferAsRejected() throws {
        let rules = TransitionRules(domain: b.domain, feeAccount: b.config.feeAccount, maxFee: b.config.maxFee)
        let replayed = a.transfer(from: 0, to: 1, value: 5, nonce: 0)
        let relabelled = SignedTransfer(transfer: replayed.transfer, domain: b.domain, signature: replayed.signature)
        let genesisTree = SparseMerkleTree.from(b.genesis)
        for t in [replayed, relabelled] {
            XCTAssertNotNil(rules.statelessRejection(t))
            // One-step proof, through its wire encoding (the salt travels with the transaction).
            let proof = try OneStepProof(serialized: OneStepProof.make(t, on: genesisTree, rules: rules).serialized)
            XCTAssertEqual(proof.transaction.domain, t.domain)
            let result = try OneStepVerifier(rules: rules).verify(proof)
            XCTAssertFalse(result.accepted)
            XCTAssertEqual(result.postRoot, genesisTree.root)
            // A validator's re-execution.
            var tree = genesisTree
            _ = CommitmentTrace.execute([[t]], on: &tree, rules: rules)
            XCTAssertEqual(tree.root, genesisTree.root, "rejected: the state is unchanged")
        }
        XCTAssertTrue(rules.statelessRejection(replayed)?.contains("another deployment") == true)
        // B's own transfer passes.
        XCTAssertNil(rules.statelessRejection(b.transfer(from: 0, to: 1, value: 5, nonce: 0)))
    }

    /// A burn to an exit address on deployment A is an ordinary transfer on B and the other way
    /// round: each deployment derives its own exit addresses.
    func testExitAddressesDifferBetweenDeploymentsOfTheSameChain() {
        let recipient = Address(bytes: [UInt8](repeating: 0x77, count: 20))!
        let exitA = Withdrawals.exitAddress(for: recipient, in: a.domain)
        let exitB = Withdrawals.exitAddress(for: recipient, in: b.domain)
        XCTAssertNotEqual(exitA, exitB)
        XCTAssertEqual(exitA, Withdrawals.exitAddress(for: recipient, in: SigningDomain(genesis: a.genesis)))
        XCTAssertNotEqual(exitA, Withdrawals.exitAddress(for: Address(bytes: [UInt8](repeating: 0x78, count: 20))!, in: a.domain))
    }
}

extension SparseMerkleTree {
    /// The state of `genesis`.
    static func from(_ genesis: Genesis) -> SparseMerkleTree {
        var tree = SparseMerkleTree()
        _ = tree.update(genesis.allocations.map { (address: $0.address, account: Account(balance: $0.balance)) })
        return tree
    }
}
