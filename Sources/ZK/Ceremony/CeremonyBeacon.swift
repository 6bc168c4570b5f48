/// A public random beacon as a contribution (typically the last one): a value nobody could
/// predict when the transcript before it was fixed (e.g. a future block hash), stretched by
/// 2^iterationsExponent rounds of SHA-256 (a delay, so that nobody can try many beacon-dependent
/// choices in time). The secrets and the proofs' randomness come from the stretched value, so
/// anyone recomputes them and checks the contribution exactly. A beacon contributes no secrecy by
/// itself (its secrets are public); it makes the final parameters depend on a value that arrives
/// after every other contributor has committed.
public struct CeremonyBeacon: Sendable, Equatable {
    public let value: [UInt8]
    public let iterationsExponent: Int

    /// At most 256 bytes of beacon value and 2^28 hash rounds.
    public static let maxValueBytes = 256
    public static let maxIterationsExponent = 28

    public init?(value: [UInt8], iterationsExponent: Int) {
        guard !value.isEmpty, value.count <= Self.maxValueBytes,
              (0...Self.maxIterationsExponent).contains(iterationsExponent) else { return nil }
        self.value = value; self.iterationsExponent = iterationsExponent
    }

    /// The generator all of the contribution's randomness is drawn from.
    public func generator() -> HashRandomGenerator {
        var digest = SHA256.hash(Array("zk-ceremony beacon".utf8) + value)
        for _ in 0..<(1 << iterationsExponent) { digest = SHA256.hash(digest) }
        return HashRandomGenerator(seed: digest)
    }

    /// Encoding: u32 value length (0 for no beacon), the value, u8 exponent.
    static func append(_ beacon: CeremonyBeacon?, to out: inout [UInt8]) {
        guard let beacon else { out.appendU32(0); return }
        out.appendU32(UInt32(beacon.value.count))
        out += beacon.value
        out.append(UInt8(beacon.iterationsExponent))
    }
}

extension BinaryReader {
    mutating func beacon(_ what: String) throws(BinaryFileError) -> CeremonyBeacon? {
        let length = try u32("\(what) beacon length")
        if length == 0 { return nil }
        guard length <= CeremonyBeacon.maxValueBytes else { throw .invalidCount("\(what) beacon of \(length) bytes") }
        let value = Array(try take(Int(length), "\(what) beacon"))
        let exponent = Int(try take(1, "\(what) beacon exponent").first!)
        guard let b = CeremonyBeacon(value: value, iterationsExponent: exponent) else {
            throw .invalidValue("\(what) beacon exponent \(exponent)")
        }
        return b
    }
}
