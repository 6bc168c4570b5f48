extension Groth16 {
    /// Another valid proof of the same statement, unlinkable to `proof` without the secrets r, s:
    ///
    ///     A' = r⁻¹·A,  B' = r·B + r·s·δ,  C' = C + s·A
    ///
    /// e(A', B') = e(A, B)·e(s·A, δ) and e(C', δ) = e(C, δ)·e(s·A, δ), so the verification equation
    /// still holds. Anyone can do it (δ is public), which is why nothing may identify a transaction
    /// by its proof bytes. Used by the benchmarks to make many distinct valid proofs from a few.
    public static func rerandomize<G: RandomNumberGenerator>(_ proof: Proof, key: VerifyingKey, using generator: inout G) -> Proof {
        var r = Fr.random(using: &generator)
        while r.isZero { r = Fr.random(using: &generator) }
        let s = Fr.random(using: &generator)
        let a = proof.a.jacobian * r.inverse()!
        let b = proof.b.jacobian * r + key.delta.jacobian * (r * s)
        let c = proof.c.jacobian + proof.a.jacobian * s
        return Proof(a: a.affine, b: b.affine, c: c.affine)
    }
}
