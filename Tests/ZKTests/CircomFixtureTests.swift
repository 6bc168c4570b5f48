import Foundation
import XCTest
@testable import ZK

/// Files written by circom, not by us (Tests/vectors/circom_*.r1cs / .wtns: a multiplier and
/// circomlib's Poseidon(2), compiled by the circom compiler groth16py bundles, the witnesses from
/// circom's own witness calculator; Tests/interop/test_zk_r1cs.py checks they are what a fresh
/// compile gives). Our readers take them, the witnesses satisfy the systems, a changed value does not.
final class CircomFixtureTests: XCTestCase {
    func load(_ name: String) throws -> (R1CS, Witness) {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("vectors")
        let r1cs = try R1CSFile.read([UInt8](Data(contentsOf: dir.appendingPathComponent("circom_\(name).r1cs"))))
        let wtns = try WitnessFile.read([UInt8](Data(contentsOf: dir.appendingPathComponent("circom_\(name).wtns"))))
        return (r1cs, wtns)
    }

    /// c <== a·b with a = 3, b = 11: circom's header (1 public output, 2 private inputs), its
    /// −a·b = −c constraint (−1 stored as r − 1, plain little-endian), and the witness 1, 33, 3, 11.
    func testMultiplier() throws {
        let (r1cs, witness) = try load("multiplier")
        XCTAssertEqual([r1cs.wireCount, r1cs.publicOutputs, r1cs.publicInputs, r1cs.privateInputs, r1cs.constraints.count],
                       [4, 1, 0, 2, 1])
        XCTAssertEqual(r1cs.constraints[0].a.terms.map(\.coefficient), [-Fr.one])
        XCTAssertEqual(witness.values, [Fr.one, Fr(33), Fr(3), Fr(11)])
        XCTAssertEqual(r1cs.isSatisfied(witness), .satisfied)
        var bad = witness
        bad.values[1] = Fr(34)
        XCTAssertEqual(r1cs.isSatisfied(bad), .unsatisfied(constraint: 0))
        // Our writer's file of circom's system reads back to the same system.
        let again = try R1CSFile.read(R1CSFile.write(r1cs))
        XCTAssertEqual(R1CSFile.write(again), R1CSFile.write(r1cs))
    }

    /// circomlib's Poseidon(2) of (1, 2): 240 constraints, as our gadget; the output wire equals
    /// the native hash; changing any wire breaks a constraint.
    func testPoseidon() throws {
        let (r1cs, witness) = try load("poseidon2")
        XCTAssertEqual(r1cs.constraints.count, 240)
        XCTAssertEqual(r1cs.publicOutputs, 1)
        XCTAssertEqual(witness.values[1], Poseidon.hash([Fr(1), Fr(2)]))
        XCTAssertEqual(r1cs.isSatisfied(witness), .satisfied)
        for wire in 1..<witness.values.count {
            var bad = witness
            bad.values[wire] += .one
            XCTAssertNotEqual(r1cs.isSatisfied(bad), .satisfied, "wire \(wire)")
        }
    }
}
