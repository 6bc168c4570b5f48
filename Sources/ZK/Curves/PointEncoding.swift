/// Why bytes from outside were refused as a point.
public enum PointDecodingError: Error, Equatable, Sendable {
    /// Not the expected number of bytes.
    case invalidLength
    /// A coordinate is ≥ p (never reduced silently).
    case coordinateNotInField
    /// The coordinates do not satisfy the curve equation.
    case notOnCurve
    /// On the twist but not in the order-r subgroup G2.
    case notInSubgroup
}

/// The EIP-196/197 uncompressed encodings: big-endian 32-byte coordinates, G1 as x‖y (64 bytes),
/// G2 as x.c1‖x.c0‖y.c1‖y.c0 (128 bytes: the imaginary part first), infinity as all zeros.
/// Decoding runs the range, on-curve and (for G2) subgroup checks.
extension AffinePoint where Curve == BN254G1 {
    /// Decodes 64 bytes; refuses coordinates ≥ p and points off the curve.
    public init(eip196 bytes: some Collection<UInt8>) throws(PointDecodingError) {
        let b = Array(bytes)
        guard b.count == 64 else { throw .invalidLength }
        guard let x = Fq(bigEndian: b[0..<32]), let y = Fq(bigEndian: b[32..<64]) else {
            throw .coordinateNotInField
        }
        if x.isZero && y.isZero { self = .infinity; return }
        guard let p = AffinePoint(x: x, y: y) else { throw .notOnCurve }
        self = p
    }

    /// The 64-byte encoding.
    public var eip196Bytes: [UInt8] {
        isInfinity ? [UInt8](repeating: 0, count: 64) : x.bigEndianBytes + y.bigEndianBytes
    }
}

extension AffinePoint where Curve == BN254G2 {
    /// Decodes 128 bytes; refuses coordinates ≥ p, points off the twist and points outside G2.
    public init(eip197 bytes: some Collection<UInt8>) throws(PointDecodingError) {
        let b = Array(bytes)
        guard b.count == 128 else { throw .invalidLength }
        guard let x1 = Fq(bigEndian: b[0..<32]), let x0 = Fq(bigEndian: b[32..<64]),
              let y1 = Fq(bigEndian: b[64..<96]), let y0 = Fq(bigEndian: b[96..<128]) else {
            throw .coordinateNotInField
        }
        let x = Fq2(x0, x1), y = Fq2(y0, y1)
        if x.isZero && y.isZero { self = .infinity; return }
        guard let p = AffinePoint(x: x, y: y) else { throw .notOnCurve }
        guard p.isInSubgroup else { throw .notInSubgroup }
        self = p
    }

    /// The 128-byte encoding.
    public var eip197Bytes: [UInt8] {
        if isInfinity { return [UInt8](repeating: 0, count: 128) }
        return x.c1.bigEndianBytes + x.c0.bigEndianBytes + y.c1.bigEndianBytes + y.c0.bigEndianBytes
    }
}
