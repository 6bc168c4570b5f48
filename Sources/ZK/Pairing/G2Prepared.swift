import CBN254

/// The Miller-loop lines of a G2 point, computed once and reusable against any G1 point, e.g. for
/// a verification key's fixed G2 elements.
///
/// The line through T and T' (or tangent at T) with twist slope λ, untwisted by (x, y) ↦ (xw², yw³)
/// and evaluated at P = (xP, yP), is yP − λxP·w + (λxT − yT)·w³ = yP + (−λxP + (λxT − yT)·v)·w.
/// T runs in homogeneous projective coordinates (x = X/Z, y = Y/Z), so each step takes no
/// inversion; the line is kept multiplied by λ's denominator d ∈ Fq2 as three coefficients
/// (a, b, c) = (d, −dλ, d(λxT − yT)), evaluated as a·yP + (b·xP + c·v)·w. A factor in Fq2 lies in a
/// proper subfield and is removed by the final exponentiation.
///
/// `normalized` preparation divides every line by a (one batch inversion, once) so that each use
/// costs a sparser product: worth it for points prepared once and paired many times.
public struct G2Prepared: Sendable {
    /// a·yP + (b·xP + c·v)·w; a is one when normalized.
    struct Line: Sendable {
        var a: Fq2
        var b: Fq2
        var c: Fq2
    }

    /// One line per Miller-loop step; `doubling[i]` tells whether step i squares the accumulator first.
    let lines: [Line]
    let doubling: [Bool]
    /// Whether every line's a is one.
    let isNormalized: Bool
    /// True for the point at infinity (its pairing is 1).
    public let isInfinity: Bool

    /// 6u + 2, the optimal ate loop count.
    static let loopCount = UInt256(bnParameterU).multipliedAdding(6, 2).partialValue
    /// The non-adjacent form of 6u + 2 below its leading 1, most significant first: 21 non-zero
    /// digits where the binary form has 36, so 15 fewer chord steps. A −1 digit adds −Q; the line
    /// through T and −Q differs from the Miller function's by a vertical line, which lies in Fq6
    /// and is removed by the final exponentiation.
    static let loopDigits: [Int8] = {
        var k = loopCount
        var digits: [Int8] = []  // least significant first
        while !k.isZero {
            if k.l0 & 1 == 0 {
                digits.append(0)
            } else if k.l0 & 3 == 1 {
                digits.append(1)
                k = k.subtractingReportingOverflow(.one).partialValue
            } else {
                digits.append(-1)
                k = k.addingReportingOverflow(.one).partialValue
            }
            k = k.halved
        }
        return Array(digits.reversed().dropFirst())
    }()
    static let half = Fq(2).inverse()!

    /// The lines of q. Points of G2 only (as every point read from outside is checked to be): for
    /// them no step meets a vertical line or T = ±Q, which the formulas do not handle.
    public init(_ q: G2Affine, normalized: Bool = false) {
        isInfinity = q.isInfinity
        guard !q.isInfinity else { lines = []; doubling = []; isNormalized = normalized; return }
        var lines: [Line] = []
        var doubling: [Bool] = []
        var t = (x: q.x, y: q.y, z: Fq2.one)
        let negatedQ = q.negated
        for digit in G2Prepared.loopDigits {
            lines.append(G2Prepared.tangent(&t))
            doubling.append(true)
            if digit != 0 {
                lines.append(G2Prepared.chord(&t, digit > 0 ? q : negatedQ))
                doubling.append(false)
            }
        }
        // The two extra steps: T + ψ(Q), then T − ψ²(Q).
        let q1 = q.psi
        let q2 = q1.psi.negated
        lines.append(G2Prepared.chord(&t, q1))
        doubling.append(false)
        lines.append(G2Prepared.chord(&t, q2))
        doubling.append(false)
        if normalized {
            let inverses = Fq2.batchInverse(lines.map(\.a))
            lines = zip(lines, inverses).map { line, inverse in Line(a: .one, b: line.b * inverse, c: line.c * inverse) }
        }
        self.lines = lines
        self.doubling = doubling
        self.isNormalized = normalized
    }

    /// The tangent at T, then T ← 2T (doubling on y² = x³ + b' in homogeneous coordinates). With
    /// λ = 3X²/(2YZ) and Y²Z = X³ + b'Z³, the line times 2YZ is
    /// 2YZ·yP + (−3X²·xP + (Y² − 3b'Z²)·v)·w. With E = 3b'Z², F = 3E:
    /// 2T = (XY/2·(Y² − F), ((Y² + F)/2)² − 3E², 2Y³Z). In the C core.
    static func tangent(_ t: inout (x: Fq2, y: Fq2, z: Fq2)) -> Line {
        var line = Line(a: .zero, b: .zero, c: .zero)
        TowerCore.withStep(&t, &line) { t, line in
            withUnsafePointer(to: BN254G2.b) { twistB in
                withUnsafePointer(to: half) { half in
                    twistB.withMemoryRebound(to: bn254_fq2.self, capacity: 1) { twistB in
                        half.withMemoryRebound(to: bn254_fq.self, capacity: 1) { half in
                            bn254_g2_tangent_step(t, line, twistB, half)
                        }
                    }
                }
            }
        }
        return line
    }

    /// The chord through T and an affine S, then T ← T + S. With θ = Y − yS·Z and λ' = X − xS·Z the
    /// slope is θ/λ', and the line (through S) times λ' is λ'·yP + (−θ·xP + (θ·xS − λ'·yS)·v)·w.
    /// With C = θ², D = λ'², E = λ'D, F = ZC, G = XD, H = E + F − 2G:
    /// T + S = (λ'H, θ(G − H) − EY, ZE). In the C core.
    static func chord(_ t: inout (x: Fq2, y: Fq2, z: Fq2), _ s: G2Affine) -> Line {
        var line = Line(a: .zero, b: .zero, c: .zero)
        TowerCore.withStep(&t, &line) { t, line in
            withUnsafePointer(to: (s.x, s.y)) { xy in
                UnsafeRawPointer(xy).withMemoryRebound(to: bn254_fq2.self, capacity: 2) { sxy in
                    bn254_g2_chord_step(t, line, sxy, sxy + 1)
                }
            }
        }
        return line
    }
}
