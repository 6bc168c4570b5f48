import XCTest
import ZK
@testable import Settlement

/// A reviewer's adversaries against the shielded pool's stateless pieces (docs/shielded.md, "Who
/// attacks it, and what must hold"): each test names the dishonest party and the property.
final class ShieldedAdversarialTests: XCTestCase {
    private let accountRoot = Keccak256.hash(utf8: "accounts")

    /// The proposer who posts a wrong shielded state. `noteCount` is not committed by the state
    /// root, so it must not decide what the state root commits to: a witness claiming "no notes"
    /// beside a note root of a tree holding a note the proposer invented would otherwise hash to
    /// the bare account root of a pool that really is empty, and an append proof from that
    /// invented root would then justify the proposer's post-state.
    func testAClaimedZeroCountDoesNotHideTheNoteRoot() throws {
        var invented = NoteTree()
        try invented.append(contentsOf: [Fr(1_000_000)])
        let forged = ShieldedRoots(noteRoot: invented.root, noteCount: 0, nullifierRoot: .zero)
        XCTAssertNotEqual(forged.stateRoot(accountRoot: accountRoot), accountRoot)
        XCTAssertFalse(forged.isEmpty)
        // The state root is the one of the tree the note root names, whatever count is claimed.
        XCTAssertEqual(forged.stateRoot(accountRoot: accountRoot),
                       ShieldedRoots(notes: invented, nullifiers: NullifierSet()).stateRoot(accountRoot: accountRoot))
        // And a claimed count beside the empty tree's root changes nothing either.
        let padded = ShieldedRoots(noteRoot: ShieldedRoots.empty.noteRoot, noteCount: 5, nullifierRoot: .zero)
        XCTAssertEqual(padded.stateRoot(accountRoot: accountRoot), accountRoot)
    }

    /// A server (or anyone relaying a note's path to the wallet) answering a path of the wrong
    /// length: the builder must refuse it with an error, not stop the wallet's process (the spend
    /// circuit's initializer traps on a path whose length differs from the dummy's 32 levels).
    func testTheBuilderRefusesAPathOfTheWrongLength() throws {
        let owner = try SpendingKey.generate()
        let domain = SigningDomain(chainId: 31337, salt: Keccak256.hash(utf8: "shielded adversarial tests"))
        let note = Note(value: 5, to: owner.address)
        for length in [0, 31, 33] {
            let input = SpendBuilder.Input(note: note, position: 0, siblings: Array(repeating: .zero, count: length))
            XCTAssertThrowsError(try SpendBuilder.build(spendingKey: owner, inputs: [input], payments: [], fee: 5,
                                                        party: .none, root: NoteTree().root, domain: domain,
                                                        provingKey: ShieldedVerifierTests.keys.proving)) { e in
                XCTAssertEqual(e as? SpendBuilder.BuildError, .badPath(position: 0, siblings: length))
            }
        }
    }

    /// Someone crafting proof bytes with points at infinity (the EIP-196/197 encoding of zero),
    /// alone or together, in a transaction whose shape, binding and kind are right: each either
    /// fails to decode or decodes and is refused as an invalid proof, in one batch, without a trap.
    func testProofsWithPointsAtInfinityAreRefused() throws {
        let domain = SigningDomain(chainId: 31337, salt: Keccak256.hash(utf8: "shielded adversarial tests"))
        var tx = ShieldedTransaction(
            kind: .transfer,
            statement: SpendStatement(root: NoteTree().root, nullifiers: [Fr(21), Fr(22)], commitments: [Fr(31), Fr(32)],
                                      publicIn: 0, publicOut: 0, fee: 1, binding: .zero),
            proof: Groth16.Proof(a: BN254G1.generator, b: BN254G2.generator, c: BN254G1.generator),
            ciphertexts: [[UInt8](repeating: 1, count: 121), [UInt8](repeating: 2, count: 121)])
        tx.statement.binding = tx.bindingHash(domain: domain)
        let proofStart = 1 + 32 * 5 + 3 * 8 + 32
        let regions = [0 ..< 64, 64 ..< 192, 192 ..< 256, 0 ..< 256]
        var decoded: [ShieldedTransaction] = []
        for region in regions {
            var bytes = tx.encoded
            for i in region { bytes[proofStart + i] = 0 }
            if let crafted = try? ShieldedTransaction(encoded: bytes) { decoded.append(crafted) }
        }
        XCTAssertEqual(decoded.count, regions.count, "the zero encoding is the point at infinity, which decodes")
        let verdicts = ShieldedVerifier.verifyProofs(decoded, domain: domain, key: ShieldedVerifierTests.keys.verifying)
        XCTAssertEqual(verdicts, Array(repeating: .invalidProof, count: decoded.count))
    }
}
