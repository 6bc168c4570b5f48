/// Phase-1 parameters ("powers of tau") for evaluation domains up to N = 2^power:
///
/// - `tauG1[i] = τⁱ·G1` for i < 2N (2N points: the h points of a circuit with domain N are the
///   Lagrange form over the 2N-th roots of unity, which needs τ^(2N−1));
/// - `tauG2[i] = τⁱ·G2`, `alphaTauG1[i] = α·τⁱ·G1`, `betaTauG1[i] = β·τⁱ·G1` for i < N;
/// - `betaG2 = β·G2`.
///
/// The ceremony starts from τ = α = β = 1 (the generators); every contribution multiplies in fresh
/// secrets, so τ, α and β are the products of all contributors' secrets.
public struct PowersOfTau: Sendable, Equatable {
    public let power: Int
    public let tauG1: [G1Affine]
    public let tauG2: [G2Affine]
    public let alphaTauG1: [G1Affine]
    public let betaTauG1: [G1Affine]
    public let betaG2: G2Affine

    /// The largest power a ceremony file may announce (2^23 G1 points of τ: a 1.5 GiB file).
    public static let maxPower = 22

    /// N = 2^power.
    public var size: Int { 1 << power }

    /// The starting parameters τ = α = β = 1, for 1 ≤ power ≤ `maxPower`.
    public init(power: Int) {
        precondition((1...Self.maxPower).contains(power), "power out of range")
        let n = 1 << power
        self.power = power
        tauG1 = Array(repeating: BN254G1.generator, count: 2 * n)
        tauG2 = Array(repeating: BN254G2.generator, count: n)
        alphaTauG1 = Array(repeating: BN254G1.generator, count: n)
        betaTauG1 = Array(repeating: BN254G1.generator, count: n)
        betaG2 = BN254G2.generator
    }

    /// Parameters from parts; nil when the sizes do not match `power` (the points must be checked).
    public init?(power: Int, tauG1: [G1Affine], tauG2: [G2Affine], alphaTauG1: [G1Affine],
                 betaTauG1: [G1Affine], betaG2: G2Affine) {
        guard (1...Self.maxPower).contains(power) else { return nil }
        let n = 1 << power
        guard tauG1.count == 2 * n, tauG2.count == n, alphaTauG1.count == n, betaTauG1.count == n else { return nil }
        self.power = power
        self.tauG1 = tauG1; self.tauG2 = tauG2
        self.alphaTauG1 = alphaTauG1; self.betaTauG1 = betaTauG1; self.betaG2 = betaG2
    }

    /// The parameters with τ, α, β multiplied by `secrets` (each point by its own scalar).
    public func multiplied(by secrets: Phase1Secrets, threads: Int) -> PowersOfTau {
        let x = secrets.tau
        return PowersOfTau(
            power: power,
            tauG1: G1Affine.scaledByPowers(tauG1, first: .one, ratio: x, threads: threads),
            tauG2: G2Affine.scaledByPowers(tauG2, first: .one, ratio: x, threads: threads),
            alphaTauG1: G1Affine.scaledByPowers(alphaTauG1, first: secrets.alpha, ratio: x, threads: threads),
            betaTauG1: G1Affine.scaledByPowers(betaTauG1, first: secrets.beta, ratio: x, threads: threads),
            betaG2: (betaG2.jacobian * secrets.beta).affine)!
    }

    /// The points a contribution record repeats: τ·G1, τ·G2, α·G1, β·G1, β·G2.
    public var keyPoints: Phase1Points {
        Phase1Points(tauG1: tauG1[1], tauG2: tauG2[1], alphaG1: alphaTauG1[0], betaG1: betaTauG1[0], betaG2: betaG2)
    }

    /// The digest of the parameters' encoding (what a contributor signs off on).
    public var hash: [UInt8] { SHA256.hash(bytes) }
}

/// A phase-1 contribution's secrets τ′, α′, β′ (nonzero). Held only while the contribution is
/// computed; nothing stores them. (Swift gives no guarantee that memory is wiped; the process
/// should end after contributing.)
public struct Phase1Secrets: Sendable {
    public let tau: Fr
    public let alpha: Fr
    public let beta: Fr

    public init(tau: Fr, alpha: Fr, beta: Fr) {
        precondition(!tau.isZero && !alpha.isZero && !beta.isZero, "a zero secret")
        self.tau = tau; self.alpha = alpha; self.beta = beta
    }

    /// Fresh nonzero secrets from `generator`.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> Phase1Secrets {
        func draw() -> Fr {
            while true {
                let v = Fr.random(using: &generator)
                if !v.isZero { return v }
            }
        }
        return Phase1Secrets(tau: draw(), alpha: draw(), beta: draw())
    }
}

/// The first points of phase-1 parameters, recorded with each contribution so that every
/// contribution can be checked against its predecessor without the intermediate parameters.
public struct Phase1Points: Sendable, Equatable {
    public let tauG1: G1Affine
    public let tauG2: G2Affine
    public let alphaG1: G1Affine
    public let betaG1: G1Affine
    public let betaG2: G2Affine

    /// The points of τ = α = β = 1.
    public static let generators = Phase1Points(
        tauG1: BN254G1.generator, tauG2: BN254G2.generator, alphaG1: BN254G1.generator,
        betaG1: BN254G1.generator, betaG2: BN254G2.generator)

    public static let byteCount = 64 + 128 + 64 + 64 + 128
}
