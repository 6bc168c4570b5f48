import XCTest
import ZK
@testable import Settlement

/// The shielded transaction's stateless rules: encoding, kinds, binding hash, the shield's
/// signature. The proofs here are valid curve points but not valid proofs (the proof itself is
/// checked by `ShieldedVerifierTests`).
final class ShieldedTransactionTests: XCTestCase {
    let domain = SigningDomain(chainId: 7, salt: Keccak256.hash(utf8: "shielded tests"))
    let key = try! PrivateKey(hex: "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
    let pointsOnly = Groth16.Proof(a: BN254G1.generator, b: BN254G2.generator, c: BN254G1.generator)

    func ciphertexts(_ seed: UInt8) -> [[UInt8]] {
        [[UInt8](repeating: seed, count: ShieldedTransaction.ciphertextSize),
         [UInt8](repeating: seed &+ 1, count: ShieldedTransaction.ciphertextSize)]
    }

    /// A transaction of `kind` whose shape, binding and (for a shield) signature are right.
    func make(_ kind: ShieldedTransaction.Kind, publicIn: UInt64 = 0, publicOut: UInt64 = 0, fee: UInt64 = 1) -> ShieldedTransaction {
        let cts = ciphertexts(UInt8(kind.rawValue))
        var tx = ShieldedTransaction(
            kind: kind,
            statement: SpendStatement(root: Fr(11), nullifiers: [Fr(21), Fr(22)], commitments: [Fr(31), Fr(32)],
                                      publicIn: publicIn, publicOut: publicOut, fee: fee, binding: .zero),
            proof: pointsOnly, ciphertexts: cts,
            shield: kind == .shield ? .init(from: key.address, nonce: 0, signature: []) : nil,
            recipient: kind == .unshield ? Address(bytes: [UInt8](repeating: 0xab, count: 20))! : nil)
        tx.statement.binding = tx.bindingHash(domain: domain)
        if kind == .shield {
            tx.shield!.signature = ShieldedTransaction.shieldSignature(statement: tx.statement, from: key.address, nonce: 0,
                                                                        domain: domain, key: key)
        }
        return tx
    }

    var examples: [ShieldedTransaction] {
        [make(.shield, publicIn: 100), make(.transfer), make(.unshield, publicOut: 40)]
    }

    func testEncodingRoundTripsWithTheDocumentedSizes() throws {
        let sizes = examples.map { $0.encoded.count }
        XCTAssertEqual(sizes, [808, 715, 735])
        for tx in examples {
            XCTAssertEqual(try ShieldedTransaction(encoded: tx.encoded), tx)
            XCTAssertNoThrow(try tx.checkShape(domain: domain))
            XCTAssertNoThrow(try tx.checkShieldSignature(domain: domain))
        }
    }

    /// Every truncation and every extension is refused: one transaction, one encoding.
    func testDecodingIsStrict() {
        for tx in examples {
            let bytes = tx.encoded
            for n in 0..<bytes.count {
                XCTAssertThrowsError(try ShieldedTransaction(encoded: Array(bytes.prefix(n))))
            }
            XCTAssertThrowsError(try ShieldedTransaction(encoded: bytes + [0]))
        }
        var unknownKind = make(.transfer).encoded
        unknownKind[0] = 9
        XCTAssertThrowsError(try ShieldedTransaction(encoded: unknownKind))
    }

    /// Field elements must be canonical (a value ≥ r would alias another one) and the proof's
    /// points must be on their curves, B in G2.
    func testNonCanonicalFieldsAndBadPointsAreRefused() {
        var bytes = make(.transfer).encoded
        for i in 1..<33 { bytes[i] = 0xff }  // root ≥ r
        XCTAssertThrowsError(try ShieldedTransaction(encoded: bytes)) { e in
            XCTAssertEqual(e as? ShieldedRefusal, .malformed("root is not below r"))
        }
        var offCurve = make(.transfer).encoded
        let proofStart = 1 + 32 * 5 + 24 + 32
        offCurve[proofStart + 63] ^= 1  // A.y changed
        XCTAssertThrowsError(try ShieldedTransaction(encoded: offCurve)) { e in
            guard case .malformed(let why)? = e as? ShieldedRefusal else { return XCTFail("\(e)") }
            XCTAssertTrue(why.hasPrefix("proof"), why)
        }
    }

    func testKindsMustMatchTheirPublicValuesAndParties() {
        var shieldOut = make(.shield, publicIn: 100)
        shieldOut.statement.publicOut = 1
        var transferIn = make(.transfer)
        transferIn.statement.publicIn = 5
        var unshieldNoRecipient = make(.unshield, publicOut: 40)
        unshieldNoRecipient.recipient = nil
        var transferWithParty = make(.transfer)
        transferWithParty.recipient = Address(bytes: [UInt8](repeating: 1, count: 20))!
        for tx in [shieldOut, transferIn, unshieldNoRecipient, transferWithParty] {
            XCTAssertThrowsError(try tx.checkShape(domain: domain)) { e in
                guard case .wrongShape? = e as? ShieldedRefusal else { return XCTFail("\(e)") }
            }
        }
        var sameNullifier = make(.transfer)
        sameNullifier.statement.nullifiers[1] = sameNullifier.statement.nullifiers[0]
        XCTAssertThrowsError(try sameNullifier.checkShape(domain: domain)) { e in
            XCTAssertEqual(e as? ShieldedRefusal, .duplicateNullifier(within: true))
        }
    }

    /// The adversary is whoever relays the transaction (the sequencer included): it swaps the
    /// unshield's recipient, a ciphertext or the kind, or replays it in another deployment. The
    /// binding hash in the proof's statement no longer matches.
    func testTheBindingHashCoversRecipientCiphertextsKindAndDeployment() {
        var redirected = make(.unshield, publicOut: 40)
        redirected.recipient = Address(bytes: [UInt8](repeating: 0xcd, count: 20))!
        var ciphertextSwapped = make(.transfer)
        ciphertextSwapped.ciphertexts[1][5] ^= 1
        for tx in [redirected, ciphertextSwapped] {
            XCTAssertThrowsError(try tx.checkShape(domain: domain)) { e in
                XCTAssertEqual(e as? ShieldedRefusal, .bindingMismatch)
            }
        }
        let other = SigningDomain(chainId: 8, salt: domain.salt)
        XCTAssertThrowsError(try make(.transfer).checkShape(domain: other)) { e in
            XCTAssertEqual(e as? ShieldedRefusal, .bindingMismatch)
        }
        XCTAssertNotEqual(ShieldedTransaction.bindingHash(domain: domain, kind: .transfer, boundAddress: [UInt8](repeating: 0, count: 20),
                                                          ciphertexts: ciphertexts(2)),
                          ShieldedTransaction.bindingHash(domain: domain, kind: .unshield, boundAddress: [UInt8](repeating: 0, count: 20),
                                                          ciphertexts: ciphertexts(2)))
    }

    /// The adversary holds someone's shield signature and a proof of its own with the same
    /// binding hash (anyone can prove any binding hash): the signature covers the whole statement,
    /// so changed commitments, amount or nonce break it. A signature by another key fails too.
    func testTheShieldSignatureCoversTheWholeStatement() {
        var otherCommitment = make(.shield, publicIn: 100)
        otherCommitment.statement.commitments[0] = Fr(99)
        var otherAmount = make(.shield, publicIn: 100)
        otherAmount.statement.publicIn = 101
        var otherNonce = make(.shield, publicIn: 100)
        otherNonce.shield!.nonce = 1
        var otherSigner = make(.shield, publicIn: 100)
        otherSigner.shield!.signature = ShieldedTransaction.shieldSignature(
            statement: otherSigner.statement, from: key.address, nonce: 0, domain: domain, key: PrivateKey.generate())
        var garbage = make(.shield, publicIn: 100)
        garbage.shield!.signature = [UInt8](repeating: 7, count: 65)
        for tx in [otherCommitment, otherAmount, otherNonce, otherSigner, garbage] {
            XCTAssertThrowsError(try tx.checkShieldSignature(domain: domain)) { e in
                guard case .badSignature? = e as? ShieldedRefusal else { return XCTFail("\(e)") }
            }
        }
    }

    func testTheShieldDigestIsEIP712() {
        // hashStruct by hand: the type hash is keccak256 of the documented type string.
        XCTAssertEqual(EIP712.shieldTypeHash, Keccak256.hash(utf8: "Shield(address from,uint64 amount,uint64 nonce,bytes32 statement)"))
        let s = make(.shield, publicIn: 100).statement
        let d = EIP712.shieldDigest(from: key.address, amount: 100, nonce: 0, statement: s.digest, domain: domain)
        XCTAssertEqual(d, EIP712.digest(domainSeparator: EIP712.domainSeparator(domain),
                                        structHash: EIP712.shieldStructHash(from: key.address, amount: 100, nonce: 0, statement: s.digest)))
    }
    /// The adversary relays a pending transaction with its proof rerandomized (a valid proof of
    /// the same statement): the id does not change. Any other field changes it.
    func testTheIdNamesTheStatementNotTheProofBytes() {
        let tx = make(.unshield, publicOut: 40)
        var rerandomized = tx
        rerandomized.proof = Groth16.Proof(a: (BN254G1.generator.jacobian + BN254G1.generator.jacobian).affine,
                                           b: tx.proof.b, c: tx.proof.c)
        XCTAssertNotEqual(rerandomized.encoded, tx.encoded)
        XCTAssertEqual(rerandomized.id, tx.id)
        var otherFee = tx
        otherFee.statement.fee += 1
        XCTAssertNotEqual(otherFee.id, tx.id)
        var otherRecipient = tx
        otherRecipient.recipient = Address(bytes: [UInt8](repeating: 0x01, count: 20))!
        XCTAssertNotEqual(otherRecipient.id, tx.id)
    }
}
