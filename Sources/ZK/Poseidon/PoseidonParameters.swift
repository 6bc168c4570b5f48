/// The parameters of Poseidon over Fr for one width t (t − 1 inputs) with the x⁵ S-box, 8 full
/// rounds and circomlib's numbers of partial rounds, generated here by the reference procedure:
/// a Grain LFSR seeded from (prime field, x^α S-box, 254 bits, t, 8, partial rounds) yields the
/// round constants by rejection sampling (254-bit draws below r), then 2t draws reduced mod r,
/// x₀..x_{t−1}, y₀..y_{t−1} (redrawn if any repeat), give the Cauchy MDS matrix M[i][j] = 1/(xᵢ + yⱼ).
public struct PoseidonParameters: Sendable {
    public let width: Int
    public let fullRounds: Int
    public let partialRounds: Int
    /// (fullRounds + partialRounds)·t constants, round by round.
    public let roundConstants: [Fr]
    /// t×t, row-major.
    public let mds: [[Fr]]

    /// Partial rounds for t = 2...17 (1 to 16 inputs), as circomlib.
    public static let partialRoundsByWidth = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68]

    /// Generates the parameters for width t in 2...17.
    public init(width t: Int) {
        precondition((2...17).contains(t), "Poseidon width must be 2...17")
        width = t
        fullRounds = 8
        partialRounds = PoseidonParameters.partialRoundsByWidth[t - 2]
        var grain = GrainLFSR(fieldType: 1, sbox: 0, fieldBits: 254, width: UInt64(t),
                              fullRounds: UInt64(fullRounds), partialRounds: UInt64(partialRounds))
        var constants: [Fr] = []
        let count = (fullRounds + partialRounds) * t
        constants.reserveCapacity(count)
        while constants.count < count {
            if let c = Fr(canonical: grain.nextInteger(bits: 254)) { constants.append(c) }
        }
        roundConstants = constants
        while true {
            let draws = (0..<2 * t).map { _ in Fr(reducing: grain.nextInteger(bits: 254)) }
            guard Set(draws).count == draws.count else { continue }
            let xs = draws[0..<t], ys = draws[t..<2 * t]
            var matrix: [[Fr]] = []
            var ok = true
            for x in xs {
                var row: [Fr] = []
                for y in ys {
                    guard let inv = (x + y).inverse() else { ok = false; break }
                    row.append(inv)
                }
                matrix.append(row)
            }
            if ok { mds = matrix; break }
        }
    }

    /// The cached parameters for width t (generated on first use, thread-safe).
    public static func forWidth(_ t: Int) -> PoseidonParameters {
        switch t {
        case 2: return Cache.t2
        case 3: return Cache.t3
        case 4: return Cache.t4
        case 5: return Cache.t5
        case 6: return Cache.t6
        case 7: return Cache.t7
        case 8: return Cache.t8
        case 9: return Cache.t9
        case 10: return Cache.t10
        case 11: return Cache.t11
        case 12: return Cache.t12
        case 13: return Cache.t13
        case 14: return Cache.t14
        case 15: return Cache.t15
        case 16: return Cache.t16
        case 17: return Cache.t17
        default: preconditionFailure("Poseidon width must be 2...17")
        }
    }

    /// One lazily initialised constant per width (Swift's static lets are initialised once, atomically).
    private enum Cache {
        static let t2 = PoseidonParameters(width: 2)
        static let t3 = PoseidonParameters(width: 3)
        static let t4 = PoseidonParameters(width: 4)
        static let t5 = PoseidonParameters(width: 5)
        static let t6 = PoseidonParameters(width: 6)
        static let t7 = PoseidonParameters(width: 7)
        static let t8 = PoseidonParameters(width: 8)
        static let t9 = PoseidonParameters(width: 9)
        static let t10 = PoseidonParameters(width: 10)
        static let t11 = PoseidonParameters(width: 11)
        static let t12 = PoseidonParameters(width: 12)
        static let t13 = PoseidonParameters(width: 13)
        static let t14 = PoseidonParameters(width: 14)
        static let t15 = PoseidonParameters(width: 15)
        static let t16 = PoseidonParameters(width: 16)
        static let t17 = PoseidonParameters(width: 17)
    }
}
