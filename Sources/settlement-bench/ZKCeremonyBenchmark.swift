import ZK

/// The setup ceremony's costs at a few sizes: a phase-1 contribution and its verification, reading
/// a phase-1 file (every point checked), the phase-2 start for a circuit filling the domain (a chain
/// of squarings), a phase-2 contribution and the phase-2 verification (which recomputes the start).
extension ZKCommand {
    func ceremonyOperations() -> [Timing] {
        let threads = MultiScalarMultiplication.defaultThreadCount
        var out: [Timing] = []
        var rng = HashRandomGenerator(seed: Array("settlement-bench ceremony".utf8))
        func time(_ name: String, _ body: () -> Void) {
            let ms = Self.milliseconds(body)
            out.append(Timing(operation: name, threads: threads, milliseconds: ms.wall, cpuMilliseconds: ms.cpu))
        }
        for k in Self.logSizes(ceremonyLogSizes) where (1...PowersOfTau.maxPower).contains(k) {
            var p1 = Phase1Transcript(power: k)
            p1.contribute(name: "first", using: &rng, threads: threads)
            time("ceremony 2^\(k): phase-1 contribution") { p1.contribute(name: "second", using: &rng, threads: threads) }
            var report: CeremonyReport?
            time("ceremony 2^\(k): phase-1 verification (2 contributions)") { report = p1.verify(using: &rng, threads: threads) }
            precondition(report?.isValid == true, "phase 1 does not verify")
            let bytes = Phase1File.write(p1)
            time("ceremony 2^\(k): phase-1 file read (\(bytes.count >> 10) KiB, points checked)") {
                precondition((try? Phase1File.read(bytes, threads: threads)) == p1)
            }
            // x public, s₀ = x, sᵢ₊₁ = sᵢ²: N − 2 constraints, + 2 public rows = N.
            var cs = ConstraintSystem()
            var s = cs.allocatePublicInput(Fr(3))
            for _ in 0..<((1 << k) - 2) {
                let next = cs.allocate(cs.value(s) * cs.value(s))
                cs.enforce(s.lc, s.lc, next.lc)
                s = next
            }
            let r1cs = cs.r1cs
            var p2: Phase2Transcript?
            time("ceremony 2^\(k): phase-2 start, \(r1cs.constraints.count) constraints") {
                p2 = try? Phase2Transcript(phase1: p1.parameters, r1cs: r1cs, threads: threads)
            }
            guard var t2 = p2 else { continue }
            time("ceremony 2^\(k): phase-2 contribution") { t2.contribute(name: "d", using: &rng, threads: threads) }
            time("ceremony 2^\(k): phase-2 verification (start recomputed)") {
                report = t2.verify(phase1: p1.parameters, r1cs: r1cs, using: &rng, threads: threads)
            }
            precondition(report?.isValid == true, "phase 2 does not verify")
        }
        return out
    }
}
