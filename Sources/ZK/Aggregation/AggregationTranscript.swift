/// The Fiat–Shamir transcript of the aggregation: a SHA-256 chain. Every message is absorbed with
/// its label and length into a 32-byte state, and a challenge is the hash of the state, a label and
/// a counter, read as a 253-bit integer (below r, so no reduction bias) and redrawn when zero.
/// Prover and verifier run the same sequence, so each challenge binds everything absorbed before it.
struct AggregationTranscript {
    private(set) var state: [UInt8]

    init(domain: String) { state = SHA256.hash(Array(domain.utf8)) }

    private static func lengthBytes(_ n: Int) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: UInt64(n) >> UInt64(56 - 8 * $0)) }
    }

    mutating func append(_ label: String, _ bytes: [UInt8]) {
        var hasher = SHA256()
        hasher.update(state)
        hasher.update(Self.lengthBytes(label.utf8.count))
        hasher.update(label.utf8)
        hasher.update(Self.lengthBytes(bytes.count))
        hasher.update(bytes)
        state = hasher.finalize()
    }

    mutating func append(_ label: String, _ value: Fq12) { append(label, value.bigEndianBytes) }
    mutating func append(_ label: String, _ point: G1Affine) { append(label, point.eip196Bytes) }
    mutating func append(_ label: String, _ point: G2Affine) { append(label, point.eip197Bytes) }

    /// A nonzero challenge in Fr.
    mutating func challenge(_ label: String) -> Fr {
        var counter: UInt8 = 0
        while true {
            var hasher = SHA256()
            hasher.update(state)
            hasher.update(Array(label.utf8))
            hasher.update([counter])
            let digest = hasher.finalize()
            var value = UInt256(bigEndian: digest)!
            value.l3 &= UInt64.max >> 3
            state = digest
            if let x = Fr(canonical: value), !x.isZero { return x }
            counter &+= 1
        }
    }
}
