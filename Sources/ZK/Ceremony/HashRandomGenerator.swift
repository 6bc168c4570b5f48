/// A deterministic generator of random bits from a seed: SHA-256(seed ‖ counter) blocks, four
/// 64-bit outputs per block (the hash-DRBG pattern). The CLI seeds it with the system generator's
/// 32 bytes and the digest of the contributor's extra entropy, so the secrets are unpredictable if
/// either source is; tests seed it to replay a contribution.
public struct HashRandomGenerator: RandomNumberGenerator {
    private let seed: [UInt8]
    private var counter: UInt64 = 0
    private var block: [UInt64] = []

    public init(seed: [UInt8]) { self.seed = SHA256.hash(Array("zk-ceremony rng".utf8) + seed) }

    /// Seeded with 32 bytes of the system's cryptographic generator and the digest of `extra`.
    public static func system(mixing extra: [UInt8]) -> HashRandomGenerator {
        var system = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        for _ in 0..<4 {
            let v = system.next()
            bytes += (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
        }
        return HashRandomGenerator(seed: bytes + SHA256.hash(extra))
    }

    public mutating func next() -> UInt64 {
        if block.isEmpty {
            var input = seed
            input.appendU64(counter)
            counter += 1
            let d = SHA256.hash(input)
            block = (0..<4).map { i in (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(d[8 * i + $1]) } }
        }
        return block.removeLast()
    }
}
