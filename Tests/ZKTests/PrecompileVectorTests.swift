import XCTest
@testable import ZK

/// The Ethereum clients' published ECADD/ECMUL/pairing vectors and hand-made failing inputs
/// (Tests/vectors/eip196_197_vectors.json).
final class PrecompileVectorTests: XCTestCase {
    struct Case: Decodable, Sendable { let name: String; let input: String; let expected: String?; let error: String? }
    struct Vectors: Decodable, Sendable { let add: [Case]; let mul: [Case]; let pairing: [Case] }

    static let vectors = loadVectorFile("eip196_197_vectors.json", as: Vectors.self)

    private func run(_ cases: [Case], _ f: ([UInt8]) throws(PointDecodingError) -> [UInt8]) {
        for c in cases {
            do {
                let out = try f(bytes(hex: c.input))
                XCTAssertNil(c.error, "\(c.name): expected \(c.error ?? "") but succeeded")
                XCTAssertEqual(hexString(out), c.expected, c.name)
            } catch {
                XCTAssertEqual(c.error, "\(error)", c.name)
            }
        }
    }

    func testECAdd() {
        XCTAssertGreaterThanOrEqual(Self.vectors.add.count, 10)
        run(Self.vectors.add, BN254Precompiles.add)
    }

    func testECMul() {
        XCTAssertGreaterThanOrEqual(Self.vectors.mul.count, 10)
        run(Self.vectors.mul, BN254Precompiles.scalarMul)
    }

    func testPairing() {
        XCTAssertGreaterThanOrEqual(Self.vectors.pairing.count, 12)
        XCTAssertTrue(Self.vectors.pairing.contains { $0.error == "notOnCurve" })
        XCTAssertTrue(Self.vectors.pairing.contains { $0.error == "coordinateNotInField" })
        run(Self.vectors.pairing, BN254Precompiles.pairing)
    }
}
