/// The scalar side of the GIPA folds: the structured vector rⁱ, the polynomial whose coefficients
/// are the per-index products of the round challenges (the folded key is that polynomial at the
/// SRS secret), its O(log N) evaluation, and the KZG quotient.
extension TippMipp {
    /// 1, x, …, x^(count−1).
    static func powers(_ x: Fr, _ count: Int) -> [Fr] {
        var out = [Fr](); out.reserveCapacity(count)
        var p = Fr.one
        for _ in 0..<count { out.append(p); p = p * x }
        return out
    }

    static func pow(_ x: Fr, _ e: Int) -> Fr {
        var (result, base, e) = (Fr.one, x, e)
        while e > 0 { if e & 1 == 1 { result = result * base }; base = base.squared(); e >>= 1 }
        return result
    }

    /// The coefficients of ∏ₖ (1 + yₖ·X^(2^(L−1−k))): coefficient i is the product of the yₖ whose
    /// bit (L−1−k) of i is set (round 0 split the vectors at the top bit).
    static func coefficients(_ y: [Fr]) -> [Fr] {
        var out: [Fr] = [.one]
        for factor in y.reversed() { out += out.map { $0 * factor } }
        return out
    }

    /// ∏ₖ (1 + yₖ·X^(2^(L−1−k))) at x, in O(L).
    static func evaluate(_ y: [Fr], at x: Fr) -> Fr {
        var result = Fr.one
        var power = x  // x^(2^j) for j = 0, 1, …: the factor of round k = L−1−j
        for factor in y.reversed() {
            result = result * (.one + factor * power)
            power = power.squared()
        }
        return result
    }

    /// The coefficients of (f(X) − f(z))/(X − z) by synthetic division (length deg f).
    static func quotient(_ f: [Fr], at z: Fr) -> [Fr] {
        guard f.count > 1 else { return [] }
        var q = [Fr](repeating: .zero, count: f.count - 1)
        q[f.count - 2] = f[f.count - 1]
        var i = f.count - 2
        while i > 0 { q[i - 1] = f[i] + z * q[i]; i -= 1 }
        return q
    }
}
