/// A point of G2 derived from a digest, whose discrete logarithm nobody knows: the base the
/// ceremony's knowledge proofs are checked against. (A point s·G2 for a hashed scalar s would not
/// do: anyone could then compute x·(s·G2) = s·(x·G2) from x·G2 without knowing x.)
///
/// Try-and-increment: x = (x0, x1) ∈ Fq2 from SHA-256("zk-ceremony-g2" ‖ digest ‖ counter ‖ i),
/// reduced mod p, until x³ + b′ is a square in Fq2; then the point (x, √(x³ + b′)) on the twist is
/// multiplied by the cofactor 2p − r of the twist's group order, which lands in the order-r
/// subgroup. Deterministic: the verifier derives the same point from the transcript.
public enum HashToG2 {
    /// The cofactor h = #E′(Fq2)/r = 2p − r of the twist.
    static let cofactor: UInt256 = {
        let twoP = Fq.modulus.addingReportingOverflow(Fq.modulus).partialValue
        return twoP.subtractingReportingOverflow(Fr.modulus).partialValue
    }()

    /// The point for `digest` (any bytes; the callers pass a 32-byte hash).
    public static func point(from digest: [UInt8]) -> G2Affine {
        var counter: UInt32 = 0
        while true {
            defer { counter += 1 }
            let c = (0..<4).map { UInt8(truncatingIfNeeded: counter >> (8 * UInt32($0))) }
            let x0 = coordinate(digest, c, 0), x1 = coordinate(digest, c, 1)
            let x = Fq2(x0, x1)
            guard let y = (x.squared() * x + BN254G2.b).squareRoot(),
                  let onTwist = G2Affine(x: x, y: y) else { continue }
            let cleared = onTwist.jacobian.multiplied(by: cofactor)
            if !cleared.isInfinity { return cleared.affine }
        }
    }

    private static func coordinate(_ digest: [UInt8], _ counter: [UInt8], _ index: UInt8) -> Fq {
        let bytes = SHA256.hash(Array("zk-ceremony-g2".utf8) + digest + counter + [index])
        return Fq(reducing: UInt256(bigEndian: bytes)!)
    }
}
