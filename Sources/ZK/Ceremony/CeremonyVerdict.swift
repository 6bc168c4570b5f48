/// Why a ceremony transcript (or one of its contributions) was refused.
public enum CeremonyFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// A knowledge proof does not verify against its challenge (for the named secret).
    case invalidKnowledgeProof(secret: String)
    /// The named point's change is not multiplication by the proven secret.
    case updateNotProven(secret: String)
    /// A G2 point disagrees with its G1 counterpart (e.g. β·G2 vs β·G1, τ·G2 vs τ·G1, δ).
    case inconsistentPoints(String)
    /// The final parameters' vector is not a sequence of consecutive powers (or not of the
    /// recorded α, β): the random-linear-combination check failed.
    case inconsistentPowers(String)
    /// The parameters or key do not start from the generators where they must.
    case notAtGenerator(String)
    /// The final parameters or key differ from what the last contribution recorded.
    case finalStateMismatch(String)
    /// A recorded digest differs from the digest of the data.
    case hashMismatch(String)
    /// A phase-2 key field that no contribution may change differs from the key recomputed from
    /// phase 1 and the circuit.
    case keyFieldChanged(String)
    /// The phase-2 transcript names another circuit or other phase-1 parameters.
    case wrongCircuit
    case wrongPhase1
    /// The circuit needs a domain larger than the phase-1 parameters support.
    case circuitTooLarge(domain: Int, supported: Int)
    /// No contribution at all: the secrets are 1 and everyone knows them.
    case noContributions
    /// Every contribution is a public beacon: anyone can recompute the secrets.
    case onlyBeaconContributions
    /// A beacon contribution's points are not the previous ones times the beacon's secrets.
    case beaconMismatch
    /// A beacon contribution that is not the last one. Each beacon costs a verifier up to 2^28
    /// hash rounds, so a transcript may carry one, at the end (where it belongs: after everyone).
    case beaconNotLast
    /// The contribution left the named secret's points unchanged (a secret of 1): it claims a
    /// participation that added nothing. Only this trivial case is caught: a secret of r − 1 or 2,
    /// or two colluding contributions s and 1/s, pass and add no secrecy either; the ceremony's
    /// guarantee rests, as always, on one honest contributor.
    case secretIsOne(secret: String)

    public var description: String {
        switch self {
        case .invalidKnowledgeProof(let s): "the proof of knowledge of \(s) does not verify"
        case .updateNotProven(let s): "the change of \(s) is not multiplication by the proven secret"
        case .inconsistentPoints(let what): "inconsistent points: \(what)"
        case .inconsistentPowers(let what): "\(what) is not a consistent sequence of powers"
        case .notAtGenerator(let what): "\(what) is not the generator"
        case .finalStateMismatch(let what): "the final \(what) differs from the last contribution's"
        case .hashMismatch(let what): "the digest of \(what) differs from the recorded one"
        case .keyFieldChanged(let field): "key field '\(field)' differs from the key computed from phase 1 and the circuit"
        case .wrongCircuit: "the transcript is for another circuit"
        case .wrongPhase1: "the transcript is built on other phase-1 parameters"
        case .circuitTooLarge(let d, let s): "the circuit needs a domain of \(d), the parameters support \(s)"
        case .noContributions: "no contributions: the secrets are 1, known to everyone"
        case .onlyBeaconContributions: "only beacon contributions: their secrets are public, anyone can recompute them"
        case .beaconMismatch: "the points are not those the beacon determines"
        case .beaconNotLast: "a beacon contribution must be the last one (each costs a verifier up to 2^28 hash rounds)"
        case .secretIsOne(let s): "the contribution left \(s) unchanged (a secret of 1 adds nothing)"
        }
    }
}

/// The outcome of verifying a transcript: one verdict per contribution, in order, and the checks
/// of the final parameters or key.
public struct CeremonyReport: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let index: Int
        public let name: String
        /// The contribution's hash: the transcript digest after it.
        public let hash: [UInt8]
        /// Nil when every check of this contribution passed.
        public let failure: CeremonyFailure?
        /// Whether the contribution is a public beacon (its secrets are recomputable, it adds no
        /// secrecy).
        public var isBeacon = false
    }

    public var contributions: [Entry]
    /// The failures of the whole-transcript checks (final state, powers, key fields), in order.
    public var finalFailures: [CeremonyFailure]

    /// One entry per record of either phase: `check(i, record, digest before it)`, except that a
    /// beacon anywhere but last is refused before its hash rounds are spent.
    static func entries<Record>(
        _ records: [Record], digests: [[UInt8]], name: (Record) -> String, beacon: (Record) -> CeremonyBeacon?,
        check: (Int, Record, [UInt8]) -> CeremonyFailure?
    ) -> [Entry] {
        records.enumerated().map { i, record in
            let isBeacon = beacon(record) != nil
            let failure = isBeacon && i != records.count - 1 ? .beaconNotLast : check(i, record, digests[i])
            return Entry(index: i, name: name(record), hash: digests[i + 1], failure: failure, isBeacon: isBeacon)
        }
    }

    /// Whether every contribution and every final check passed.
    public var isValid: Bool { contributions.allSatisfy { $0.failure == nil } && finalFailures.isEmpty }

    /// Every failure, contributions first.
    public var failures: [CeremonyFailure] { contributions.compactMap(\.failure) + finalFailures }
}
