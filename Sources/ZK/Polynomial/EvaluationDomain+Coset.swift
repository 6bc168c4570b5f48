extension EvaluationDomain {
    /// ω₂ₙ, a primitive 2N-th root of unity with ω₂ₙ² = ω (both are powers of the same maximal
    /// root); nil for N = 2^28, which has no 2N-th root in Fr.
    public var doubleDomainRoot: Fr? {
        logSize < FrRootsOfUnity.twoAdicity ? FrRootsOfUnity.root(logOrder: logSize + 1) : nil
    }

    /// Coefficients → evaluations on the coset s·H (at s·ωⁱ) for any nonzero shift s: aᵢ·sⁱ, then
    /// the forward transform. With s = ω₂ₙ the coset is the odd 2N-th roots of unity, on which
    /// Z(x) = x^N − 1 is the constant −2 (the Groth16 prover's choice, as snarkjs');
    /// `cosetNTT(_:)` is the case s = g.
    public func cosetNTT(_ values: inout [Fr], shift: Fr) {
        precondition(!shift.isZero, "a coset shift is nonzero")
        precondition(values.count <= size, "more coefficients than the domain holds")
        if values.count < size { values.append(contentsOf: repeatElement(Fr.zero, count: size - values.count)) }
        var p = Fr.one
        for i in values.indices {
            values[i] *= p
            p *= shift
        }
        ntt(&values)
    }

    /// Evaluations on s·H → coefficients (the inverse of `cosetNTT(_:shift:)`).
    public func inverseCosetNTT(_ values: inout [Fr], shift: Fr) {
        precondition(!shift.isZero, "a coset shift is nonzero")
        inverseNTT(&values)
        let inverse = shift.inverse()!
        var p = Fr.one
        for i in values.indices {
            values[i] *= p
            p *= inverse
        }
    }
}
