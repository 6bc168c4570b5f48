/// Boolean, bit and range gadgets. Their constraint counts are part of their contract (docs/zk.md).
extension ConstraintSystem {
    /// b · (1 − b) = 0: b is 0 or 1. 1 constraint.
    public mutating func enforceBoolean(_ b: Variable) {
        enforce(b.lc, LinearCombination(constant: .one) - b, .zero)
    }

    /// A new boolean wire with the given value. 1 constraint.
    public mutating func allocateBoolean(_ bit: Bool) -> Variable {
        let b = allocate(bit ? .one : .zero)
        enforceBoolean(b)
        return b
    }

    /// The n low bits of `value` (least significant first), each boolean, and one constraint that
    /// they recompose to `value`. n + 1 constraints. With n ≤ 253, 2ⁿ < r, so the recomposition
    /// cannot wrap: it is also the range check value < 2ⁿ.
    public mutating func decomposeBits(_ value: LinearCombination, count n: Int) -> [Variable] {
        precondition((1...253).contains(n), "bit decomposition takes 1 to 253 bits")
        let canonical = self.value(value).canonical
        var bits: [Variable] = []
        bits.reserveCapacity(n)
        var sum = LinearCombination.zero
        var power = Fr.one
        for i in 0..<n {
            let b = allocateBoolean(canonical.bit(i))
            bits.append(b)
            sum += b * power
            power = power.doubled()
        }
        enforce(sum, LinearCombination(constant: .one), value)
        return bits
    }

    /// value < 2ⁿ (n ≤ 253). n + 1 constraints.
    public mutating func enforceRange(_ value: LinearCombination, bits n: Int) {
        _ = decomposeBits(value, count: n)
    }

    /// a = b. 1 constraint.
    public mutating func enforceEqual(_ a: LinearCombination, _ b: LinearCombination) {
        enforce(a - b, LinearCombination(constant: .one), .zero)
    }

    /// s ? a : b, for a boolean s (not checked here). 1 constraint: out = b + s·(a − b).
    public mutating func select(_ s: Variable, _ a: LinearCombination, _ b: LinearCombination) -> Variable {
        let out = allocate(value(s).isZero ? value(b) : value(a))
        enforce(s.lc, a - b, out.lc - b)
        return out
    }

    /// (a, b) if s = 0, (b, a) if s = 1, for a boolean s (not checked here). 1 constraint:
    /// t = s·(b − a), then left = a + t and right = b − t are linear.
    public mutating func conditionalSwap(_ s: Variable, _ a: LinearCombination, _ b: LinearCombination)
        -> (left: LinearCombination, right: LinearCombination) {
        let t = allocate(value(s) * (value(b) - value(a)))
        enforce(s.lc, b - a, t.lc)
        return (a + t, b - t)
    }

    /// 1 if a = b else 0, as a boolean wire. 2 constraints (the inverse trick):
    /// d = a − b, d · inv = 1 − out, d · out = 0.
    public mutating func isEqual(_ a: LinearCombination, _ b: LinearCombination) -> Variable {
        let d = a - b
        let dValue = value(d)
        let out = allocate(dValue.isZero ? .one : .zero)
        let inv = allocate(dValue.inverse() ?? .zero)
        enforce(d, inv.lc, LinearCombination(constant: .one) - out)
        enforce(d, out.lc, .zero)
        return out
    }
}
