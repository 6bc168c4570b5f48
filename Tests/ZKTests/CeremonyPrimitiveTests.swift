import XCTest
@testable import ZK

/// The ceremony's building blocks: SHA-256 against the FIPS 180-4 examples, the hashed G2 base,
/// knowledge proofs, and the group transform against Lagrange values computed in Fr.
final class CeremonyPrimitiveTests: XCTestCase {
    func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    func testSHA256KnownAnswers() {
        XCTAssertEqual(hex(SHA256.hash([UInt8]())), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex(SHA256.hash(Array("abc".utf8))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000))),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // Split updates at every offset around the block boundary give the one-shot digest.
        let message = (0..<200).map { UInt8($0) }
        for cut in [0, 1, 55, 56, 63, 64, 65, 127, 128, 199, 200] {
            var h = SHA256()
            h.update(Array(message[..<cut]))
            h.update(Array(message[cut...]))
            XCTAssertEqual(h.finalize(), SHA256.hash(message), "cut \(cut)")
        }
    }

    func testHashedG2PointIsInTheSubgroupAndDeterministic() {
        let p = HashToG2.point(from: [1, 2, 3])
        XCTAssertFalse(p.isInfinity)
        XCTAssertTrue(p.isOnCurve)
        XCTAssertTrue(p.isInSubgroupByOrder)
        XCTAssertEqual(p, HashToG2.point(from: [1, 2, 3]))
        XCTAssertNotEqual(p, HashToG2.point(from: [1, 2, 4]))
        XCTAssertNotEqual(p, BN254G2.generator)
    }

    func testKnowledgeProof() {
        var rng = TestRNG(seed: 11)
        let x = rng.fr(), challenge = Array("challenge".utf8)
        let proof = KnowledgeProof(secret: x, challenge: challenge, using: &rng)
        XCTAssertTrue(proof.verify(challenge: challenge))
        XCTAssertFalse(proof.verify(challenge: Array("another".utf8)), "bound to its challenge")
        let old = CeremonyFixture.g1(rng.fr())
        XCTAssertTrue(proof.provesUpdate(from: old, to: (old.jacobian * x).affine, challenge: challenge))
        XCTAssertFalse(proof.provesUpdate(from: old, to: (old.jacobian * (x + .one)).affine, challenge: challenge))
        // Knowing only x·G2 (not x) one cannot answer: the natural forgery x·G2 in place of x·R fails.
        let forged = KnowledgeProof(g1S: proof.g1S, g1SX: proof.g1SX, g2SX: CeremonyFixture.g2(x))
        XCTAssertFalse(forged.verify(challenge: challenge))
    }

    func testGroupTransformGivesLagrangeForm() {
        var rng = TestRNG(seed: 12)
        let tau = rng.fr()
        for n in [1, 2, 8, 64] {
            let powers = (0..<n).map { tau.pow(UInt256(UInt64($0))) }
            let expected = CeremonyFixture.lagrange(at: tau, size: n)
            let g1 = GroupNumberTheoreticTransform.lagrange(fromPowers: powers.map(CeremonyFixture.g1), threads: 3)
            XCTAssertEqual(g1, expected.map(CeremonyFixture.g1), "G1, N = \(n)")
            XCTAssertEqual(g1, GroupNumberTheoreticTransform.lagrange(fromPowers: powers.map(CeremonyFixture.g1), threads: 1))
        }
        let powers = (0..<8).map { tau.pow(UInt256(UInt64($0))) }
        XCTAssertEqual(GroupNumberTheoreticTransform.lagrange(fromPowers: powers.map(CeremonyFixture.g2), threads: 2),
                       CeremonyFixture.lagrange(at: tau, size: 8).map(CeremonyFixture.g2))
    }
}

extension CeremonyPrimitiveTests {
    func testOddLagrangeEqualsTheWideTransformsOddEntries() {
        var rng = TestRNG(seed: 13)
        let tau = rng.fr()
        for n in [1, 2, 4, 16] {
            let powers = (0..<(2 * n)).map { CeremonyFixture.g1(tau.pow(UInt256(UInt64($0)))) }
            let wide = CeremonyFixture.lagrange(at: tau, size: 2 * n)
            XCTAssertEqual(GroupNumberTheoreticTransform.oddLagrange(fromPowers: powers, threads: 2),
                           (0..<n).map { CeremonyFixture.g1(wide[2 * $0 + 1]) }, "N = \(n)")
        }
    }
}
