/// One phase-1 contribution as the transcript records it: who (a free-form name), the parameters'
/// key points after it, a knowledge proof for each of τ′, α′, β′, and the digest of the full
/// parameters after it (the contributor's receipt: they can compare it with what they computed).
public struct Phase1Contribution: Sendable, Equatable {
    public let name: String
    public let points: Phase1Points
    public let tauProof: KnowledgeProof
    public let alphaProof: KnowledgeProof
    public let betaProof: KnowledgeProof
    /// SHA-256 of the parameters' encoding after this contribution.
    public let parametersHash: [UInt8]
    /// Set when the contribution's secrets come from a public beacon (checked exactly).
    public let beacon: CeremonyBeacon?

    /// Names are at most this many UTF-8 bytes.
    public static let maxNameBytes = 256

    public init(name: String, points: Phase1Points, tauProof: KnowledgeProof, alphaProof: KnowledgeProof,
                betaProof: KnowledgeProof, parametersHash: [UInt8], beacon: CeremonyBeacon? = nil) {
        self.name = name; self.points = points; self.beacon = beacon
        self.tauProof = tauProof; self.alphaProof = alphaProof; self.betaProof = betaProof
        self.parametersHash = parametersHash
    }

    /// The challenge a knowledge proof of one secret answers: the transcript digest before the
    /// contribution and the secret's label, so each proof has its own hashed base.
    static func challenge(_ digest: [UInt8], _ label: String) -> [UInt8] {
        SHA256.hash(Array("zk-ceremony phase1 pok ".utf8) + Array(label.utf8) + digest)
    }
}

/// A phase-1 ceremony: the current parameters and the list of contributions that led to them.
public struct Phase1Transcript: Sendable, Equatable {
    public var parameters: PowersOfTau
    public var contributions: [Phase1Contribution]

    public init(parameters: PowersOfTau, contributions: [Phase1Contribution]) {
        self.parameters = parameters; self.contributions = contributions
    }

    /// A new ceremony for domains up to 2^power, at the generators.
    public init(power: Int) {
        self.init(parameters: PowersOfTau(power: power), contributions: [])
    }

    /// The digest the transcript starts from: the format tag and the power.
    public static func initialDigest(power: Int) -> [UInt8] {
        var tag = Array("zk-ceremony phase1 v1".utf8)
        tag.appendU32(UInt32(power))
        return SHA256.hash(tag)
    }

    /// The running transcript digest after each contribution: d₀ = `initialDigest`,
    /// dᵢ = SHA-256(dᵢ₋₁ ‖ record i). dᵢ is contribution i's hash, and dᵢ₋₁ its challenge.
    public var digests: [[UInt8]] {
        CeremonyEncoding.digestChain(from: Self.initialDigest(power: parameters.power),
                                     records: contributions.map(CeremonyEncoding.bytes(of:)))
    }

    /// Adds a contribution with fresh secrets from `generator` (the system's cryptographic
    /// generator in the CLI); the secrets leave scope when this returns. Returns the record.
    @discardableResult
    public mutating func contribute<G: RandomNumberGenerator>(
        name: String, using generator: inout G, threads: Int? = nil
    ) -> Phase1Contribution {
        let secrets = Phase1Secrets.random(using: &generator)
        return contribute(name: name, secrets: secrets, using: &generator, threads: threads)
    }

    /// Adds a beacon contribution: secrets and proofs drawn from the beacon's generator.
    @discardableResult
    public mutating func contribute(name: String, beacon: CeremonyBeacon, threads: Int? = nil) -> Phase1Contribution {
        var generator = beacon.generator()
        let secrets = Phase1Secrets.random(using: &generator)
        return contribute(name: name, secrets: secrets, using: &generator, threads: threads, beacon: beacon)
    }

    /// Adds a contribution with given secrets (tests inject them to recompute the result by scalars).
    @discardableResult
    public mutating func contribute<G: RandomNumberGenerator>(
        name: String, secrets: Phase1Secrets, using generator: inout G, threads: Int? = nil,
        beacon: CeremonyBeacon? = nil
    ) -> Phase1Contribution {
        let digest = digests.last!
        let next = parameters.multiplied(by: secrets, threads: threads ?? MultiScalarMultiplication.defaultThreadCount)
        let record = Phase1Contribution(
            name: CeremonyEncoding.boundedName(name),
            points: next.keyPoints,
            tauProof: KnowledgeProof(secret: secrets.tau, challenge: Phase1Contribution.challenge(digest, "tau"), using: &generator),
            alphaProof: KnowledgeProof(secret: secrets.alpha, challenge: Phase1Contribution.challenge(digest, "alpha"), using: &generator),
            betaProof: KnowledgeProof(secret: secrets.beta, challenge: Phase1Contribution.challenge(digest, "beta"), using: &generator),
            parametersHash: next.hash, beacon: beacon)
        parameters = next
        contributions.append(record)
        return record
    }
}
