import XCTest
import ZK
@testable import Settlement

/// Private transfers through the domain, with real depth-32 spend proofs (a development setup):
/// shield, send, scan, unshield, and each dishonest party refused with its reason. The engine's
/// lane runs the same two stages (`ShieldedVerifier`) over the same trees.
final class ShieldedVerifierTests: XCTestCase {
    /// One development setup of the depth-32 spend circuit for the whole class (seconds).
    static let keys: (proving: Groth16.ProvingKey, verifying: Groth16.PreparedVerifyingKey) = {
        var rng = SystemRandomNumberGenerator()
        let r1cs = SpendCircuit.example().build().r1cs
        let key = try! Groth16.developmentSetup(r1cs: r1cs, toxicWaste: .random(using: &rng))
        return (key, Groth16.PreparedVerifyingKey(key.verifyingKey))
    }()

    let domain = SigningDomain(chainId: 31337, salt: Keccak256.hash(utf8: "shielded verifier tests"))
    let account = try! PrivateKey(hex: "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
    let alice = try! SpendingKey.generate()
    let bob = try! SpendingKey.generate()
    let eve = try! SpendingKey.generate()

    /// The engine's pool (`ShieldedPool`) with the two stages run over it per batch.
    struct Pool {
        var state: ShieldedPool
        init(window capacity: Int = 4) { state = ShieldedPool(windowCapacity: capacity, undoLimit: 8) }
        var notes: NoteTree { state.noteTree }
        var nullifiers: NullifierSet { state.nullifiers }
        var window: RecentRootWindow { state.window }

        /// Both stages, then the accepted transactions applied and the batch's root recorded.
        mutating func runBatch(_ txs: [ShieldedTransaction], domain: SigningDomain,
                               key: Groth16.PreparedVerifyingKey) -> [ShieldedRefusal?] {
            var verdicts = ShieldedVerifier.verifyProofs(txs, domain: domain, key: key)
            let passed = verdicts.indices.filter { verdicts[$0] == nil }
            for (i, v) in zip(passed, ShieldedVerifier.checkAgainstPool(passed.map { txs[$0] }, pool: state)) {
                verdicts[i] = v
            }
            try! state.apply(zip(txs, verdicts).filter { $0.1 == nil }.map(\.0))
            state.endBatch()
            return verdicts
        }

        /// The notes `key` finds by scanning the outputs of `txs` (trial decryption of each).
        func scan(_ txs: [ShieldedTransaction], with key: IncomingViewingKey, owner: Fr) -> [(position: UInt32, note: Note)] {
            var found: [(UInt32, Note)] = []
            for position in 0..<notes.count {
                for tx in txs {
                    for (cm, ct) in zip(tx.statement.commitments, tx.ciphertexts) where cm == notes.commitment(at: position) {
                        if let note = try! NoteEncryption.open(try! NoteCiphertext(bytes: ct), commitment: cm, with: key, owner: owner) {
                            found.append((UInt32(position), note))
                        }
                    }
                }
            }
            return found
        }
    }

    func shield(_ value: UInt64, to key: SpendingKey, fee: UInt64 = 1, nonce: UInt64 = 0, pool: Pool) throws -> ShieldedTransaction {
        try SpendBuilder.build(spendingKey: key, inputs: [], payments: [.init(to: key.address, value: value - fee)],
                               publicIn: value, fee: fee, party: .shieldFrom(key: account, nonce: nonce),
                               root: pool.notes.root, domain: domain, provingKey: Self.keys.proving).transaction
    }

    func spend(_ key: SpendingKey, _ found: (position: UInt32, note: Note), pay: [SpendBuilder.Payment],
               publicOut: UInt64 = 0, to recipient: Address? = nil, fee: UInt64 = 1, pool: Pool) throws -> ShieldedTransaction {
        try SpendBuilder.build(spendingKey: key,
                               inputs: [.init(note: found.note, position: found.position, siblings: pool.notes.path(at: Int(found.position))!)],
                               payments: pay, publicOut: publicOut, fee: fee,
                               party: recipient.map { .unshieldTo($0) } ?? .none,
                               root: pool.notes.root, domain: domain, provingKey: Self.keys.proving).transaction
    }

    /// Shield, send to another key, the recipient finds the note and nobody else does, unshield.
    func testShieldSendScanUnshield() throws {
        var pool = Pool()
        let shielded = try shield(100, to: alice, pool: pool)
        XCTAssertEqual(shielded.kind, .shield)
        XCTAssertEqual(pool.runBatch([shielded], domain: domain, key: Self.keys.verifying), [nil])
        let aliceNotes = pool.scan([shielded], with: alice.incomingViewingKey, owner: alice.ownerKey)
        XCTAssertEqual(aliceNotes.map(\.note.value).sorted(), [0, 99])
        let note = aliceNotes.first { $0.note.value == 99 }!

        let send = try spend(alice, note, pay: [.init(to: bob.address, value: 60), .init(to: alice.address, value: 38)], pool: pool)
        XCTAssertEqual(pool.runBatch([send], domain: domain, key: Self.keys.verifying), [nil])
        let bobNotes = pool.scan([send], with: bob.incomingViewingKey, owner: bob.ownerKey)
        XCTAssertEqual(bobNotes.map(\.note.value), [60])
        XCTAssertTrue(pool.scan([shielded, send], with: eve.incomingViewingKey, owner: eve.ownerKey).isEmpty)

        let recipient = Address(bytes: [UInt8](repeating: 0x42, count: 20))!
        let unshield = try spend(bob, bobNotes[0], pay: [], publicOut: 59, to: recipient, pool: pool)
        XCTAssertEqual(unshield.kind, .unshield)
        XCTAssertEqual(pool.runBatch([unshield], domain: domain, key: Self.keys.verifying), [nil])
        // The encoding carries all of it: decode, and the decoded transaction verifies the same.
        XCTAssertEqual(try ShieldedTransaction(encoded: unshield.encoded), unshield)
        XCTAssertEqual(pool.notes.count, 6)
        XCTAssertEqual(pool.nullifiers.count, 6)
    }

    /// Double spends: the same note twice in one batch, and again in a later batch.
    func testDoubleSpendsAreRefusedInTheSameBatchAndAcross() throws {
        var pool = Pool()
        let shielded = try shield(50, to: alice, pool: pool)
        _ = pool.runBatch([shielded], domain: domain, key: Self.keys.verifying)
        let note = pool.scan([shielded], with: alice.incomingViewingKey, owner: alice.ownerKey).first { $0.note.value == 49 }!
        let first = try spend(alice, note, pay: [.init(to: bob.address, value: 48)], pool: pool)
        let second = try spend(alice, note, pay: [.init(to: eve.address, value: 48)], pool: pool)
        XCTAssertEqual(pool.runBatch([first, second], domain: domain, key: Self.keys.verifying),
                       [nil, .duplicateNullifier(within: false)])
        let third = try spend(alice, note, pay: [.init(to: eve.address, value: 48)], pool: pool)
        XCTAssertEqual(pool.runBatch([third], domain: domain, key: Self.keys.verifying), [.nullifierSpent])
    }

    /// A forged proof (another statement's proof, or points that are no proof), an inflating
    /// statement (a commitment swapped for one of a bigger note: the proof no longer matches), a
    /// stale root, and a proof that does not decode.
    func testForgedInflatedStaleAndMalformedAreRefused() throws {
        var pool = Pool(window: 2)
        let shielded = try shield(80, to: alice, pool: pool)
        let rootBefore = pool.notes.root
        _ = pool.runBatch([shielded], domain: domain, key: Self.keys.verifying)
        let note = pool.scan([shielded], with: alice.incomingViewingKey, owner: alice.ownerKey).first { $0.note.value == 79 }!
        let honest = try spend(alice, note, pay: [.init(to: bob.address, value: 78)], pool: pool)

        var forged = honest
        forged.proof = shielded.proof
        var pointsOnly = honest
        pointsOnly.proof = Groth16.Proof(a: BN254G1.generator, b: BN254G2.generator, c: BN254G1.generator)
        var inflated = honest
        inflated.statement.commitments[0] = NoteHashes.commitment(value: 1_000_000, owner: bob.ownerKey, randomness: Fr(5))
        XCTAssertEqual(pool.runBatch([forged, pointsOnly, inflated], domain: domain, key: Self.keys.verifying),
                       [.invalidProof, .invalidProof, .invalidProof])

        // A spend proven under the root before the shield: its note is not under that root, so
        // the wallet cannot even prove it; a proof under a root the window has dropped is stale.
        // The root stays acceptable while no note moves the tree (it is the current root); two
        // batches that append notes push it out of a window of two.
        let staleShield = try shield(10, to: bob, nonce: 1, pool: pool)
        let provenUnder = pool.notes.root
        _ = pool.runBatch([], domain: domain, key: Self.keys.verifying)
        XCTAssertTrue(pool.window.contains(provenUnder))
        for nonce in [2, 3] as [UInt64] {
            XCTAssertEqual(pool.runBatch([try shield(5, to: eve, nonce: nonce, pool: pool)], domain: domain, key: Self.keys.verifying), [nil])
        }
        XCTAssertFalse(pool.window.contains(rootBefore))
        XCTAssertFalse(pool.window.contains(provenUnder))
        XCTAssertEqual(pool.runBatch([staleShield, honest], domain: domain, key: Self.keys.verifying), [.staleRoot, .staleRoot])

        var bytes = honest.encoded
        bytes[1 + 32 * 5 + 24 + 32 + 10] ^= 1  // inside A.x: no longer on the curve (or not this point)
        XCTAssertThrowsError(try ShieldedTransaction(encoded: bytes))
    }

    /// The adversary copies a victim's pending nullifier into a transaction with a garbage proof
    /// placed first in the batch, to have the victim refused as a double spend: proofs are checked
    /// before nullifiers count, so only the adversary is refused.
    func testACopiedNullifierWithABadProofDoesNotBlockTheOwner() throws {
        var pool = Pool()
        let shielded = try shield(30, to: alice, pool: pool)
        _ = pool.runBatch([shielded], domain: domain, key: Self.keys.verifying)
        let note = pool.scan([shielded], with: alice.incomingViewingKey, owner: alice.ownerKey).first { $0.note.value == 29 }!
        let victim = try spend(alice, note, pay: [.init(to: bob.address, value: 28)], pool: pool)
        var griefer = try spend(eve, (0, Note(value: 0, owner: eve.ownerKey, randomness: Fr(1))), pay: [], fee: 0, pool: pool)
        griefer.statement.nullifiers[0] = victim.statement.nullifiers[0]
        XCTAssertEqual(pool.runBatch([griefer, victim], domain: domain, key: Self.keys.verifying), [.invalidProof, nil])
    }

    /// The wallet refuses what no proof could show: an unbalanced spend, another key's note.
    func testTheBuilderRefusesUnbalancedAndForeignSpends() throws {
        let pool = Pool()
        XCTAssertThrowsError(try SpendBuilder.build(spendingKey: alice, inputs: [], payments: [.init(to: bob.address, value: 11)],
                                                    publicIn: 10, fee: 0, party: .shieldFrom(key: account, nonce: 0),
                                                    root: pool.notes.root, domain: domain, provingKey: Self.keys.proving)) { e in
            guard case .unbalanced? = e as? SpendBuilder.BuildError else { return XCTFail("\(e)") }
        }
        let bobsNote = SpendBuilder.Input(note: Note(value: 5, to: bob.address), position: 0,
                                          siblings: Array(repeating: .zero, count: 32))
        XCTAssertThrowsError(try SpendBuilder.build(spendingKey: alice, inputs: [bobsNote], payments: [], fee: 5, party: .none,
                                                    root: pool.notes.root, domain: domain, provingKey: Self.keys.proving)) { e in
            XCTAssertEqual(e as? SpendBuilder.BuildError, .notOwned(position: 0))
        }
    }
    /// The wallet refuses, before proving, a party that does not match the public values (a
    /// transaction the engine would refuse by its shape).
    func testTheBuilderRefusesAPartyThatDoesNotMatchThePublicValues() {
        let root = NoteTree().root
        let cases: [(UInt64, UInt64, SpendBuilder.TransparentParty)] = [
            (5, 0, .none), (0, 0, .shieldFrom(key: account, nonce: 0)),
            (0, 0, .unshieldTo(Address(bytes: [UInt8](repeating: 9, count: 20))!)),
            (5, 0, .unshieldTo(Address(bytes: [UInt8](repeating: 9, count: 20))!)),
        ]
        for (publicIn, publicOut, party) in cases {
            XCTAssertThrowsError(try SpendBuilder.build(spendingKey: alice, inputs: [], payments: [.init(to: alice.address, value: publicIn)],
                                                        publicIn: publicIn, publicOut: publicOut, fee: 0, party: party,
                                                        root: root, domain: domain, provingKey: Self.keys.proving)) { e in
                guard case .partyMismatch? = e as? SpendBuilder.BuildError else { return XCTFail("\(e)") }
            }
        }
    }
}
