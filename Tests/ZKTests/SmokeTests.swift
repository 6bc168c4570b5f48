import XCTest
@testable import ZK

final class SmokeTests: XCTestCase {
    func testPoseidonKnownAnswer() {
        XCTAssertEqual(Poseidon.hash([Fr(1), Fr(2)]).canonical.hexString,
                       "0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a")
        XCTAssertEqual(Poseidon.hash([Fr(1)]).canonical.hexString,
                       "0x29176100eaa962bdc1fe6c654d6a3c130e96a4d1168b33848b897dc502820133")
    }

    func testPairingBilinearSmall() {
        let p = BN254G1.generator, q = BN254G2.generator
        let e = Pairing.pairing(p, q)
        XCTAssertNotEqual(e, .one)
        let e2 = Pairing.pairing(p.jacobian.doubled().affine, q)
        XCTAssertEqual(e2, e.squared())
        XCTAssertTrue(q.isInSubgroupByOrder)
        XCTAssertTrue(q.isInSubgroup)
    }
}
