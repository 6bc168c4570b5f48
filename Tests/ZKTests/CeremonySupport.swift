import XCTest
@testable import ZK



/// Shared material of the ceremony tests: a small circuit and scalar-side evaluation of what a key
/// must hold, computed from the secrets without any group transform.
enum CeremonyFixture {
    /// out = x·y + 3·x, with out and x public: 2 constraints, 2 public wires, domain 8
    /// (2 constraints + 3 public rows = 5 rows).
    static func circuit(x: Fr = Fr(3), y: Fr = Fr(5)) -> ConstraintSystem {
        var cs = ConstraintSystem()
        let out = cs.allocatePublicInput(x * y + Fr(3) * x)
        let xv = cs.allocatePublicInput(x)
        let yv = cs.allocatePrivateInput(y)
        let t = cs.allocate(x * y)
        cs.enforce(xv.lc, yv.lc, t.lc)
        cs.enforce(xv.lc, LinearCombination(constant: Fr(3)), out - t)
        return cs
    }

    static func product(_ xs: [Fr]) -> Fr { xs.reduce(Fr.one, *) }

    /// Lᵢ(τ) over the N-th roots of unity: (τ^N − 1)·ωⁱ / (N·(τ − ωⁱ)).
    static func lagrange(at tau: Fr, size n: Int) -> [Fr] {
        let omega = FrRootsOfUnity.root(logOrder: n.trailingZeroBitCount)
        let zed = tau.pow(UInt256(UInt64(n))) - .one
        var w = Fr.one
        return (0..<n).map { _ in
            defer { w *= omega }
            return zed * w * (Fr(UInt64(n)) * (tau - w)).inverse()!
        }
    }

    static func g1(_ k: Fr) -> G1Affine { (G1Point.generator * k).affine }
    static func g2(_ k: Fr) -> G2Affine { (G2Point.generator * k).affine }

    /// The proving key a trusted party knowing τ, α, β, δ (γ = 1) would compute, point by point
    /// from scalars, with the rows of A extended by the public rows.
    static func expectedKey(r1cs: R1CS, tau: Fr, alpha: Fr, beta: Fr, delta: Fr, domainSize n: Int)
        -> (a: [G1Affine], b1: [G1Affine], b2: [G2Affine], c: [G1Affine], ic: [G1Affine], h: [G1Affine]) {
        let l = lagrange(at: tau, size: n)
        let w = r1cs.wireCount, m = r1cs.constraints.count, nPublic = r1cs.publicCount
        var aS = [Fr](repeating: .zero, count: w), bS = aS, cS = aS
        for (row, con) in r1cs.constraints.enumerated() {
            for t in con.a.terms { aS[t.wire] += t.coefficient * l[row] }
            for t in con.b.terms { bS[t.wire] += t.coefficient * l[row] }
            for t in con.c.terms { cS[t.wire] += t.coefficient * l[row] }
        }
        for i in 0...nPublic { aS[i] += l[m + i] }
        let deltaInverse = delta.inverse()!
        let combined = (0..<w).map { beta * aS[$0] + alpha * bS[$0] + cS[$0] }
        let wide = lagrange(at: tau, size: 2 * n)
        return (aS.map(g1), bS.map(g1), bS.map(g2),
                combined[(nPublic + 1)...].map { g1($0 * deltaInverse) },
                combined[0...nPublic].map(g1),
                (0..<n).map { g1(wide[2 * $0 + 1] * deltaInverse) })
    }
}

/// A minimal Groth16 prover for the tests only (the module's prover is built elsewhere): it uses
/// the key exactly as its documentation defines it, so a verifying proof shows the ceremony's key
/// has the shape a prover relies on.
enum TestProver {
    static func prove(_ k: Groth16.ProvingKey, witness w: [Fr], using rng: inout TestRNG) -> Groth16.Proof {
        let n = k.domainSize
        var aH = [Fr](repeating: .zero, count: n), bH = aH
        for e in k.matricesA { aH[e.row] += e.coefficient * w[e.wire] }
        for e in k.matricesB { bH[e.row] += e.coefficient * w[e.wire] }
        let cH = (0..<n).map { aH[$0] * bH[$0] }
        let domain = EvaluationDomain(minimumSize: n)!
        var aC = aH, bC = bH, cC = cH
        domain.inverseNTT(&aC); domain.inverseNTT(&bC); domain.inverseNTT(&cC)
        var p = [Fr](repeating: .zero, count: 2 * n)
        for i in 0..<n { for j in 0..<n { p[i + j] += aC[i] * bC[j] } }
        for i in 0..<n { p[i] -= cC[i] }
        let wide = FrRootsOfUnity.root(logOrder: (2 * n).trailingZeroBitCount)
        let values = (0..<n).map { kk -> Fr in
            let x = wide.pow(UInt256(UInt64(2 * kk + 1)))
            return p.reversed().reduce(Fr.zero) { $0 * x + $1 }
        }
        let r = rng.fr(), s = rng.fr()
        func msm1(_ points: [G1Affine], _ scalars: [Fr]) -> G1Point {
            zip(points, scalars).reduce(G1Point.infinity) { $0 + $1.0.jacobian * $1.1 }
        }
        let a = k.alpha1.jacobian + msm1(k.a, w) + k.delta1.jacobian * r
        let b2 = zip(k.b2, w).reduce(k.beta2.jacobian) { $0 + $1.0.jacobian * $1.1 } + k.delta2.jacobian * s
        let b1 = k.beta1.jacobian + msm1(k.b1, w) + k.delta1.jacobian * s
        let privateWires = Array(w[(k.publicCount + 1)...])
        let c = msm1(k.c, privateWires) + msm1(k.h, values) + a * s + b1 * r - k.delta1.jacobian * (r * s)
        return Groth16.Proof(a: a.affine, b: b2.affine, c: c.affine)
    }
}
