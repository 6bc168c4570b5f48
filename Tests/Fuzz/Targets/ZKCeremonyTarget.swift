import ZK

/// The setup ceremony's transcript readers (`Phase1File`, `Phase2File`). The first byte picks the
/// reader (even: phase 1, odd: phase 2); the rest is the file.
enum ZKCeremonyTarget {
    /// A transcript that reads must be canonical: written back, it gives the same bytes.
    static let target = FuzzTarget(name: "zk-ceremony", summary: "setup ceremony transcript files (phase 1 and phase 2)") { bytes in
        guard let first = bytes.first else { return }
        let body = Array(bytes.dropFirst())
        if first % 2 == 0 {
            guard let t = try? Phase1File.read(body, threads: 1) else { return }
            precondition(Phase1File.write(t) == body, "phase-1 transcript decoded from a non-canonical encoding")
        } else {
            guard let t = try? Phase2File.read(body, threads: 1) else { return }
            precondition(Phase2File.write(t) == body, "phase-2 transcript decoded from a non-canonical encoding")
        }
    }

    /// A phase-1 transcript of power 1 with a contribution and a beacon, and a phase-2 transcript
    /// for a one-constraint circuit (domain 2) with one contribution: small enough to mutate.
    static var seeds: [[UInt8]] {
        var rng = HashRandomGenerator(seed: Array("fuzz seeds".utf8))
        var p1 = Phase1Transcript(power: 1)
        p1.contribute(name: "seed", using: &rng, threads: 1)
        var withBeacon = p1
        withBeacon.contribute(name: "beacon", beacon: CeremonyBeacon(value: [1, 2, 3], iterationsExponent: 0)!, threads: 1)
        var cs = ConstraintSystem()
        let x = cs.allocatePrivateInput(Fr(3)), y = cs.allocate(Fr(9))
        cs.enforce(x.lc, x.lc, y.lc)
        guard var p2 = try? Phase2Transcript(phase1: p1.parameters, r1cs: cs.r1cs, threads: 1) else { return [] }
        p2.contribute(name: "seed", using: &rng, threads: 1)
        return [[0] + Phase1File.write(p1), [2] + Phase1File.write(withBeacon), [1] + Phase2File.write(p2)]
    }
}
