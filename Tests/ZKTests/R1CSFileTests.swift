import XCTest
@testable import ZK

/// `.r1cs` and `.wtns`: round trips, the exact layout of a small file, and hostile files refused
/// (a wrong magic, version, prime or field size; truncation anywhere; counts the file cannot hold).
final class R1CSFileTests: XCTestCase {
    func multiplier() -> ConstraintSystem {
        var cs = ConstraintSystem()
        let z = cs.allocatePublicInput(Fr(33))
        let x = cs.allocatePrivateInput(Fr(3))
        let y = cs.allocatePrivateInput(Fr(11))
        cs.enforce(x.lc, y.lc, z.lc)
        return cs
    }

    func testRoundTrips() throws {
        for cs in [multiplier(), PoseidonPreimageCircuit.example.build(), MerkleMembershipCircuit.example(depth: 3).build()] {
            let r1cs = cs.r1cs
            let back = try R1CSFile.read(R1CSFile.write(r1cs))
            XCTAssertEqual(back.wireCount, r1cs.wireCount)
            XCTAssertEqual(back.publicInputs, r1cs.publicInputs)
            XCTAssertEqual(back.privateInputs, r1cs.privateInputs)
            XCTAssertEqual(back.wireToLabel, r1cs.wireToLabel)
            XCTAssertEqual(R1CSFile.write(back), R1CSFile.write(r1cs))
            XCTAssertEqual(back.isSatisfied(cs.witness), .satisfied)
            XCTAssertEqual(try WitnessFile.read(WitnessFile.write(cs.witness)), cs.witness)
        }
    }

    /// The layout byte by byte for x·y = z: magic, version 1, 3 sections, the header's prime r
    /// little-endian, plain (not Montgomery) coefficient 1 = 01 00…00.
    func testLayout() {
        let bytes = R1CSFile.write(multiplier().r1cs)
        XCTAssertEqual(Array(bytes[0..<12]), Array("r1cs".utf8) + [1, 0, 0, 0, 3, 0, 0, 0])
        XCTAssertEqual(Array(bytes[12..<24]), [1, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0])     // header, 64 bytes
        XCTAssertEqual(Array(bytes[24..<28]), [32, 0, 0, 0])
        XCTAssertEqual(Array(bytes[28..<32]), [0x01, 0x00, 0x00, 0xf0])                  // r, little-endian
        XCTAssertEqual(Array(bytes[60..<64]), [4, 0, 0, 0])                               // nWires
        // constraints section: type 2, then A = 1 term (wire 2, coefficient 1).
        XCTAssertEqual(Array(bytes[88..<92]), [2, 0, 0, 0])
        XCTAssertEqual(Array(bytes[100..<108]), [1, 0, 0, 0, 2, 0, 0, 0])
        XCTAssertEqual(Array(bytes[108..<140]), [1] + Array(repeating: 0, count: 31))
        let wtns = WitnessFile.write(multiplier().witness)
        XCTAssertEqual(Array(wtns[0..<12]), Array("wtns".utf8) + [2, 0, 0, 0, 2, 0, 0, 0])
        XCTAssertEqual(wtns.count, 12 + 12 + 40 + 12 + 4 * 32)
        XCTAssertEqual(Array(wtns[76 + 32..<76 + 64]), [33] + Array(repeating: 0, count: 31))
    }

    func testHostileR1CS() {
        let good = R1CSFile.write(PoseidonPreimageCircuit.example.build().r1cs)
        func refuses(_ bytes: [UInt8], _ expected: BinaryFileError? = nil, line: UInt = #line) {
            do {
                _ = try R1CSFile.read(bytes)
                XCTFail("accepted", line: line)
            } catch {
                if let expected { XCTAssertEqual(error, expected, line: line) }
            }
        }
        var bad = good; bad[0] = UInt8(ascii: "x")
        refuses(bad, .wrongMagic(expected: "r1cs"))
        bad = good; bad[4] = 2
        refuses(bad, .unsupportedVersion(2))
        bad = good; bad[28] ^= 1                                     // prime
        refuses(bad, .wrongPrime)
        bad = good; bad[24] = 48                                     // field size
        refuses(bad, .wrongFieldSize(48))
        // Truncated at every length (sampled): never accepted, never a trap.
        for n in stride(from: 0, to: good.count, by: max(1, good.count / 300)) { refuses(Array(good[0..<n])) }
        // A section size beyond the file.
        bad = good; bad[16...23] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]
        refuses(bad)
        // nConstraints (header offset 12 + 12 + 4 + 32 + 16 + 8) huge: refused before allocating.
        bad = good; bad[84..<88] = [0xff, 0xff, 0xff, 0xff]
        refuses(bad, .invalidCount("4294967295 constraints"))
        // nWires smaller than the inputs announced.
        bad = good; bad[60..<64] = [2, 0, 0, 0]
        refuses(bad)
        // A term count of 2^32 − 1 in the first combination.
        bad = good; bad[100..<104] = [0xff, 0xff, 0xff, 0xff]
        refuses(bad)
        // A coefficient ≥ r (all 0xff) in the first term.
        bad = good; for i in 108..<140 { bad[i] = 0xff }
        refuses(bad)
        // A wire id beyond nWires.
        bad = good; bad[104..<108] = [0xff, 0xff, 0, 0]
        refuses(bad)
        // 2^32 − 1 sections announced.
        bad = good; bad[8..<12] = [0xff, 0xff, 0xff, 0xff]
        refuses(bad)
    }

    func testHostileWitness() {
        let good = WitnessFile.write(PoseidonPreimageCircuit.example.build().witness)
        func refuses(_ bytes: [UInt8], _ expected: BinaryFileError? = nil, line: UInt = #line) {
            do {
                _ = try WitnessFile.read(bytes)
                XCTFail("accepted", line: line)
            } catch {
                if let expected { XCTAssertEqual(error, expected, line: line) }
            }
        }
        var bad = good; bad[1] = 0
        refuses(bad, .wrongMagic(expected: "wtns"))
        bad = good; bad[4] = 1
        refuses(bad, .unsupportedVersion(1))
        bad = good; bad[59] ^= 0x80                                  // prime's last byte
        refuses(bad, .wrongPrime)
        for n in stride(from: 0, to: good.count, by: 7) { refuses(Array(good[0..<n])) }
        // A count larger than the values present (offset 12 + 12 + 4 + 32).
        bad = good; bad[60..<64] = [0xff, 0xff, 0xff, 0x0f]
        refuses(bad)
        // A value ≥ r.
        bad = good; for i in (good.count - 32)..<good.count { bad[i] = 0xff }
        refuses(bad)
    }
}
