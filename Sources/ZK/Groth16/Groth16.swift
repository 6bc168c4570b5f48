/// Groth16 over BN254: the verifying key, the proof, and the verifier's pairing equation
///
///     e(−A, B) · e(α, β) · e(vk_x, γ) · e(C, δ) = 1,   vk_x = IC₀ + Σ xᵢ·ICᵢ,
///
/// evaluated as one multi-Miller loop and one final exponentiation. Points that come from outside
/// enter only through the checked decoders (EIP-196/197 bytes or `Groth16JSON`), so every G1 point
/// here is on the curve and every G2 point in the order-r subgroup.
public enum Groth16 {
    /// A verifying key: α ∈ G1; β, γ, δ ∈ G2; IC₀…ICₙ ∈ G1 for n public inputs.
    public struct VerifyingKey: Sendable, Equatable {
        public let alpha: G1Affine
        public let beta: G2Affine
        public let gamma: G2Affine
        public let delta: G2Affine
        /// One point per public input plus the constant term IC₀ (never empty).
        public let ic: [G1Affine]

        /// A key from already-checked points; nil when `ic` is empty.
        public init?(alpha: G1Affine, beta: G2Affine, gamma: G2Affine, delta: G2Affine, ic: [G1Affine]) {
            guard !ic.isEmpty else { return nil }
            self.alpha = alpha; self.beta = beta; self.gamma = gamma; self.delta = delta; self.ic = ic
        }

        /// The number of public inputs the key expects (IC.count − 1).
        public var publicInputCount: Int { ic.count - 1 }

        /// α‖β‖γ‖δ‖IC₀‖…‖ICₙ in the EIP-196/197 encodings (G2 imaginary part first), the layout an
        /// L1 verifier contract takes its key constants in.
        public var eip197Bytes: [UInt8] {
            alpha.eip196Bytes + beta.eip197Bytes + gamma.eip197Bytes + delta.eip197Bytes
                + ic.flatMap(\.eip196Bytes)
        }
    }

    /// A proof: A ∈ G1, B ∈ G2, C ∈ G1.
    public struct Proof: Sendable, Equatable {
        public let a: G1Affine
        public let b: G2Affine
        public let c: G1Affine

        public init(a: G1Affine, b: G2Affine, c: G1Affine) { self.a = a; self.b = b; self.c = c }

        /// Decodes the 256-byte calldata layout A‖B‖C (EIP-196 G1, EIP-197 G2), with the range,
        /// on-curve and subgroup checks.
        public init(calldata bytes: some Collection<UInt8>) throws(PointDecodingError) {
            let b = Array(bytes)
            guard b.count == 256 else { throw .invalidLength }
            self.a = try G1Affine(eip196: b[0..<64])
            self.b = try G2Affine(eip197: b[64..<192])
            self.c = try G1Affine(eip196: b[192..<256])
        }

        /// A‖B‖C as 256 bytes: the layout of an L1 verifier's `verifyProof(bytes)` input.
        public var calldata: [UInt8] { a.eip196Bytes + b.eip197Bytes + c.eip196Bytes }
    }

    /// A verifying key with its fixed G2 points' Miller lines computed once and e(α, β) folded
    /// into a constant, so a verification runs a Miller loop over three pairs only.
    public struct PreparedVerifyingKey: Sendable {
        public let key: VerifyingKey
        let gamma: G2Prepared
        let delta: G2Prepared
        /// e(α, β)⁻¹ = e(−α, β): the check becomes e(−A, B)·e(vk_x, γ)·e(C, δ) = e(α, β)⁻¹.
        let alphaBetaInverse: Fq12
        /// Fixed-base tables of IC₁… (about 0.6 MB and 5 ms each to build), so that vk_x costs
        /// 32 mixed additions per input instead of a 254-bit scalar multiplication; nil for keys
        /// with more than `maxTabledInputs` public inputs or prepared without tables, which use a
        /// multi-scalar multiplication.
        let icTables: [FixedBaseTable<BN254G1>]?

        /// Keys with at most this many public inputs get fixed-base tables (the spend circuit
        /// has 9; 16 tables are about 10 MB).
        public static let maxTabledInputs = 16

        /// `fixedBaseTables`: build the IC tables (for a key that checks many proofs; a one-shot
        /// verification skips them, they cost more than they save once).
        public init(_ key: VerifyingKey, fixedBaseTables: Bool = true) {
            self.key = key
            gamma = G2Prepared(key.gamma, normalized: true)
            delta = G2Prepared(key.delta, normalized: true)
            alphaBetaInverse = Pairing.pairing(key.alpha.negated, key.beta)
            icTables = fixedBaseTables && key.publicInputCount <= Self.maxTabledInputs
                ? key.ic.dropFirst().map { FixedBaseTable(base: $0) } : nil
        }

        /// vk_x = IC₀ + Σ xᵢ·ICᵢ; nil when the input count is not IC.count − 1.
        func publicInputCommitment(_ inputs: [Fr]) -> G1Affine? {
            guard inputs.count == key.publicInputCount else { return nil }
            guard let icTables else {
                return (key.ic[0].jacobian + G1Point.multiScalarMultiply(bases: Array(key.ic.dropFirst()), scalars: inputs)).affine
            }
            var acc = key.ic[0].jacobian
            for (x, table) in zip(inputs, icTables) where !x.isZero { acc = acc + table.multiply(x) }
            return acc.affine
        }
    }

    /// vk_x = IC₀ + Σ xᵢ·ICᵢ; nil when the input count is not IC.count − 1.
    public static func publicInputCommitment(_ key: VerifyingKey, _ inputs: [Fr]) -> G1Affine? {
        guard inputs.count == key.publicInputCount else { return nil }
        var acc = key.ic[0].jacobian
        for (x, point) in zip(inputs, key.ic.dropFirst()) where !x.isZero {
            acc = acc + point.jacobian * x
        }
        return acc.affine
    }

    /// Whether `proof` verifies for `publicInputs` (each an Fr, so below r by construction) under
    /// the prepared key. A wrong number of inputs is a rejection, not an error.
    public static func verify(_ pvk: PreparedVerifyingKey, _ proof: Proof, publicInputs: [Fr]) -> Bool {
        guard let vkX = pvk.publicInputCommitment(publicInputs) else { return false }
        let product = Pairing.multiPairing([
            (proof.a.negated, G2Prepared(proof.b)),
            (vkX, pvk.gamma),
            (proof.c, pvk.delta),
        ])
        return product == pvk.alphaBetaInverse
    }

    /// `verify` against an unprepared key (prepares it first: prefer a `PreparedVerifyingKey` when
    /// one key checks many proofs).
    public static func verify(_ key: VerifyingKey, _ proof: Proof, publicInputs: [Fr]) -> Bool {
        verify(PreparedVerifyingKey(key, fixedBaseTables: false), proof, publicInputs: publicInputs)
    }
}
