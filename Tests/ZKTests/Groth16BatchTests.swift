import Foundation
import XCTest
@testable import ZK

/// Batch verification by a random linear combination: honest batches pass, and the dishonest
/// prover who hides a bad proof in a batch (a flipped element, swapped public inputs, two errors
/// made to cancel in an unweighted sum) is refused and named by `findInvalid`.
final class Groth16BatchTests: XCTestCase {
    typealias Item = Groth16.BatchVerifier.Item

    /// Honest batches of 1, 2 and 17 simulated proofs, and the arkworks fixture with them.
    func testHonestBatchesPass() throws {
        var rng = TestRNG(seed: 71)
        let sim = Groth16Simulator(publicInputs: 3, rng: &rng)
        for count in [1, 2, 17] {
            let items = sim.items(count, rng: &rng)
            for item in items { XCTAssertTrue(Groth16.verify(sim.prepared, item.proof, publicInputs: item.publicInputs)) }
            XCTAssertTrue(Groth16.BatchVerifier.verify(sim.prepared, items), "batch of \(count)")
            XCTAssertEqual(Groth16.BatchVerifier.findInvalid(sim.prepared, items), [])
        }
        XCTAssertTrue(Groth16.BatchVerifier.verify(sim.prepared, []))
        let dir = Groth16Tests.dir
        func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: dir.appendingPathComponent(name))) }
        let vk = try Groth16JSON.verifyingKey(from: bytes("vk.json"))
        let item = Item(proof: try Groth16JSON.proof(from: bytes("proof.json")),
                        publicInputs: try Groth16JSON.publicInputs(from: bytes("public.json")))
        let pvk = Groth16.PreparedVerifyingKey(vk)
        XCTAssertTrue(Groth16.BatchVerifier.verify(pvk, [item, item, item]))
        let other = Item(proof: item.proof, publicInputs: [item.publicInputs[0] + .one])
        XCTAssertFalse(Groth16.BatchVerifier.verify(pvk, [item, other, item]))
        XCTAssertEqual(Groth16.BatchVerifier.findInvalid(pvk, [item, other, item]), [1])
    }

    /// One proof among 16 with its C moved by G1 (or A negated): the batch fails and the bad one
    /// is named; two bad ones are both named.
    func testFlippedProofIsFound() {
        var rng = TestRNG(seed: 72)
        let sim = Groth16Simulator(publicInputs: 2, rng: &rng)
        var items = sim.items(16, rng: &rng)
        let p = items[11].proof
        items[11] = Item(proof: Groth16.Proof(a: p.a, b: p.b, c: (p.c.jacobian + G1Point.generator).affine),
                         publicInputs: items[11].publicInputs)
        XCTAssertFalse(Groth16.BatchVerifier.verify(sim.prepared, items))
        XCTAssertEqual(Groth16.BatchVerifier.findInvalid(sim.prepared, items), [11])
        let q = items[2].proof
        items[2] = Item(proof: Groth16.Proof(a: q.a.negated, b: q.b, c: q.c), publicInputs: items[2].publicInputs)
        XCTAssertEqual(Groth16.BatchVerifier.findInvalid(sim.prepared, items), [2, 11])
        // A wrong input count fails the batch and is named.
        var short = sim.items(4, rng: &rng)
        short[3] = Item(proof: short[3].proof, publicInputs: [short[3].publicInputs[0]])
        XCTAssertFalse(Groth16.BatchVerifier.verify(sim.prepared, short))
        XCTAssertEqual(Groth16.BatchVerifier.findInvalid(sim.prepared, short), [3])
    }

    /// Two valid proofs submitted with their public inputs exchanged: both invalid, batch refused.
    func testSwappedPublicInputsAreRefused() {
        var rng = TestRNG(seed: 73)
        let sim = Groth16Simulator(publicInputs: 2, rng: &rng)
        var items = sim.items(6, rng: &rng)
        let (i1, i4) = (items[1], items[4])
        items[1] = Item(proof: i1.proof, publicInputs: i4.publicInputs)
        items[4] = Item(proof: i4.proof, publicInputs: i1.publicInputs)
        XCTAssertFalse(Groth16.BatchVerifier.verify(sim.prepared, items))
        XCTAssertEqual(Groth16.BatchVerifier.findInvalid(sim.prepared, items), [1, 4])
    }

    /// The adversary against an unweighted batch: C₁ + Δ and C₂ − Δ make both proofs invalid while
    /// Σ Cᵢ is unchanged, so the naive product equation (all ρᵢ = 1) still holds. The random linear
    /// combination refuses the pair; with all ρᵢ = 1 forced (a generator returning 1) it would not.
    func testCancellingErrorsAreCaught() {
        var rng = TestRNG(seed: 74)
        let sim = Groth16Simulator(publicInputs: 1, rng: &rng)
        var items = sim.items(4, rng: &rng)
        let delta = G1Point.generator * rng.fr()
        let (p0, p1) = (items[0].proof, items[1].proof)
        items[0] = Item(proof: Groth16.Proof(a: p0.a, b: p0.b, c: (p0.c.jacobian + delta).affine),
                        publicInputs: items[0].publicInputs)
        items[1] = Item(proof: Groth16.Proof(a: p1.a, b: p1.b, c: (p1.c.jacobian - delta).affine),
                        publicInputs: items[1].publicInputs)
        XCTAssertFalse(Groth16.verify(sim.prepared, items[0].proof, publicInputs: items[0].publicInputs))
        XCTAssertFalse(Groth16.verify(sim.prepared, items[1].proof, publicInputs: items[1].publicInputs))
        XCTAssertTrue(naiveSumVerify(sim.key, items), "the unweighted sum accepts the forged pair")
        var ones = ConstantGenerator()
        XCTAssertTrue(Groth16.BatchVerifier.verify(sim.prepared, items, using: &ones),
                      "with every ρ = 1 our equation is the naive one")
        XCTAssertFalse(Groth16.BatchVerifier.verify(sim.prepared, items))
        XCTAssertEqual(Groth16.BatchVerifier.findInvalid(sim.prepared, items), [0, 1])
    }

    /// ∏ e(−Aᵢ, Bᵢ) · e(Σ vk_xᵢ, γ) · e(Σ Cᵢ, δ) · e(α, β)^N = 1, with no randomness.
    func naiveSumVerify(_ key: Groth16.VerifyingKey, _ items: [Item]) -> Bool {
        var pairs = items.map { ($0.proof.a.negated, $0.proof.b) }
        var sumX = G1Point.infinity, sumC = G1Point.infinity
        for item in items {
            sumX = sumX + Groth16.publicInputCommitment(key, item.publicInputs)!.jacobian
            sumC = sumC + item.proof.c.jacobian
        }
        pairs += [(sumX.affine, key.gamma), (sumC.affine, key.delta)]
        pairs += items.map { _ in (key.alpha, key.beta) }
        return Pairing.pairingCheck(pairs)
    }
}

/// A "generator" whose 128-bit draws are all 1 (next() alternates 1, 0): the naive batch.
struct ConstantGenerator: RandomNumberGenerator {
    var count = 0
    mutating func next() -> UInt64 { count += 1; return count % 2 == 1 ? 1 : 0 }
}
