/// GT, the order-r subgroup of Fq12* that pairings land in: a canonical byte encoding and the
/// membership check applied to GT elements that come from outside (aggregate proofs).
extension Fq12 {
    /// The encoded size: twelve 32-byte big-endian Fq coefficients.
    public static let encodedByteCount = 384

    /// c0.c0.c0 ‖ c0.c0.c1 ‖ c0.c1.c0 ‖ … ‖ c1.c2.c1, each coefficient 32 bytes big-endian.
    public var bigEndianBytes: [UInt8] {
        [c0, c1].flatMap { six in [six.c0, six.c1, six.c2].flatMap { $0.c0.bigEndianBytes + $0.c1.bigEndianBytes } }
    }

    /// Decodes `bigEndianBytes`; nil for a wrong length or a coefficient ≥ p (no membership check).
    public init?(bigEndian bytes: some Collection<UInt8>) {
        let b = Array(bytes)
        guard b.count == Fq12.encodedByteCount else { return nil }
        var fq: [Fq] = []
        for i in 0..<12 {
            guard let x = Fq(bigEndian: b[(32 * i)..<(32 * i + 32)]) else { return nil }
            fq.append(x)
        }
        self.init(Fq6(Fq2(fq[0], fq[1]), Fq2(fq[2], fq[3]), Fq2(fq[4], fq[5])),
                  Fq6(Fq2(fq[6], fq[7]), Fq2(fq[8], fq[9]), Fq2(fq[10], fq[11])))
    }

    /// Whether the element lies in GT: in the cyclotomic subgroup (f^(p⁴ − p² + 1) = 1, checked with
    /// Frobenius maps), where cyclotomic squaring is valid, and then of order dividing r.
    public var isInTargetGroup: Bool {
        guard !isZero, frobenius(4) * self == frobenius(2) else { return false }
        return cyclotomicPow(Fr.modulus) == .one
    }
}
