import XCTest
@testable import Settlement

/// The one-step verifier against the engine's own executor, the prover's witnesses, and the
/// decoder's strictness.
final class OneStepProofTests: XCTestCase {
    /// Every random transfer: the verified post-root of the honest proof is the root the engine's
    /// rules (`BatchTrace`, i.e. `ValidationPipeline` + `BatchExecutor`) give, acceptance agrees,
    /// and the proof survives an encode/decode round trip.
    func testVerifierAgreesWithTheEngineOnRandomTransfers() throws {
        let fixture = FraudProofFixture(seed: 21)
        var rng = SeededGenerator(seed: 22)
        var tree = fixture.tree
        var outcomes: [String: Int] = [:]
        for i in 0 ..< 400 {
            let tx = fixture.randomTransfer(on: tree, using: &rng)
            let proof = OneStepProof.make(tx, on: tree, rules: fixture.rules)
            let before = tree.root
            let trace = BatchTrace.execute([tx], on: &tree, rules: fixture.rules)
            let result = try OneStepVerifier(rules: fixture.rules).verify(proof)
            XCTAssertEqual(result.preRoot, before, "tx \(i)")
            XCTAssertEqual(result.postRoot, tree.root, "tx \(i)")
            XCTAssertEqual(result.rejection, trace.rejections[0], "tx \(i)")
            XCTAssertTrue(result.matchesClaim)
            let decoded = try OneStepProof(serialized: proof.serialized)
            XCTAssertEqual(decoded, proof)
            XCTAssertEqual(try OneStepVerifier(rules: fixture.rules).verify(decoded), result)
            let kind = result.rejection.map { String($0.prefix(while: { !$0.isNumber && $0 != ":" })) } ?? "accepted"
            outcomes[kind, default: 0] += 1
        }
        // Every branch was exercised.
        XCTAssertGreaterThan(outcomes["accepted"] ?? 0, 200, "\(outcomes)")
        for reason in ["nonce ", "insufficient balance", "value plus fee overflows ", "fee ", "signature is by ",
                       "chain id ", "recipient balance would overflow"] {
            XCTAssertGreaterThan(outcomes[reason] ?? 0, 0, "no \(reason) in \(outcomes)")
        }
    }

    /// Aliasing and the rarer rejections, one by one, each against the engine.
    func testAliasingAndEveryRejection() throws {
        let f = FraudProofFixture(seed: 23)
        let fee = f.rules.feeAccount
        let rich = f.keys.count - 1
        var state = f.tree
        let stranger = f.strangers[0]
        // (name, transfer, witnesses read, rejection reason prefix or "" when accepted)
        let cases: [(String, SignedTransfer, Int, String)] = [
            ("self-transfer", f.sign(1, to: f.keys[1].address, value: 10, nonce: 0), 3, ""),
            ("fee account pays", f.sign(0, to: f.keys[2].address, value: 10, fee: 3, nonce: 0), 3, ""),
            ("pays the fee account", f.sign(2, to: fee, value: 10, nonce: 0), 3, ""),
            ("creates a recipient", f.sign(3, to: stranger, value: 7, nonce: 0), 3, ""),
            ("zero to a stranger", f.sign(3, to: f.strangers[1], value: 0, fee: 0, nonce: 1), 3, ""),
            ("recipient overflow", f.sign(1, to: f.keys[rich].address, value: 6, nonce: 1), 2, "recipient balance would overflow"),
            ("fee overflow", f.sign(1, to: f.keys[2].address, value: 0, fee: 6, nonce: 1), 3, "fee account balance would overflow"),
            ("wrong nonce", f.sign(1, to: stranger, value: 1, nonce: 9), 1, "nonce 9"),
            ("insufficient", f.sign(1, to: stranger, value: 2_000_000, nonce: 1), 1, "insufficient balance"),
            ("overflowing total", f.sign(1, to: stranger, value: UInt256.max, fee: 1, nonce: 1), 1, "value plus fee"),
            ("fee above max", f.sign(1, to: stranger, value: 1, fee: 1001, nonce: 1), 0, "fee 1001"),
        ]
        for (name, tx, witnesses, reason) in cases {
            // The fee-overflow case needs a fee account near 2^256: the rich signer is it for that transfer.
            let rules = name == "fee overflow"
                ? TransitionRules(domain: f.rules.domain, feeAccount: f.keys[rich].address, maxFee: f.rules.maxFee) : f.rules
            let proof = OneStepProof.make(tx, on: state, rules: rules)
            XCTAssertEqual(proof.witnesses.count, witnesses, name)
            let result = try OneStepVerifier(rules: rules).verify(proof)
            let trace = BatchTrace.execute([tx], on: &state, rules: rules)
            XCTAssertEqual(result.postRoot, state.root, name)
            XCTAssertEqual(result.rejection, trace.rejections[0], name)
            XCTAssertEqual(result.rejection == nil, reason.isEmpty, name)
            XCTAssertTrue((result.rejection ?? "").hasPrefix(reason), "\(name): \(result.rejection ?? "accepted")")
        }
    }

    /// A sender at nonce 2^64 − 1 (possible in a genesis): the engine's executor refuses its
    /// transfer with the verifier's reason instead of trapping on `nonce + 1` (a crash of the
    /// sequencer that anyone holding such an account could trigger), and both agree on the root.
    func testASenderAtTheLastNonceIsRefusedAsTheVerifierRefusesIt() throws {
        let f = FraudProofFixture(seed: 29)
        var state = f.tree
        state.update([(address: f.keys[1].address, account: Account(balance: 1_000, nonce: .max))])
        let tx = f.sign(1, to: f.keys[2].address, value: 5, nonce: .max)
        let proof = OneStepProof.make(tx, on: state, rules: f.rules)
        let result = try OneStepVerifier(rules: f.rules).verify(proof)
        let before = state.root
        let trace = BatchTrace.execute([tx], on: &state, rules: f.rules)
        XCTAssertEqual(trace.rejections[0], "sender nonce exhausted")
        XCTAssertEqual(result.rejection, trace.rejections[0])
        XCTAssertEqual(state.root, before, "no effect")
        XCTAssertEqual(result.postRoot, state.root)
    }

    /// Missing, extra and altered witnesses, and a wrong pre-root, are refused.
    func testTamperedProofsAreRefused() throws {
        let f = FraudProofFixture(seed: 24)
        let tx = f.sign(2, to: f.strangers[0], value: 100, nonce: 0)
        let proof = OneStepProof.make(tx, on: f.tree, rules: f.rules)
        let verifier = OneStepVerifier(rules: f.rules)
        XCTAssertEqual(proof.witnesses.count, 3)
        func refuses(_ p: OneStepProof, _ expected: FraudProofError, line: UInt = #line) {
            XCTAssertThrowsError(try verifier.verify(p), line: line) { XCTAssertEqual($0 as? FraudProofError, expected, line: line) }
        }
        let w = proof.witnesses
        func with(_ witnesses: [AccountWitness], preRoot: Digest32? = nil) -> OneStepProof {
            OneStepProof(transaction: tx, preRoot: preRoot ?? proof.preRoot, claimedPostRoot: proof.claimedPostRoot, witnesses: witnesses)
        }
        refuses(with(Array(w.prefix(2))), .witnessCount(expected: 3, actual: 2))
        refuses(with(w + [w[2]]), .witnessCount(expected: 3, actual: 4))
        for i in 0 ..< 3 {
            var altered = w
            let a = w[i].account
            altered[i] = AccountWitness(account: Account(balance: a.balance + 1, nonce: a.nonce), proof: w[i].proof)
            let address = [tx.transfer.from, tx.transfer.to, f.rules.feeAccount][i]
            refuses(with(altered), .invalidWitness(index: i, address: address))
        }
        refuses(with(w, preRoot: CommitmentWorld.lie(proof.preRoot)), .invalidWitness(index: 0, address: tx.transfer.from))
        // Witnesses all taken against the pre-root (not sequential) fail at the recipient's.
        let parallel = [AccountWitness(tx.transfer.from, in: f.tree), AccountWitness(tx.transfer.to, in: f.tree),
                        AccountWitness(f.rules.feeAccount, in: f.tree)]
        refuses(with(parallel), .invalidWitness(index: 1, address: tx.transfer.to))
        // A false claim verifies (the witnesses are fine) but does not match.
        let lying = OneStepProof.make(tx, on: f.tree, rules: f.rules, claimedPostRoot: .zero)
        let result = try verifier.verify(lying)
        XCTAssertFalse(result.matchesClaim)
        XCTAssertEqual(result.postRoot, proof.claimedPostRoot)
    }

    /// A badly signed transfer is rejected with no witness and the root unchanged.
    func testInvalidSignatureIsARejectionWithoutWitnesses() throws {
        let f = FraudProofFixture(seed: 25)
        let good = f.sign(1, to: f.strangers[0], value: 5, nonce: 0)
        var sig = good.signature
        sig[10] ^= 1
        let bad = SignedTransfer(transfer: good.transfer, domain: good.domain, signature: sig)
        let proof = OneStepProof.make(bad, on: f.tree, rules: f.rules)
        XCTAssertTrue(proof.witnesses.isEmpty)
        let result = try OneStepVerifier.verify(proof, domain: f.rules.domain, feeAccount: f.rules.feeAccount, maxFee: 1000)
        XCTAssertEqual(result.postRoot, f.tree.root)
        XCTAssertFalse(result.accepted)
        // The same proof padded with honest witnesses is refused (each fact has one proof).
        let padded = OneStepProof(transaction: bad, preRoot: proof.preRoot, claimedPostRoot: proof.claimedPostRoot,
                                  witnesses: [AccountWitness(bad.transfer.from, in: f.tree)])
        XCTAssertThrowsError(try OneStepVerifier(rules: f.rules).verify(padded))
    }

    /// Strict decoding: every truncation and any extra byte throw; flipped bytes never crash and
    /// never yield a proof of a different root for the same transaction that verifies.
    func testStrictDecoding() throws {
        let f = FraudProofFixture(seed: 26)
        let tx = f.sign(2, to: f.strangers[0], value: 100, nonce: 0)
        let proof = OneStepProof.make(tx, on: f.tree, rules: f.rules)
        let bytes = proof.serialized
        for n in 0 ..< bytes.count { XCTAssertThrowsError(try OneStepProof(serialized: Array(bytes[..<n])), "length \(n)") }
        XCTAssertThrowsError(try OneStepProof(serialized: bytes + [0]))
        XCTAssertThrowsError(try OneStepProof(serialized: [UInt8](repeating: 0, count: OneStepProof.maxEncodedSize + 1)))
        for version: UInt8 in [1, 2, 4] {  // 1: before inclusion proofs, 2: before the pool's roots
            var badVersion = bytes
            badVersion[0] = version
            XCTAssertThrowsError(try OneStepProof(serialized: badVersion))
        }
        var fourWitnesses = Array(bytes[..<OneStepProof.fixedSize])
        fourWitnesses[OneStepProof.fixedSize - 1] = 4
        XCTAssertThrowsError(try OneStepProof(serialized: fourWitnesses))
        let honest = try OneStepVerifier(rules: f.rules).verify(proof).postRoot
        for i in stride(from: 0, to: bytes.count, by: 3) {
            var m = bytes
            m[i] ^= 0x40
            guard let decoded = try? OneStepProof(serialized: m) else { continue }
            if decoded.transaction == tx, decoded.preRoot == proof.preRoot,
               let result = try? OneStepVerifier(rules: f.rules).verify(decoded) {
                XCTAssertEqual(result.postRoot, honest, "byte \(i)")
            }
        }
    }
}
