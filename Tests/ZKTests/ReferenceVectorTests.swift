import XCTest
@testable import ZK

/// Against py_ecc (Tests/vectors/zk_vectors.json, made by Tests/vectors/make_zk_vectors.py and kept
/// identical to a fresh run by Tests/interop/test_zk_bn254.py): scalar multiplications, additions,
/// pairing values coefficient by coefficient, pairing checks, twist points outside G2, and
/// Poseidon against light-poseidon.
final class ReferenceVectorTests: XCTestCase {
    struct Vectors: Decodable, Sendable {
        struct Mul<P: Decodable & Sendable>: Decodable, Sendable { let scalar: String; let point: P? }
        struct Add<P: Decodable & Sendable>: Decodable, Sendable { let a: P; let b: P; let sum: P? }
        struct PairingCase: Decodable, Sendable { let g1: [String]; let g2: [[String]]; let value: [String] }
        struct Check: Decodable, Sendable { let pairs: [[Pair]]; let result: Bool }
        enum Pair: Decodable, Sendable {
            case g1([String]), g2([[String]])
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let v = try? c.decode([String].self) { self = .g1(v) } else { self = .g2(try c.decode([[String]].self)) }
            }
        }
        struct PoseidonCase: Decodable, Sendable { let inputs: [String]; let output: String }
        let g1_mul: [Mul<[String]>]
        let g2_mul: [Mul<[[String]]>]
        let g1_add: [Add<[String]>]
        let g2_add: [Add<[[String]]>]
        let pairings: [PairingCase]
        let pairing_checks: [Check]
        let g2_outside_subgroup: [[[String]]]
        let poseidon: [PoseidonCase]
    }

    static let vectors = loadVectorFile("zk_vectors.json", as: Vectors.self)

    func g1(_ c: [String]?) -> G1Affine {
        guard let c else { return .infinity }
        return G1Affine(x: Fq(decimal: c[0])!, y: Fq(decimal: c[1])!)!
    }

    func fq2(_ c: [String]) -> Fq2 { Fq2(Fq(decimal: c[0])!, Fq(decimal: c[1])!) }

    func g2(_ c: [[String]]?) -> G2Affine {
        guard let c else { return .infinity }
        return G2Affine(x: fq2(c[0]), y: fq2(c[1]))!
    }

    func testScalarMultiplicationAgainstPyEcc() {
        for v in Self.vectors.g1_mul {
            XCTAssertEqual(G1Point.generator.multiplied(by: UInt256(decimal: v.scalar)!).affine, g1(v.point), v.scalar)
        }
        for v in Self.vectors.g2_mul {
            XCTAssertEqual(G2Point.generator.multiplied(by: UInt256(decimal: v.scalar)!).affine, g2(v.point), v.scalar)
        }
    }

    func testAdditionAgainstPyEcc() {
        for v in Self.vectors.g1_add {
            XCTAssertEqual((g1(v.a).jacobian + g1(v.b).jacobian).affine, g1(v.sum))
            XCTAssertEqual(g1(v.a).jacobian.adding(g1(v.b)).affine, g1(v.sum))
        }
        for v in Self.vectors.g2_add {
            XCTAssertEqual((g2(v.a).jacobian + g2(v.b).jacobian).affine, g2(v.sum))
        }
    }

    func testPairingValuesAgainstPyEcc() {
        XCTAssertEqual(Self.vectors.pairings.count, 4)
        for v in Self.vectors.pairings {
            let c = v.value.map { Fq(decimal: $0)! }
            let expected = Fq12(Fq6(Fq2(c[0], c[1]), Fq2(c[2], c[3]), Fq2(c[4], c[5])),
                                Fq6(Fq2(c[6], c[7]), Fq2(c[8], c[9]), Fq2(c[10], c[11])))
            XCTAssertEqual(Pairing.pairing(g1(v.g1), g2(v.g2)), expected)
        }
    }

    func testPairingChecksAgainstPyEcc() {
        for v in Self.vectors.pairing_checks {
            let pairs: [(G1Affine, G2Affine)] = v.pairs.map { pair in
                guard case .g1(let a) = pair[0], case .g2(let b) = pair[1] else { fatalError("bad pair") }
                return (g1(a), g2(b))
            }
            XCTAssertEqual(Pairing.pairingCheck(pairs), v.result)
        }
    }

    /// py_ecc confirms these are on the twist and [r]Q ≠ O; both checks and the decoder refuse them.
    func testPointsOutsideG2AreRefused() {
        XCTAssertEqual(Self.vectors.g2_outside_subgroup.count, 3)
        for c in Self.vectors.g2_outside_subgroup {
            guard let q = G2Affine(x: fq2(c[0]), y: fq2(c[1])) else { return XCTFail("not on the twist") }
            XCTAssertFalse(q.isInSubgroup)
            XCTAssertFalse(q.isInSubgroupByOrder)
            XCTAssertThrowsError(try G2Affine(eip197: q.eip197Bytes)) {
                XCTAssertEqual($0 as? PointDecodingError, .notInSubgroup)
            }
            let input = BN254G1.generator.eip196Bytes + q.eip197Bytes
            XCTAssertThrowsError(try BN254Precompiles.pairing(input))
        }
    }

    func testPoseidonAgainstLightPoseidon() {
        XCTAssertEqual(Self.vectors.poseidon.count, 24)
        for v in Self.vectors.poseidon {
            let inputs = v.inputs.map { Fr(decimal: $0)! }
            XCTAssertEqual(Poseidon.hash(inputs), Fr(decimal: v.output)!, "\(inputs.count) inputs")
        }
    }
}
