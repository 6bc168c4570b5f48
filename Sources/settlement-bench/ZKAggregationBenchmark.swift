import Foundation
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
            let single = Self.bestOfTwo {
                for item in items { ok = ok && Groth16.verify(pvk, item.proof, publicInputs: item.publicInputs) }
            }
            out.append(Timing(operation: "\(n) single Groth16 verifications", threads: 1,
                              milliseconds: single.wall, cpuMilliseconds: single.cpu))
            let calldata = items.map(\.proof.calldata)
            let decodedSingle = Self.bestOfTwo {
                for (bytes, item) in zip(calldata, items) {
                    guard let proof = try? Groth16.Proof(calldata: bytes) else { ok = false; continue }
                    ok = ok && Groth16.verify(pvk, proof, publicInputs: item.publicInputs)
                }
            }
            out.append(Timing(operation: "\(n) single verifications from calldata (decoding, subgroup checks)", threads: 1,
                              milliseconds: decodedSingle.wall, cpuMilliseconds: decodedSingle.cpu))
            if let python = arkworksPython {
                if let ms = Self.arkworksVerifyMilliseconds(python: python, key: key, items: items) {
                    out.append(Timing(operation: "\(n) single verifications from calldata, arkworks (groth16py)",
                                      threads: 1, milliseconds: ms.wall, cpuMilliseconds: ms.cpu))
                } else {
                    print("arkworks (groth16py) verification comparison skipped: \(python) could not run it")
                }
            }
            let batch = Self.bestOfTwo { ok = ok && Groth16.BatchVerifier.verify(pvk, items) }
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

    /// groth16py's prepared `Verifier` on the same key and proofs (snarkjs JSON key, the 256-byte
    /// calldata proofs, the inputs as integers), every proof checked to verify: the better of two
    /// passes over all of them (wall and process CPU); nil when it cannot run or a proof fails.
    static func arkworksVerifyMilliseconds(
        python: String, key: Groth16.VerifyingKey, items: [Groth16.BatchVerifier.Item]
    ) -> (wall: Double, cpu: Double)? {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zk-verify-bench-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let document: [String: Any] = [
            "vk": String(decoding: Groth16JSON.encode(key), as: UTF8.self),
            "proofs": items.map { $0.proof.calldata.map { String(format: "%02x", $0) }.joined() },
            "inputs": items.map { $0.publicInputs.map(\.decimalString) },
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: document), (try? data.write(to: file)) != nil else {
            return nil
        }
        let script = """
            import json, sys, time, groth16py
            d = json.load(open(sys.argv[1]))
            v = groth16py.Verifier(groth16py.VerifyingKey.from_snarkjs(d["vk"]))
            proofs = [bytes.fromhex(p) for p in d["proofs"]]
            inputs = [[int(x) for x in xs] for xs in d["inputs"]]
            best = None
            for _ in range(2):
                t0, c0 = time.perf_counter(), time.process_time()
                ok = all(v.verify(p, xs) for p, xs in zip(proofs, inputs))
                t, c = time.perf_counter() - t0, time.process_time() - c0
                if not ok: sys.exit(1)
                best = (t, c) if best is None or t < best[0] else best
            print(best[0] * 1000, best[1] * 1000)
            """
        guard let numbers = pythonLastLineNumbers(python: python, script: script, arguments: [file.path]),
              numbers.count == 2 else { return nil }
        return (numbers[0], numbers[1])
    }
}
