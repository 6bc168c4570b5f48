#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Groth16 {
    /// Where one proof's time went, step by step (wall and process CPU milliseconds), for
    /// profiling the prover (settlement-bench prints it).
    public struct ProverProfile: Sendable {
        public struct Step: Sendable {
            public let name: String
            public let milliseconds: Double
            public let cpuMilliseconds: Double
        }
        public private(set) var steps: [Step] = []
        private var wall = ContinuousClock.now
        private var cpu = Self.cpuMilliseconds()

        public init() {}

        /// Ends the current step under `name` and starts the next one.
        mutating func lap(_ name: String) {
            let now = ContinuousClock.now, cpuNow = Self.cpuMilliseconds()
            let d = (now - wall).components
            steps.append(Step(name: name, milliseconds: Double(d.seconds) * 1000 + Double(d.attoseconds) / 1e15,
                              cpuMilliseconds: cpuNow - cpu))
            wall = now
            cpu = cpuNow
        }

        static func cpuMilliseconds() -> Double {
            #if canImport(Glibc) || canImport(Darwin)
            var t = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
            return Double(t.tv_sec) * 1000 + Double(t.tv_nsec) / 1e6
            #else
            return .nan
            #endif
        }
    }

    /// Why the prover refused to prove.
    public enum ProverError: Error, Equatable, Sendable, CustomStringConvertible {
        /// The witness does not have one value per wire of the key.
        case wrongWitnessLength(expected: Int, got: Int)
        /// Wire 0 must hold 1.
        case wireZeroNotOne
        /// The constraint system given for the satisfaction check is not the key's (wire or public
        /// counts, or more rows than the key's domain).
        case constraintSystemMismatch(String)
        /// The witness violates this constraint (the first one, by index).
        case unsatisfied(constraint: Int)
        /// The key's domain has no 2N-th root of unity (N = 2^28).
        case domainTooLarge(Int)

        public var description: String {
            switch self {
            case .wrongWitnessLength(let e, let g): "the witness has \(g) values, the key \(e) wires"
            case .wireZeroNotOne: "witness value 0 is not 1"
            case .constraintSystemMismatch(let why): "the constraint system does not match the key: \(why)"
            case .unsatisfied(let i): "constraint \(i) is not satisfied"
            case .domainTooLarge(let n): "domain of \(n) points is too large"
            }
        }
    }

    /// A proof for `witness` (all wire values in circom order, wire 0 = 1) with fresh blinding
    /// values r, s from the system's cryptographic generator.
    ///
    /// The key carries no C matrix, so it cannot tell a satisfying witness from another: given
    /// `r1cs`, every constraint is checked first and a violation is refused
    /// (`unsatisfied`); without it an unsatisfying witness yields a proof that does not verify.
    /// The wire count and wire 0 = 1 are always checked.
    public static func prove(key: ProvingKey, witness: Witness, checking r1cs: R1CS? = nil,
                             threads: Int? = nil) throws(ProverError) -> Proof {
        var generator = SystemRandomNumberGenerator()
        return try prove(key: key, witness: witness, checking: r1cs, threads: threads, using: &generator)
    }

    /// `prove` that also records the time of each step in `profile` (the witness map's parts,
    /// each MSM, the final combination).
    public static func prove(key: ProvingKey, witness: Witness, threads: Int? = nil,
                             profile: inout ProverProfile) throws(ProverError) -> Proof {
        var generator = SystemRandomNumberGenerator()
        try checkWitness(key: key, witness: witness, r1cs: nil)
        let r = Fr.random(using: &generator), s = Fr.random(using: &generator)
        var recorded: ProverProfile? = ProverProfile()
        defer { profile = recorded! }
        return try prove(key: key, checkedWitness: witness.values, r: r, s: s, threads: threads, profile: &recorded)
    }

    /// `prove` with the blinding values r, s drawn from `generator` (tests pass a seeded one; a
    /// real proof needs a cryptographic generator, or the blinding leaks the witness).
    public static func prove<G: RandomNumberGenerator>(
        key: ProvingKey, witness: Witness, checking r1cs: R1CS? = nil, threads: Int? = nil,
        using generator: inout G
    ) throws(ProverError) -> Proof {
        try checkWitness(key: key, witness: witness, r1cs: r1cs)
        let r = Fr.random(using: &generator), s = Fr.random(using: &generator)
        return try prove(key: key, checkedWitness: witness.values, r: r, s: s, threads: threads)
    }

    /// Lengths, wire 0, and (given the system) satisfaction.
    static func checkWitness(key: ProvingKey, witness: Witness, r1cs: R1CS?) throws(ProverError) {
        let w = witness.values
        guard w.count == key.wireCount else { throw .wrongWitnessLength(expected: key.wireCount, got: w.count) }
        guard w[0] == .one else { throw .wireZeroNotOne }
        guard let r1cs else { return }
        guard r1cs.wireCount == key.wireCount else {
            throw .constraintSystemMismatch("\(r1cs.wireCount) wires, the key has \(key.wireCount)")
        }
        guard r1cs.publicCount == key.publicCount else {
            throw .constraintSystemMismatch("\(r1cs.publicCount) public signals, the key has \(key.publicCount)")
        }
        guard r1cs.constraints.count + key.publicCount + 1 <= key.domainSize else {
            throw .constraintSystemMismatch("\(r1cs.constraints.count) constraints do not fit the key's domain")
        }
        switch r1cs.isSatisfied(witness) {
        case .satisfied: return
        case .unsatisfied(let i): throw .unsatisfied(constraint: i)
        case .wrongWitnessLength(let e, let g): throw .wrongWitnessLength(expected: e, got: g)
        case .wireZeroNotOne: throw .wireZeroNotOne
        }
    }

    /// The proof for given blinding values (the witness already checked):
    ///
    ///     A  = α + Σ wᵢ·aᵢ + r·δ                       (G1)
    ///     B  = β + Σ wᵢ·b2ᵢ + s·δ                      (G2; B1 the same in G1)
    ///     C  = Σ_private wᵢ·cᵢ + Σₖ pₖ·hₖ + s·A + r·B1 − r·s·δ   (G1)
    ///
    /// with p the QAP values on the odd coset (`QAPWitnessMap`). Every sum is one MSM on all cores
    /// (the G2 one by the GLS split of `G2Endomorphism`).
    /// `profile`, when given, records each step's time.
    static func prove(key: ProvingKey, checkedWitness w: [Fr], r: Fr, s: Fr,
                      threads: Int? = nil) throws(ProverError) -> Proof {
        var noProfile: ProverProfile? = nil
        return try prove(key: key, checkedWitness: w, r: r, s: s, threads: threads, profile: &noProfile)
    }

    static func prove(key: ProvingKey, checkedWitness w: [Fr], r: Fr, s: Fr,
                      threads: Int?, profile: inout ProverProfile?) throws(ProverError) -> Proof {
        guard key.domainSize < 1 << FrRootsOfUnity.twoAdicity else { throw .domainTooLarge(key.domainSize) }
        let p = QAPWitnessMap.oddCosetEvaluations(key: key, witness: w, threads: threads, profile: &profile)
        let privateValues = Array(w[(key.publicCount + 1)...])
        let a = G1Point.multiScalarMultiply(bases: key.a, scalars: w, threads: threads)
            .adding(key.alpha1) + key.delta1.jacobian * r
        profile?.lap("MSM A (G1, \(key.a.count) points)")
        let b1 = G1Point.multiScalarMultiply(bases: key.b1, scalars: w, threads: threads)
            .adding(key.beta1) + key.delta1.jacobian * s
        profile?.lap("MSM B1 (G1, \(key.b1.count) points)")
        // β and s·δ join the G2 sum, so they too go through its GLS split.
        let b2 = G2Point.multiScalarMultiply(bases: key.b2 + [key.beta2, key.delta2], scalars: w + [.one, s],
                                             threads: threads)
        profile?.lap("MSM B2 (G2, \(key.b2.count) points)")
        let hTerm = G1Point.multiScalarMultiply(bases: key.h, scalars: p, threads: threads)
        profile?.lap("MSM H (G1, \(key.h.count) points)")
        let cTerm = G1Point.multiScalarMultiply(bases: key.c, scalars: privateValues, threads: threads)
        profile?.lap("MSM C (G1, \(key.c.count) points)")
        let c = cTerm + hTerm + a * s + b1 * r - key.delta1.jacobian * (r * s)
        let affine = G1Point.batchNormalize([a, c])
        profile?.lap("combination")
        return Proof(a: affine[0], b: b2.affine, c: affine[1])
    }
}
