import ZK

/// Batch verification and SnarkPack aggregation next to N single Groth16 verifications. The proofs
/// are valid Groth16 proofs for a key made from a known trapdoor (A = a·G1, B = b·G2,
/// C = (ab − αβ − γ·x)/δ·G1, x the IC combination), which costs the verifier exactly what a
/// circuit's proofs would; the SRS comes from known secrets (development only).
extension ZKCommand {
    func aggregationOperations() -> [Timing] {
        let sizes = Self.logSizes(aggregateSizes)
        guard !sizes.isEmpty else { return [] }
        var rng = SystemRandomNumberGenerator()
        let (alpha, beta, gamma, delta) = (Fr.random(), Fr.random(), Fr.random(), Fr.random())
        let icScalars = (0..<3).map { _ in Fr.random() }
        let g1 = G1Point.generator, g2 = G2Point.generator
        let key = Groth16.VerifyingKey(alpha: (g1 * alpha).affine, beta: (g2 * beta).affine, gamma: (g2 * gamma).affine,
                                       delta: (g2 * delta).affine, ic: icScalars.map { (g1 * $0).affine })!
        let pvk = Groth16.PreparedVerifyingKey(key)
        let all = MultiScalarMultiplication.defaultThreadCount
        var out: [Timing] = []
        for n in sizes {
            let items: [Groth16.BatchVerifier.Item] = (0..<n).map { _ in
                let inputs = [Fr.random(using: &rng), Fr.random(using: &rng)]
                let a = Fr.random(), b = Fr.random()
                let x = icScalars[0] + inputs[0] * icScalars[1] + inputs[1] * icScalars[2]
                let c = (a * b - alpha * beta - gamma * x) * delta.inverse()!
                return .init(proof: Groth16.Proof(a: (g1 * a).affine, b: (g2 * b).affine, c: (g1 * c).affine),
                             publicInputs: inputs)
            }
            var ok = true
            let single = Self.milliseconds {
                for item in items { ok = ok && Groth16.verify(pvk, item.proof, publicInputs: item.publicInputs) }
            }
            out.append(Timing(operation: "\(n) single Groth16 verifications", threads: 1,
                              milliseconds: single.wall, cpuMilliseconds: single.cpu))
            let batch = Self.milliseconds { ok = ok && Groth16.BatchVerifier.verify(pvk, items) }
            out.append(Timing(operation: "batch verification of \(n)", threads: all,
                              milliseconds: batch.wall, cpuMilliseconds: batch.cpu))
            guard n >= 2, n & (n - 1) == 0 else { continue }
            let srs = AggregationSRS.insecureFromSecrets(a: Fr.random(), b: Fr.random(), proofCount: n)
            let (prover, verifier) = srs.specialize(proofCount: n)!
            var aggregate: AggregateProof?
            let aggregation = Self.milliseconds {
                aggregate = SnarkPack.aggregate(prover, key, proofs: items.map(\.proof),
                                                publicInputs: items.map(\.publicInputs))
            }
            out.append(Timing(operation: "SnarkPack aggregate \(n) (\(aggregate!.bytes.count) bytes)", threads: all,
                              milliseconds: aggregation.wall, cpuMilliseconds: aggregation.cpu))
            let verification = Self.milliseconds {
                ok = ok && SnarkPack.verify(verifier, pvk, aggregate!, publicInputs: items.map(\.publicInputs))
            }
            out.append(Timing(operation: "SnarkPack verify aggregate of \(n)", threads: 1,
                              milliseconds: verification.wall, cpuMilliseconds: verification.cpu))
            let decoding = Self.milliseconds { ok = ok && (try? AggregateProof(bytes: aggregate!.bytes)) != nil }
            out.append(Timing(operation: "aggregate decoding with GT/G2 checks, \(n)", threads: 1,
                              milliseconds: decoding.wall, cpuMilliseconds: decoding.cpu))
            precondition(ok, "an honest proof, batch or aggregate failed to verify")
        }
        return out
    }
}
