import Foundation
import ZK

/// Groth16 proving: our prover and arkworks (groth16py `import_zkey` + `prove_wtns`) on the same
/// `.zkey` (from our development setup) and `.wtns`, so both prove exactly the same statement with
/// the same key. Measured, not asserted.
extension ZKCommand {
    /// A circuit to prove, with the function that builds its system and witness: `merkleN`
    /// (merkle-membership of depth N), `spend` (the shielded spend, depth 32) or `chainN` (N
    /// squarings s ← s² + i, the shape of the arkworks chain above).
    static func proveCircuit(_ spec: String) -> (name: String, build: @Sendable () -> ConstraintSystem)? {
        if spec.hasPrefix("merkle"), let depth = Int(spec.dropFirst(6)), (1...64).contains(depth) {
            return ("merkle-membership depth \(depth)", { MerkleMembershipCircuit.example(depth: depth).build() })
        }
        if spec == "spend" {
            let circuit = SpendCircuit.example()
            return ("spend (2 in, 2 out, depth \(SpendCircuit.treeDepth))", { circuit.build() })
        }
        if spec.hasPrefix("chain"), let n = Int(spec.dropFirst(5)), n > 0 {
            return ("squaring chain \(n)", { squaringChain(n) })
        }
        return nil
    }

    /// N squarings s ← s² + i, the last one the public output.
    static func squaringChain(_ n: Int) -> ConstraintSystem {
        var cs = ConstraintSystem()
        var values = [Fr(3)]
        for i in 0..<n { values.append(values[i] * values[i] + Fr(UInt64(i))) }
        let output = cs.allocatePublicInput(values[n])
        var s = cs.allocatePrivateInput(values[0])
        for i in 0..<n {
            let next = i == n - 1 ? output : cs.allocate(values[i + 1])
            cs.enforce(s.lc, s.lc, next.lc - LinearCombination(constant: Fr(UInt64(i))))
            s = next
        }
        return cs
    }

    func proveTimings() throws -> [Timing] {
        var out: [Timing] = []
        let all = MultiScalarMultiplication.defaultThreadCount
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zk-prove-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for spec in proveCircuits.split(separator: ",").map(String.init) {
            guard let (name, build) = Self.proveCircuit(spec) else {
                print("unknown prove circuit '\(spec)' (merkleN, spend or chainN)")
                continue
            }
            var built: ConstraintSystem?
            let witnessTime = Self.milliseconds { built = build() }
            let cs = built!
            let label = "\(name), \(cs.r1cs.constraints.count) constraints"
            out.append(Timing(operation: "system and witness built (one thread): \(label)", threads: 1,
                              milliseconds: witnessTime.wall, cpuMilliseconds: witnessTime.cpu))
            var generator = SystemRandomNumberGenerator()
            var key: Groth16.ProvingKey?
            let setup = Self.milliseconds {
                key = try? Groth16.developmentSetup(r1cs: cs.r1cs, toxicWaste: .random(using: &generator))
            }
            guard let key else { print("setup failed for \(spec)"); continue }
            out.append(Timing(operation: "development setup: \(label)", threads: all,
                              milliseconds: setup.wall, cpuMilliseconds: setup.cpu))
            let zkeyBytes = ZKeyFile.write(key)
            let zkey = dir.appendingPathComponent("\(spec).zkey"), wtns = dir.appendingPathComponent("\(spec).wtns")
            try Data(zkeyBytes).write(to: zkey)
            try Data(WitnessFile.write(cs.witness)).write(to: wtns)
            let read = Self.milliseconds { _ = try? ZKeyFile.read(zkeyBytes) }
            out.append(Timing(operation: ".zkey read with point checks (\(zkeyBytes.count >> 20) MiB): \(label)",
                              threads: all, milliseconds: read.wall, cpuMilliseconds: read.cpu))
            var proof: Groth16.Proof?
            _ = try? Groth16.prove(key: key, witness: cs.witness)  // warm-up
            var best: (wall: Double, cpu: Double)?
            for _ in 0..<2 {
                let t = Self.milliseconds { proof = try? Groth16.prove(key: key, witness: cs.witness) }
                if best == nil || t.wall < best!.wall { best = t }
            }
            let inputs = Array(cs.witness.values[1...cs.r1cs.publicCount])
            precondition(proof.map { Groth16.verify(key.verifyingKey, $0, publicInputs: inputs) } == true,
                         "the benchmark's proof does not verify")
            out.append(Timing(operation: "Groth16 proof (ours): \(label)", threads: all,
                              milliseconds: best!.wall, cpuMilliseconds: best!.cpu))
            var profile = Groth16.ProverProfile()
            _ = try? Groth16.prove(key: key, witness: cs.witness, profile: &profile)
            for step in profile.steps {
                out.append(Timing(operation: "  prover step: \(step.name)", threads: all,
                                  milliseconds: step.milliseconds, cpuMilliseconds: step.cpuMilliseconds))
            }
            if let python = arkworksPython {
                if let ms = Self.arkworksZKeyProofMilliseconds(python: python, zkey: zkey.path, wtns: wtns.path, threads: all) {
                    out.append(Timing(operation: "Groth16 proof (arkworks, same .zkey/.wtns): \(label)",
                                      threads: all, milliseconds: ms.wall, cpuMilliseconds: ms.cpu))
                } else {
                    print("arkworks (groth16py) .zkey comparison skipped: \(python) could not run it")
                }
            }
        }
        return out
    }

    /// groth16py's `prove_wtns` with our `.zkey` imported: the better of two proofs after a
    /// warm-up (wall, and the process CPU time of that proof, all threads), rayon limited to
    /// `threads`; nil when it cannot run.
    static func arkworksZKeyProofMilliseconds(
        python: String, zkey: String, wtns: String, threads: Int
    ) -> (wall: Double, cpu: Double)? {
        let script = """
            import sys, time, groth16py
            imported = groth16py.import_zkey(sys.argv[1])
            pk = imported[0] if isinstance(imported, tuple) else imported
            groth16py.prove_wtns(pk, sys.argv[2])
            best = None
            for _ in range(2):
                t0, c0 = time.perf_counter(), time.process_time()
                groth16py.prove_wtns(pk, sys.argv[2])
                t, c = time.perf_counter() - t0, time.process_time() - c0
                best = (t, c) if best is None or t < best[0] else best
            print(best[0] * 1000, best[1] * 1000)
            """
        guard let numbers = ZKCommand.pythonLastLineNumbers(python: python, script: script, arguments: [zkey, wtns],
                                                            environment: ["RAYON_NUM_THREADS=\(threads)"]),
              numbers.count == 2 else { return nil }
        return (numbers[0], numbers[1])
    }
}
