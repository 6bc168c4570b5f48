/// The multiplicative subgroup H = {ω⁰, …, ω^(N−1)} of Fr of a power-of-two size N, and its coset
/// g·H for g = 5, with the transforms between coefficients and evaluations on either.
///
/// The Groth16 prover uses it as follows: the constraint polynomials A, B, C are known by their
/// evaluations on H; `inverseNTT` gives their coefficients, `cosetNTT` their evaluations on g·H,
/// where Z(x) = x^N − 1 is the constant g^N − 1 ≠ 0, so (A·B − C)/Z is a pointwise product there
/// (`divideByVanishingOnCoset`), and `inverseCosetNTT` gives the quotient's coefficients.
public struct EvaluationDomain: Sendable, Equatable {
    /// N, a power of two.
    public let size: Int
    /// log2 N.
    public let logSize: Int
    /// ω, a primitive N-th root of unity.
    public let root: Fr
    /// ω⁻¹.
    public let rootInverse: Fr
    /// N⁻¹ in Fr.
    public let sizeInverse: Fr
    /// The coset shift g (the multiplicative generator 5).
    public let cosetShift: Fr
    /// g⁻¹.
    public let cosetShiftInverse: Fr
    /// Threads for large transforms.
    public let threads: Int

    /// The smallest domain of size 2^k ≥ `minimumSize` (at least 1); nil above 2^28, the largest
    /// 2-power subgroup of Fr.
    public init?(minimumSize: Int, threads: Int? = nil) {
        var k = 0
        while (1 << k) < minimumSize { k += 1 }
        guard k <= FrRootsOfUnity.twoAdicity else { return nil }
        size = 1 << k
        logSize = k
        root = FrRootsOfUnity.root(logOrder: k)
        rootInverse = root.inverse()!
        sizeInverse = Fr(UInt64(size)).inverse()!
        cosetShift = FrRootsOfUnity.generator
        cosetShiftInverse = cosetShift.inverse()!
        self.threads = max(1, threads ?? MultiScalarMultiplication.defaultThreadCount)
        // g·H is disjoint from H exactly when g^N ≠ 1; for the non-residue 5 this holds up to 2^27,
        // and at 2^28 (where H holds non-residues too) the check below is what decides.
        precondition(cosetShift.pow(UInt256(UInt64(size))) != .one, "coset shift lies in H")
    }

    /// The elements ω⁰, …, ω^(N−1) of H.
    public var elements: [Fr] { powers(of: root, count: size) }

    /// Z(x) = x^N − 1, which vanishes exactly on H.
    public func vanishingPolynomial(at x: Fr) -> Fr { x.pow(UInt256(UInt64(size))) - .one }

    /// Coefficients (padded with zeros to N; at most N of them) → evaluations on H, in place.
    public func ntt(_ values: inout [Fr]) {
        pad(&values)
        NumberTheoreticTransform.transform(&values, twiddles: powers(of: root, count: size / 2), threads: threads)
    }

    /// Evaluations on H → coefficients, in place: the forward transform with ω⁻¹, scaled by N⁻¹.
    public func inverseNTT(_ values: inout [Fr]) {
        precondition(values.count == size, "one evaluation per element of H")
        NumberTheoreticTransform.transform(
            &values, twiddles: powers(of: rootInverse, count: size / 2), threads: threads)
        for i in values.indices { values[i] *= sizeInverse }
    }

    /// Coefficients → evaluations on g·H: aᵢ·gⁱ, then the forward transform.
    public func cosetNTT(_ values: inout [Fr]) {
        pad(&values)
        scale(&values, byPowersOf: cosetShift)
        ntt(&values)
    }

    /// Evaluations on g·H → coefficients.
    public func inverseCosetNTT(_ values: inout [Fr]) {
        inverseNTT(&values)
        scale(&values, byPowersOf: cosetShiftInverse)
    }

    /// Divides evaluations on g·H by Z, which is the constant g^N − 1 on the whole coset.
    public func divideByVanishingOnCoset(_ values: inout [Fr]) {
        precondition(values.count == size, "one evaluation per element of g·H")
        let zInverse = vanishingPolynomial(at: cosetShift).inverse()!
        for i in values.indices { values[i] *= zInverse }
    }

    private func pad(_ values: inout [Fr]) {
        precondition(values.count <= size, "more coefficients than the domain holds")
        if values.count < size { values.append(contentsOf: repeatElement(Fr.zero, count: size - values.count)) }
    }

    private func scale(_ values: inout [Fr], byPowersOf g: Fr) {
        var p = Fr.one
        for i in values.indices {
            values[i] *= p
            p *= g
        }
    }
}

/// x⁰, x¹, …, x^(count−1).
func powers(of x: Fr, count: Int) -> [Fr] {
    var out = [Fr]()
    out.reserveCapacity(count)
    var p = Fr.one
    for _ in 0..<count {
        out.append(p)
        p *= x
    }
    return out
}
