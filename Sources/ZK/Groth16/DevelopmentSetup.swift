extension Groth16 {
    /// The secret scalars of a Groth16 setup. Whoever knows them can forge proofs of any statement
    /// for the key they made: they must be destroyed (hence "toxic waste").
    public struct ToxicWaste: Sendable, Equatable {
        public let tau: Fr
        public let alpha: Fr
        public let beta: Fr
        public let gamma: Fr
        public let delta: Fr

        public init(tau: Fr, alpha: Fr, beta: Fr, gamma: Fr, delta: Fr) {
            self.tau = tau; self.alpha = alpha; self.beta = beta; self.gamma = gamma; self.delta = delta
        }

        /// Five independent uniform scalars from `generator`.
        public static func random<G: RandomNumberGenerator>(using generator: inout G) -> ToxicWaste {
            ToxicWaste(tau: .random(using: &generator), alpha: .random(using: &generator),
                       beta: .random(using: &generator), gamma: .random(using: &generator),
                       delta: .random(using: &generator))
        }
    }

    /// Why a development setup could not be made.
    public enum SetupError: Error, Equatable, Sendable, CustomStringConvertible {
        /// N = 2^k ≥ constraints + public signals + 1 must have a 2N-th root of unity (k ≤ 27).
        case circuitTooLarge(constraints: Int)
        /// α, β, γ or δ is zero, or τ is a 2N-th root of unity (a Lagrange basis would divide by 0).
        case degenerateToxicWaste(String)

        public var description: String {
            switch self {
            case .circuitTooLarge(let m): "\(m) constraints need a domain above 2^27"
            case .degenerateToxicWaste(let why): "unusable toxic waste: \(why)"
            }
        }
    }

    /// A SINGLE-PARTY Groth16 setup, FOR DEVELOPMENT AND TESTS ONLY: whoever runs it knows the
    /// toxic waste and can forge proofs for the key. The production path is a multi-party ceremony
    /// (the `.zkey` contributions); this exists so that circuits can be proved and verified before
    /// one has run.
    ///
    /// The key is built by evaluating the Lagrange bases at τ directly (no powers of tau): over H
    /// of size N = 2^k ≥ m + nPublic + 1, Lⱼ(τ) = Z(τ)/N · ωʲ/(τ − ωʲ); the QAP matrices are the
    /// R1CS's A, B, C rows plus the rows m + i holding wire i with coefficient 1 in A for i =
    /// 0…nPublic (`ProvingKey`). Then aᵢ = Aᵢ(τ), b1ᵢ/b2ᵢ = Bᵢ(τ), ICᵢ = (β·Aᵢ(τ) + α·Bᵢ(τ) +
    /// Cᵢ(τ))/γ for public i, cⱼ the same over δ for private wires, and hₖ = L′_{2k+1}(τ)/δ over the
    /// 2N-th roots of unity (`ProvingKey` explains why). All points are multiples of the two
    /// generators, computed with fixed-base tables on all cores.
    public static func developmentSetup(r1cs: R1CS, toxicWaste t: ToxicWaste,
                                        threads: Int? = nil) throws(SetupError) -> ProvingKey {
        let nPublic = r1cs.publicCount, m = r1cs.constraints.count, wires = r1cs.wireCount
        guard let domain = EvaluationDomain(minimumSize: m + nPublic + 1),
              let root2N = domain.doubleDomainRoot else { throw .circuitTooLarge(constraints: m) }
        let n = domain.size
        for (name, v) in [("alpha", t.alpha), ("beta", t.beta), ("gamma", t.gamma), ("delta", t.delta)] where v.isZero {
            throw .degenerateToxicWaste("\(name) is zero")
        }
        let tauN = t.tau.pow(UInt256(UInt64(n)))
        let tau2N = tauN * tauN
        guard tau2N != .one else { throw .degenerateToxicWaste("tau is a 2N-th root of unity") }

        // Matrices (rows < m from the constraints, then the public rows) and Lagrange values.
        var matricesA: [MatrixEntry] = [], matricesB: [MatrixEntry] = []
        for (row, constraint) in r1cs.constraints.enumerated() {
            for term in constraint.a.terms { matricesA.append(MatrixEntry(row: row, wire: term.wire, coefficient: term.coefficient)) }
            for term in constraint.b.terms { matricesB.append(MatrixEntry(row: row, wire: term.wire, coefficient: term.coefficient)) }
        }
        for i in 0...nPublic { matricesA.append(MatrixEntry(row: m + i, wire: i, coefficient: .one)) }

        let lagrange = lagrangeValues(at: t.tau, points: domain.elements, scale: (tauN - .one) * domain.sizeInverse)
        var aTau = [Fr](repeating: .zero, count: wires), bTau = aTau, cTau = aTau
        for e in matricesA { aTau[e.wire] += e.coefficient * lagrange[e.row] }
        for e in matricesB { bTau[e.wire] += e.coefficient * lagrange[e.row] }
        for (row, constraint) in r1cs.constraints.enumerated() {
            for term in constraint.c.terms { cTau[term.wire] += term.coefficient * lagrange[row] }
        }

        let gammaInverse = t.gamma.inverse()!, deltaInverse = t.delta.inverse()!
        let combined = (0..<wires).map { t.beta * aTau[$0] + t.alpha * bTau[$0] + cTau[$0] }
        let ic = combined[0...nPublic].map { $0 * gammaInverse }
        let c = combined[(nPublic + 1)...].map { $0 * deltaInverse }
        let oddRoots = domain.elements.map { $0 * root2N }
        let twoNInverse = Fr(UInt64(2 * n)).inverse()!
        let h = lagrangeValues(at: t.tau, points: oddRoots, scale: (tau2N - .one) * twoNInverse)
            .map { $0 * deltaInverse }

        let threadCount = max(1, threads ?? MultiScalarMultiplication.defaultThreadCount)
        let g1 = FixedBaseTable(base: BN254G1.generator).multiplyAll(
            [t.alpha, t.beta, t.delta] + aTau + bTau + ic + c + h, threads: threadCount)
        let g2 = FixedBaseTable(base: BN254G2.generator).multiplyAll(
            [t.beta, t.gamma, t.delta] + bTau, threads: threadCount)
        var offset = 3
        func take(_ count: Int) -> [G1Affine] {
            defer { offset += count }
            return Array(g1[offset..<(offset + count)])
        }
        let a = take(wires), b1 = take(wires), icPoints = take(nPublic + 1)
        let cPoints = take(wires - nPublic - 1), hPoints = take(n)
        let vk = VerifyingKey(alpha: g1[0], beta: g2[0], gamma: g2[1], delta: g2[2], ic: icPoints)!
        return ProvingKey(verifyingKey: vk, alpha1: g1[0], beta1: g1[1], beta2: g2[0], delta1: g1[2],
                          delta2: g2[2], domainSize: n, wireCount: wires, a: a, b1: b1,
                          b2: Array(g2[3...]), c: cPoints, h: hPoints,
                          matricesA: matricesA, matricesB: matricesB)!
    }

    /// Lagrange basis values at τ for points xⱼ among the M-th roots of unity (all of them, or the
    /// odd 2N-th ones), over the basis of all M roots: scale·xⱼ/(τ − xⱼ) with scale =
    /// (τ^M − 1)/M, since the derivative of x^M − 1 at xⱼ is M/xⱼ. One batch inversion.
    static func lagrangeValues(at tau: Fr, points: [Fr], scale: Fr) -> [Fr] {
        let inverses = Fr.batchInverse(points.map { tau - $0 })
        return zip(points, inverses).map { scale * $0 * $1 }
    }
}
