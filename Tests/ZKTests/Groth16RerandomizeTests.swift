import Foundation
import XCTest
@testable import ZK

final class Groth16RerandomizeTests: XCTestCase {
    /// A rerandomized snarkjs proof (not made here) still verifies, differs in every point, and
    /// still fails for another statement.
    func testRerandomizedProofsVerifyAndDiffer() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("vectors/groth16")
        func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: dir.appendingPathComponent(name))) }
        let key = try Groth16JSON.verifyingKey(from: bytes("vk.json"))
        let proof = try Groth16JSON.proof(from: bytes("proof.json"))
        let inputs = try Groth16JSON.publicInputs(from: bytes("public.json"))
        var rng = SystemRandomNumberGenerator()
        let again = Groth16.rerandomize(proof, key: key, using: &rng)
        XCTAssertTrue(Groth16.verify(key, again, publicInputs: inputs))
        XCTAssertNotEqual(again.a, proof.a)
        XCTAssertNotEqual(again.b, proof.b)
        XCTAssertNotEqual(again.c, proof.c)
        var other = inputs
        other[0] = other[0] + .one
        XCTAssertFalse(Groth16.verify(key, again, publicInputs: other))
    }
}
