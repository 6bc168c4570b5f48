/// A point in affine coordinates, or the point at infinity.
public struct AffinePoint<Curve: CurveParameters>: Hashable, Sendable {
    public let x: Curve.Field
    public let y: Curve.Field
    public let isInfinity: Bool

    /// A point whose coordinates are known to satisfy the curve equation (internal results).
    @inlinable
    init(uncheckedX x: Curve.Field, y: Curve.Field) {
        self.x = x; self.y = y; self.isInfinity = false
    }

    /// The point (x, y); nil when it is not on the curve. (Subgroup membership is a separate check:
    /// see `isInSubgroup` for G2; G1 has cofactor 1.)
    public init?(x: Curve.Field, y: Curve.Field) {
        self.init(uncheckedX: x, y: y)
        guard isOnCurve else { return nil }
    }

    public static var infinity: AffinePoint {
        AffinePoint(infinityWith: .zero)
    }

    private init(infinityWith zero: Curve.Field) {
        x = zero; y = zero; isInfinity = true
    }

    /// y² = x³ + b (infinity counts as on the curve).
    public var isOnCurve: Bool {
        isInfinity || y.squared() == x.squared() * x + Curve.b
    }

    @inlinable
    public var negated: AffinePoint { isInfinity ? self : AffinePoint(uncheckedX: x, y: -y) }

    @inlinable
    public var jacobian: JacobianPoint<Curve> {
        isInfinity ? .infinity : JacobianPoint(x: x, y: y, z: .one)
    }
}
