/// One phase-2 contribution as recorded: a name, δ·G1 and δ·G2 after it, the knowledge proof of
/// its secret d (δ ← δ·d) and the digest of the key after it.
public struct Phase2Contribution: Sendable, Equatable {
    public let name: String
    public let deltaG1: G1Affine
    public let deltaG2: G2Affine
    public let proof: KnowledgeProof
    /// SHA-256 of the key's encoding after this contribution.
    public let keyHash: [UInt8]
    /// Set when the secret comes from a public beacon (checked exactly).
    public let beacon: CeremonyBeacon?

    public init(name: String, deltaG1: G1Affine, deltaG2: G2Affine, proof: KnowledgeProof, keyHash: [UInt8],
                beacon: CeremonyBeacon? = nil) {
        self.name = name; self.deltaG1 = deltaG1; self.deltaG2 = deltaG2; self.proof = proof; self.keyHash = keyHash
        self.beacon = beacon
    }

    /// The secret a beacon determines (the first nonzero draw of its generator).
    static func beaconSecret(_ generator: inout HashRandomGenerator) -> Fr {
        var d = Fr.random(using: &generator)
        while d.isZero { d = Fr.random(using: &generator) }
        return d
    }

    static func challenge(_ digest: [UInt8]) -> [UInt8] {
        SHA256.hash(Array("zk-ceremony phase2 pok delta".utf8) + digest)
    }
}

/// A phase-2 ceremony for one circuit: the digests of the circuit and of the phase-1 parameters it
/// was started from, the current proving key and the contributions that led to it.
public struct Phase2Transcript: Sendable, Equatable {
    public let circuitHash: [UInt8]
    public let phase1Hash: [UInt8]
    public var key: Groth16.ProvingKey
    public var contributions: [Phase2Contribution]

    public init(circuitHash: [UInt8], phase1Hash: [UInt8], key: Groth16.ProvingKey, contributions: [Phase2Contribution]) {
        self.circuitHash = circuitHash; self.phase1Hash = phase1Hash; self.key = key; self.contributions = contributions
    }

    /// The start of phase 2 for `r1cs` on `phase1` (the key with δ = 1).
    public init(phase1: PowersOfTau, r1cs: R1CS, threads: Int? = nil) throws(CeremonyFailure) {
        self.init(circuitHash: Phase2Setup.circuitHash(r1cs), phase1Hash: phase1.hash,
                  key: try Phase2Setup.initialKey(phase1: phase1, r1cs: r1cs, threads: threads), contributions: [])
    }

    /// d₀ = SHA-256(tag ‖ circuit digest ‖ phase-1 digest), dᵢ = SHA-256(dᵢ₋₁ ‖ record i).
    public var digests: [[UInt8]] {
        CeremonyEncoding.digestChain(from: SHA256.hash(Array("zk-ceremony phase2 v1".utf8) + circuitHash + phase1Hash),
                                     records: contributions.map(CeremonyEncoding.bytes(of:)))
    }

    /// Adds a contribution with a fresh secret from `generator`; returns the record.
    @discardableResult
    public mutating func contribute<G: RandomNumberGenerator>(
        name: String, using generator: inout G, threads: Int? = nil
    ) -> Phase2Contribution {
        var d = Fr.random(using: &generator)
        while d.isZero { d = Fr.random(using: &generator) }
        return contribute(name: name, secret: d, using: &generator, threads: threads)
    }

    /// Adds a beacon contribution: the secret and the proof's randomness from the beacon.
    @discardableResult
    public mutating func contribute(name: String, beacon: CeremonyBeacon, threads: Int? = nil) -> Phase2Contribution {
        var generator = beacon.generator()
        let d = Phase2Contribution.beaconSecret(&generator)
        return contribute(name: name, secret: d, using: &generator, threads: threads, beacon: beacon)
    }

    /// Adds a contribution with a given nonzero secret d: δ·G1, δ·G2 times d; every c and h point
    /// times d⁻¹.
    @discardableResult
    public mutating func contribute<G: RandomNumberGenerator>(
        name: String, secret d: Fr, using generator: inout G, threads: Int? = nil, beacon: CeremonyBeacon? = nil
    ) -> Phase2Contribution {
        let threads = threads ?? MultiScalarMultiplication.defaultThreadCount
        let digest = digests.last!
        let inverse = d.inverse()!
        let k = key, vk = key.verifyingKey
        let delta1 = (k.delta1.jacobian * d).affine, delta2 = (k.delta2.jacobian * d).affine
        let newVK = Groth16.VerifyingKey(alpha: vk.alpha, beta: vk.beta, gamma: vk.gamma, delta: delta2, ic: vk.ic)!
        key = Groth16.ProvingKey(
            verifyingKey: newVK, alpha1: k.alpha1, beta1: k.beta1, beta2: k.beta2, delta1: delta1, delta2: delta2,
            domainSize: k.domainSize, wireCount: k.wireCount, a: k.a, b1: k.b1, b2: k.b2,
            c: G1Affine.scaled(k.c, by: inverse, threads: threads), h: G1Affine.scaled(k.h, by: inverse, threads: threads),
            matricesA: k.matricesA, matricesB: k.matricesB)!
        let record = Phase2Contribution(
            name: CeremonyEncoding.boundedName(name), deltaG1: delta1, deltaG2: delta2,
            proof: KnowledgeProof(secret: d, challenge: Phase2Contribution.challenge(digest), using: &generator),
            keyHash: Phase2File.keyHash(key), beacon: beacon)
        contributions.append(record)
        return record
    }
}
