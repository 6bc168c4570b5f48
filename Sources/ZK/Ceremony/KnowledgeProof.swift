/// A proof that the contributor knows a secret x, bound to the transcript so far (the scheme of
/// Bowe–Gabizon–Miers): g1S = s·G1 and g1SX = (s·x)·G1 for a fresh random s, and
/// g2SX = x·R where R = `HashToG2.point(SHA-256(challenge ‖ g1S ‖ g1SX))`. It verifies when
/// (g1S, g1SX) and (R, g2SX) have the same ratio. Since nobody knows the logarithm of R, producing
/// x·R takes knowing x (in the algebraic group model); the challenge, a digest of the transcript
/// before the contribution, stops a proof from being replayed in another place.
///
/// `g2SX` is also what ties the contribution's parameter update to x: the verifier checks that
/// (old point, new point) has the same ratio as (R, g2SX).
public struct KnowledgeProof: Sendable, Equatable {
    public let g1S: G1Affine
    public let g1SX: G1Affine
    public let g2SX: G2Affine

    public init(g1S: G1Affine, g1SX: G1Affine, g2SX: G2Affine) {
        self.g1S = g1S; self.g1SX = g1SX; self.g2SX = g2SX
    }

    /// The proof for `secret` under `challenge`, with s drawn from `generator`.
    public init<G: RandomNumberGenerator>(secret: Fr, challenge: [UInt8], using generator: inout G) {
        var s = Fr.random(using: &generator)
        while s.isZero { s = Fr.random(using: &generator) }
        let g1S = (G1Point.generator * s).affine
        let g1SX = (G1Point.generator * (s * secret)).affine
        let base = Self.base(challenge: challenge, g1S: g1S, g1SX: g1SX)
        self.init(g1S: g1S, g1SX: g1SX, g2SX: (base.jacobian * secret).affine)
    }

    /// R, the G2 point of unknown logarithm for this challenge and these G1 points.
    public static func base(challenge: [UInt8], g1S: G1Affine, g1SX: G1Affine) -> G2Affine {
        HashToG2.point(from: SHA256.hash(challenge + g1S.eip196Bytes + g1SX.eip196Bytes))
    }

    /// R for this proof.
    public func base(challenge: [UInt8]) -> G2Affine {
        Self.base(challenge: challenge, g1S: g1S, g1SX: g1SX)
    }

    /// Whether the proof is valid for `challenge`.
    public func verify(challenge: [UInt8]) -> Bool {
        SameRatio.holds(g1S, g1SX, base(challenge: challenge), g2SX)
    }

    /// Whether `old → new` is multiplication by the proven secret: (old, new) ~ (R, g2SX).
    public func provesUpdate(from old: G1Affine, to new: G1Affine, challenge: [UInt8]) -> Bool {
        SameRatio.holds(old, new, base(challenge: challenge), g2SX)
    }

    /// g1S ‖ g1SX ‖ g2SX: 256 bytes.
    public var bytes: [UInt8] { g1S.eip196Bytes + g1SX.eip196Bytes + g2SX.eip197Bytes }
    public static let byteCount = 256
}
