import ZK

/// What checking a lane aggregate needs (`LaneAggregate.verify`): the spend circuit's verifying
/// key and the aggregation verifier key for each N = 2, 4, … up to `maxLaneTransactions`'s N.
/// Part of the arbiter's rules (`L1ArbiterConfig.shieldedLane`): equal keys have equal
/// `fingerprint`s, which equality and hashing go by.
public struct LaneVerifierKeys: Sendable, Hashable {
    /// The spend circuit's verifying key (the engine's `ShieldedSettings.verifyingKey`).
    public let spendKey: Groth16.VerifyingKey
    /// Most lane transactions one commitment may hold: the SRS's largest N, capped at
    /// `LaneAggregate.maxProofCount`.
    public let maxLaneTransactions: Int
    /// keccak256 over the spend key, `maxLaneTransactions` and the SRS's verifier points.
    public let fingerprint: Digest32
    let prepared: Groth16.PreparedVerifyingKey
    let verifierKeys: [Int: AggregationVerifierKey]

    /// The keys of `srs` for `spendKey`; nil when the key is not the spend circuit's shape
    /// (`SpendStatement.publicInputCount` inputs). The SRS itself is taken as given: whoever
    /// knows its secrets forges aggregates, so it must come from two independent ceremonies
    /// (`AggregationSRS(ceremonyA:ceremonyB:)`).
    public init?(srs: AggregationSRS, spendKey: Groth16.VerifyingKey) {
        guard let keys = LaneProverKeys(srs: srs, spendKey: spendKey) else { return nil }
        self = keys.verifier
    }

    init(spendKey: Groth16.VerifyingKey, maxLaneTransactions: Int, verifierKeys: [Int: AggregationVerifierKey]) {
        self.spendKey = spendKey
        self.maxLaneTransactions = maxLaneTransactions
        self.verifierKeys = verifierKeys
        prepared = Groth16.PreparedVerifyingKey(spendKey)
        var bytes = Array("settlement/lane-aggregation/v1".utf8) + spendKey.eip197Bytes
        withUnsafeBytes(of: UInt64(maxLaneTransactions).bigEndian) { bytes += $0 }
        if let k = verifierKeys[2] {
            bytes += k.g.eip196Bytes + k.h.eip197Bytes + k.gA.eip196Bytes + k.gB.eip196Bytes + k.hA.eip197Bytes + k.hB.eip197Bytes
        }
        fingerprint = Keccak256.hash(bytes)
    }

    public static func == (l: LaneVerifierKeys, r: LaneVerifierKeys) -> Bool { l.fingerprint == r.fingerprint }
    public func hash(into hasher: inout Hasher) { hasher.combine(fingerprint) }
}

/// What the proposer needs to aggregate a commitment's lane (`LaneAggregate.aggregate`): the
/// aggregation prover key for each N, and the verifier side.
public struct LaneProverKeys: Sendable {
    public let verifier: LaneVerifierKeys
    let proverKeys: [Int: AggregationProverKey]

    /// The keys of `srs` for `spendKey` (see `LaneVerifierKeys.init(srs:spendKey:)`); nil when the
    /// key is not the spend circuit's shape.
    public init?(srs: AggregationSRS, spendKey: Groth16.VerifyingKey) {
        guard spendKey.publicInputCount == SpendStatement.publicInputCount else { return nil }
        let maxN = min(srs.maxProofCount, LaneAggregate.maxProofCount)
        guard maxN >= 2 else { return nil }
        var provers: [Int: AggregationProverKey] = [:], verifiers: [Int: AggregationVerifierKey] = [:]
        var n = 2
        while n <= maxN {
            guard let (prover, verifier) = srs.specialize(proofCount: n) else { return nil }
            provers[n] = prover
            verifiers[n] = verifier
            n *= 2
        }
        proverKeys = provers
        verifier = LaneVerifierKeys(spendKey: spendKey, maxLaneTransactions: maxN, verifierKeys: verifiers)
    }
}
