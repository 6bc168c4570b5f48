import XCTest
@testable import ZK

/// The transcript files: round trips, and hostile bytes (truncation anywhere, a corrupted point, a
/// G2 point outside the subgroup, huge counts, trailing bytes) refused with a typed error.
final class CeremonyFileTests: XCTestCase {
    func transcripts() throws -> (Phase1Transcript, Phase2Transcript) {
        var rng = TestRNG(seed: 31)
        var p1 = Phase1Transcript(power: 3)
        p1.contribute(name: "ånne", using: &rng)
        p1.contribute(name: "bob", using: &rng)
        var p2 = try Phase2Transcript(phase1: p1.parameters, r1cs: CeremonyFixture.circuit().r1cs, threads: 1)
        p2.contribute(name: "carol", using: &rng)
        return (p1, p2)
    }

    func testTruncationAnywhereIsRefused() throws {
        let (p1, p2) = try transcripts()
        for (bytes, read) in [(Phase1File.write(p1), { (b: [UInt8]) throws in _ = try Phase1File.read(b, threads: 1) }),
                              (Phase2File.write(p2), { (b: [UInt8]) throws in _ = try Phase2File.read(b, threads: 1) })] {
            try read(bytes)
            for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) + [bytes.count - 1] {
                XCTAssertThrowsError(try read(Array(bytes[..<length])), "length \(length)") { error in
                    guard let e = error as? BinaryFileError else { return XCTFail("\(error)") }
                    switch e {
                    case .truncated, .invalidCount, .wrongMagic: break
                    default: XCTFail("length \(length): \(e)")
                    }
                }
            }
            XCTAssertThrowsError(try read(bytes + [0])) { XCTAssertEqual($0 as? BinaryFileError, .invalidCount("1 bytes after the last contribution")) }
        }
    }

    func testCorruptedContentIsRefused() throws {
        let (p1, p2) = try transcripts()
        let b1 = Phase1File.write(p1)
        func read1(_ b: [UInt8]) -> BinaryFileError? {
            do { _ = try Phase1File.read(b, threads: 2); return nil } catch { return error }
        }
        var bad = b1; bad[0] = 0x5a
        XCTAssertEqual(read1(bad), .wrongMagic(expected: "zkp1"))
        bad = b1; bad[4] = 2
        XCTAssertEqual(read1(bad), .unsupportedVersion(2))
        bad = b1; bad[8] = 30
        XCTAssertEqual(read1(bad), .invalidValue("power 30 is not within 1…22"))
        // tauG1[2]'s y coordinate changed by one: off the curve.
        bad = b1; bad[12 + 2 * 64 + 63] ^= 1
        XCTAssertEqual(read1(bad), .invalidValue("tauG1[2]: notOnCurve"))
        // A coordinate ≥ p in tauG2[1].
        bad = b1
        let g2Start = 12 + 16 * 64 + 128
        for i in 0..<32 { bad[g2Start + i] = 0xff }
        XCTAssertEqual(read1(bad), .invalidValue("tauG2[1]: coordinateNotInField"))
        // A twist point outside G2 (found by the square root in Fq2) in place of β·G2.
        let outside = Self.twistPointOutsideG2()
        bad = b1
        let betaG2 = 12 + 16 * 64 + 8 * 128 + 2 * 8 * 64
        bad.replaceSubrange(betaG2..<(betaG2 + 128), with: outside.eip197Bytes)
        XCTAssertEqual(read1(bad), .invalidValue("betaG2: notInSubgroup"))
        // A contribution count of 2³² − 1.
        bad = b1
        let countAt = 12 + 384 * 8 + 128
        bad.replaceSubrange(countAt..<(countAt + 4), with: [0xff, 0xff, 0xff, 0xff])
        XCTAssertEqual(read1(bad), .invalidCount("4294967295 contributions"))
        // A name length beyond the bound.
        bad = b1
        bad.replaceSubrange((countAt + 4)..<(countAt + 8), with: [0, 0, 1, 0])
        XCTAssertEqual(read1(bad), .invalidCount("contribution 0 name of 65536 bytes"))

        let b2 = Phase2File.write(p2)
        func read2(_ b: [UInt8]) -> BinaryFileError? {
            do { _ = try Phase2File.read(b, threads: 2); return nil } catch { return error }
        }
        var bad2 = b2; bad2[72] = 3  // domain size 3
        XCTAssertEqual(read2(bad2), .invalidValue("domain size 3"))
        bad2 = b2; bad2.replaceSubrange(76..<80, with: [0xff, 0xff, 0xff, 0x7f])  // 2³¹ − 1 wires
        XCTAssertEqual(read2(bad2), .truncated("a key of 2147483647 wires and domain 8"))
        bad2 = b2; bad2.replaceSubrange(80..<84, with: [0x40, 0, 0, 0])  // nPublic ≥ wires
        XCTAssertEqual(read2(bad2), .invalidValue("64 public wires of 5"))
    }

    /// A point on the twist whose order is not r.
    static func twistPointOutsideG2() -> G2Affine {
        var x = Fq2(Fq(1), Fq(1))
        while true {
            if let y = (x.squared() * x + BN254G2.b).squareRoot(), let p = G2Affine(x: x, y: y), !p.isInSubgroup { return p }
            x = x + .one
        }
    }
}
