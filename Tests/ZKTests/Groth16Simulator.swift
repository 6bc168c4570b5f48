@testable import ZK

/// A Groth16 key made from a known trapdoor (α, β, γ, δ and the IC exponents), and proofs made
/// with it: A = a·G1, B = b·G2, C = (a·b − α·β − γ·Σ xᵢ·icᵢ)/δ·G1 for random a, b. These are valid
/// Groth16 proofs for the key (the verifier's equation holds by construction), which is what the
/// batch verifier and the aggregation need as input; they prove no circuit.
struct Groth16Simulator {
    let alpha: Fr, beta: Fr, gamma: Fr, delta: Fr
    let icScalars: [Fr]
    let key: Groth16.VerifyingKey
    let prepared: Groth16.PreparedVerifyingKey

    init(publicInputs: Int, rng: inout TestRNG) {
        alpha = rng.fr(); beta = rng.fr(); gamma = rng.fr(); delta = rng.fr()
        icScalars = (0...publicInputs).map { _ in rng.fr() }
        let g1 = G1Point.generator, g2 = G2Point.generator
        key = Groth16.VerifyingKey(alpha: (g1 * alpha).affine, beta: (g2 * beta).affine, gamma: (g2 * gamma).affine,
                                   delta: (g2 * delta).affine, ic: icScalars.map { (g1 * $0).affine })!
        prepared = Groth16.PreparedVerifyingKey(key)
    }

    /// A valid proof for `inputs` (count must match the key).
    func prove(_ inputs: [Fr], rng: inout TestRNG) -> Groth16.Proof {
        let a = rng.fr(), b = rng.fr()
        var x = icScalars[0]
        for (xi, ic) in zip(inputs, icScalars.dropFirst()) { x = x + xi * ic }
        let c = (a * b - alpha * beta - gamma * x) * delta.inverse()!
        return Groth16.Proof(a: (G1Point.generator * a).affine, b: (G2Point.generator * b).affine,
                             c: (G1Point.generator * c).affine)
    }

    /// `count` valid proofs, each for its own random public inputs.
    func items(_ count: Int, rng: inout TestRNG) -> [Groth16.BatchVerifier.Item] {
        (0..<count).map { _ in
            let inputs = (0..<key.publicInputCount).map { _ in rng.fr() }
            return Groth16.BatchVerifier.Item(proof: prove(inputs, rng: &rng), publicInputs: inputs)
        }
    }
}


