/// The circuit-specific start of phase 2: the Groth16 proving key with δ = γ = 1, computed from
/// phase-1 parameters and an R1CS without knowing τ, α or β (see `Groth16.ProvingKey` for the
/// definitions). Deterministic, so a verifier recomputes it and compares.
///
/// The Lagrange forms Lᵢ(τ)·G1, Lᵢ(τ)·G2, α·Lᵢ(τ)·G1, β·Lᵢ(τ)·G1 over the domain H of size N come
/// from inverse group transforms of the first N powers; the h points, the odd entries of the
/// Lagrange form over the 2N-th roots of unity, from the first 2N powers of τ in G1 by one
/// transform of size N (`GroupNumberTheoreticTransform.oddLagrange`). Each wire's
/// polynomial is then a sparse combination: Aᵢ(τ)·G1 = Σ_rows A[row][i]·L_row(τ)·G1.
public enum Phase2Setup {
    /// N for a circuit: the smallest power of two holding its constraints and the nPublic + 1
    /// extra rows that put the public wires into A (at least 2).
    public static func domainSize(for r1cs: R1CS) -> Int {
        var n = 2
        while n < r1cs.constraints.count + r1cs.publicCount + 1 { n *= 2 }
        return n
    }

    /// The QAP's A entries (constraint rows, then row m + i holding wire i with coefficient 1 for
    /// i = 0…nPublic), B entries and C entries, in row order.
    public static func matrices(_ r1cs: R1CS) -> (a: [Groth16.MatrixEntry], b: [Groth16.MatrixEntry], c: [Groth16.MatrixEntry]) {
        var a: [Groth16.MatrixEntry] = [], b: [Groth16.MatrixEntry] = [], c: [Groth16.MatrixEntry] = []
        for (row, constraint) in r1cs.constraints.enumerated() {
            a += constraint.a.terms.map { .init(row: row, wire: $0.wire, coefficient: $0.coefficient) }
            b += constraint.b.terms.map { .init(row: row, wire: $0.wire, coefficient: $0.coefficient) }
            c += constraint.c.terms.map { .init(row: row, wire: $0.wire, coefficient: $0.coefficient) }
        }
        let m = r1cs.constraints.count
        for i in 0...r1cs.publicCount { a.append(.init(row: m + i, wire: i, coefficient: .one)) }
        return (a, b, c)
    }

    /// SHA-256 of the circuit's `.r1cs` encoding: what a phase-2 transcript is bound to.
    public static func circuitHash(_ r1cs: R1CS) -> [UInt8] { SHA256.hash(R1CSFile.write(r1cs)) }

    /// The key with δ = γ = 1 (δ·G1 = G1, δ·G2 = γ·G2 = G2).
    public static func initialKey(phase1 p: PowersOfTau, r1cs: R1CS, threads: Int? = nil) throws(CeremonyFailure) -> Groth16.ProvingKey {
        let threads = threads ?? MultiScalarMultiplication.defaultThreadCount
        let n = domainSize(for: r1cs)
        guard n <= p.size else { throw .circuitTooLarge(domain: n, supported: p.size) }
        let lagrange = GroupNumberTheoreticTransform.self
        let lG1 = lagrange.lagrange(fromPowers: Array(p.tauG1[0..<n]), threads: threads)
        let lG2 = lagrange.lagrange(fromPowers: Array(p.tauG2[0..<n]), threads: threads)
        let alphaL = lagrange.lagrange(fromPowers: Array(p.alphaTauG1[0..<n]), threads: threads)
        let betaL = lagrange.lagrange(fromPowers: Array(p.betaTauG1[0..<n]), threads: threads)
        let h = lagrange.oddLagrange(fromPowers: Array(p.tauG1[0..<(2 * n)]), threads: threads)

        let w = r1cs.wireCount, nPublic = r1cs.publicCount
        let (mA, mB, mC) = matrices(r1cs)
        let a = combine(mA, lG1, wires: w, threads: threads)
        let b1 = combine(mB, lG1, wires: w, threads: threads)
        let b2 = combine(mB, lG2, wires: w, threads: threads)
        // β·Aᵢ(τ) + α·Bᵢ(τ) + Cᵢ(τ), over γ = 1 for public wires and δ = 1 for private ones.
        let betaA = combine(mA, betaL, wires: w, threads: threads)
        let alphaB = combine(mB, alphaL, wires: w, threads: threads)
        let cTerms = combine(mC, lG1, wires: w, threads: threads)
        let sums = G1Point.batchNormalize((0..<w).map { betaA[$0] + alphaB[$0] + cTerms[$0] })

        let vk = Groth16.VerifyingKey(alpha: p.alphaTauG1[0], beta: p.betaG2, gamma: BN254G2.generator,
                                      delta: BN254G2.generator, ic: Array(sums[0...nPublic]))!
        return Groth16.ProvingKey(
            verifyingKey: vk, alpha1: p.alphaTauG1[0], beta1: p.betaTauG1[0], beta2: p.betaG2,
            delta1: BN254G1.generator, delta2: BN254G2.generator, domainSize: n, wireCount: w,
            a: G1Point.batchNormalize(a), b1: G1Point.batchNormalize(b1), b2: G2Point.batchNormalize(b2),
            c: Array(sums[(nPublic + 1)...]), h: h, matricesA: mA, matricesB: mB)!
    }

    /// For each wire i, Σ over the entries of wire i of coefficient·basis[row] (unit coefficients
    /// by an addition, −1 by a subtraction, others by a scalar multiplication).
    static func combine<Curve: CurveParameters>(
        _ entries: [Groth16.MatrixEntry], _ basis: [AffinePoint<Curve>], wires: Int, threads: Int
    ) -> [JacobianPoint<Curve>] {
        var byWire = [[(row: Int, coefficient: Fr)]](repeating: [], count: wires)
        for e in entries { byWire[e.wire].append((e.row, e.coefficient)) }
        let minusOne = -Fr.one
        return ParallelFor.flatMapChunks(count: wires, threads: threads, minimumChunk: 64) { [byWire] range in
            range.map { wire in
                var acc = JacobianPoint<Curve>.infinity
                for (row, k) in byWire[wire] {
                    if k == .one { acc = acc.adding(basis[row]) }
                    else if k == minusOne { acc = acc.adding(basis[row].negated) }
                    else { acc = acc + basis[row].jacobian * k }
                }
                return acc
            }
        }
    }
}
