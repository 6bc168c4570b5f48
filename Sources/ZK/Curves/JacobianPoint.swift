/// A point in Jacobian coordinates: (X, Y, Z) stands for (X/Z², Y/Z³); Z = 0 is infinity.
/// Formulas for a = 0 (doubling dbl-2009-l, addition add-2007-bl, mixed addition madd-2007-bl
/// of the Explicit-Formulas Database); not constant time.
public struct JacobianPoint<Curve: CurveParameters>: Sendable, Equatable {
    public typealias F = Curve.Field
    public var x: F
    public var y: F
    public var z: F

    @inlinable
    public init(x: F, y: F, z: F) { self.x = x; self.y = y; self.z = z }

    @inlinable
    public static var infinity: JacobianPoint { JacobianPoint(x: .one, y: .one, z: .zero) }

    public static var generator: JacobianPoint { Curve.generator.jacobian }

    @inlinable
    public var isInfinity: Bool { z.isZero }

    /// Equality of the points represented (cross-multiplied, no inversion).
    @inlinable
    public static func == (a: JacobianPoint, b: JacobianPoint) -> Bool {
        if a.isInfinity || b.isInfinity { return a.isInfinity && b.isInfinity }
        let z1z1 = a.z.squared(), z2z2 = b.z.squared()
        guard a.x * z2z2 == b.x * z1z1 else { return false }
        return a.y * z2z2 * b.z == b.y * z1z1 * a.z
    }

    @inlinable
    public var negated: JacobianPoint { JacobianPoint(x: x, y: -y, z: z) }

    @inlinable
    public static prefix func - (a: JacobianPoint) -> JacobianPoint { a.negated }

    @inlinable
    public func doubled() -> JacobianPoint {
        if isInfinity { return self }
        let a = x.squared()
        let b = y.squared()
        let c = b.squared()
        let d = ((x + b).squared() - a - c).doubled()
        let e = a.doubled() + a
        let f = e.squared()
        let x3 = f - d.doubled()
        let c8 = c.doubled().doubled().doubled()
        let y3 = e * (d - x3) - c8
        let z3 = (y * z).doubled()
        return JacobianPoint(x: x3, y: y3, z: z3)
    }

    @inlinable
    public static func + (p: JacobianPoint, q: JacobianPoint) -> JacobianPoint {
        if p.isInfinity { return q }
        if q.isInfinity { return p }
        let z1z1 = p.z.squared()
        let z2z2 = q.z.squared()
        let u1 = p.x * z2z2
        let u2 = q.x * z1z1
        let s1 = p.y * q.z * z2z2
        let s2 = q.y * p.z * z1z1
        let h = u2 - u1
        let r = (s2 - s1).doubled()
        if h.isZero { return r.isZero ? p.doubled() : .infinity }
        let i = h.doubled().squared()
        let j = h * i
        let v = u1 * i
        let x3 = r.squared() - j - v.doubled()
        let y3 = r * (v - x3) - (s1 * j).doubled()
        let z3 = ((p.z + q.z).squared() - z1z1 - z2z2) * h
        return JacobianPoint(x: x3, y: y3, z: z3)
    }

    /// Addition of an affine point (Z2 = 1), cheaper than the general addition.
    @inlinable
    public func adding(_ q: AffinePoint<Curve>) -> JacobianPoint {
        if q.isInfinity { return self }
        if isInfinity { return q.jacobian }
        let z1z1 = z.squared()
        let u2 = q.x * z1z1
        let s2 = q.y * z * z1z1
        let h = u2 - x
        let r = (s2 - y).doubled()
        if h.isZero { return r.isZero ? doubled() : .infinity }
        let hh = h.squared()
        let i = hh.doubled().doubled()
        let j = h * i
        let v = x * i
        let x3 = r.squared() - j - v.doubled()
        let y3 = r * (v - x3) - (y * j).doubled()
        let z3 = (z + h).squared() - z1z1 - hh
        return JacobianPoint(x: x3, y: y3, z: z3)
    }

    @inlinable
    public static func - (p: JacobianPoint, q: JacobianPoint) -> JacobianPoint { p + q.negated }

    /// [k]P by a fixed 4-bit window (16 precomputed multiples, four doublings per window).
    /// Inlinable, like the other generic operations, so that callers get code specialised to G1 or G2.
    @inlinable
    public func multiplied(by k: UInt256) -> JacobianPoint {
        if isInfinity || k.isZero { return .infinity }
        var table = [JacobianPoint](repeating: .infinity, count: 16)
        table[1] = self
        for i in 2..<16 { table[i] = i & 1 == 0 ? table[i / 2].doubled() : table[i - 1] + self }
        var acc = JacobianPoint.infinity
        var window = (k.bitWidth + 3) / 4 - 1
        while window >= 0 {
            acc = acc.doubled().doubled().doubled().doubled()
            let nibble = Int((k.limb(window >> 4) >> UInt64((window & 15) * 4)) & 0xF)
            if nibble != 0 { acc = acc + table[nibble] }
            window -= 1
        }
        return acc
    }

    /// [k]P for a scalar of Fr.
    @inlinable
    public static func * (p: JacobianPoint, k: Fr) -> JacobianPoint { p.multiplied(by: k.canonical) }

    /// The affine point (one inversion).
    @inlinable
    public var affine: AffinePoint<Curve> {
        guard let zi = z.inverse() else { return .infinity }
        let zi2 = zi.squared()
        return AffinePoint(uncheckedX: x * zi2, y: y * zi2 * zi)
    }

    /// Affine forms of many points with one inversion (Montgomery's trick); infinity stays infinity.
    @inlinable
    public static func batchNormalize(_ points: [JacobianPoint]) -> [AffinePoint<Curve>] {
        var prefix = [F]()
        prefix.reserveCapacity(points.count)
        var acc = F.one
        for p in points {
            prefix.append(acc)
            if !p.isInfinity { acc = acc * p.z }
        }
        guard var inv = acc.inverse() else { return points.map(\.affine) }
        var out = [AffinePoint<Curve>](repeating: .infinity, count: points.count)
        for i in stride(from: points.count - 1, through: 0, by: -1) {
            let p = points[i]
            if p.isInfinity { continue }
            let zi = inv * prefix[i]
            inv = inv * p.z
            let zi2 = zi.squared()
            out[i] = AffinePoint(uncheckedX: p.x * zi2, y: p.y * zi2 * zi)
        }
        return out
    }
}
