/// Why a `.r1cs` or `.wtns` file was refused.
public enum BinaryFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongMagic(expected: String)
    case unsupportedVersion(UInt32)
    /// The file ends before what it announces (a section, a count's worth of entries).
    case truncated(String)
    /// A count or length that cannot fit in the file, or an inconsistent one.
    case invalidCount(String)
    case wrongFieldSize(UInt32)
    /// The prime is not BN254's scalar field r.
    case wrongPrime
    case missingSection(UInt32)
    case duplicateSection(UInt32)
    /// A coefficient or value ≥ r, or a wire id out of range.
    case invalidValue(String)

    public var description: String {
        switch self {
        case .wrongMagic(let m): "not a \(m) file (wrong magic)"
        case .unsupportedVersion(let v): "unsupported version \(v)"
        case .truncated(let what): "truncated file: \(what)"
        case .invalidCount(let what): "invalid count: \(what)"
        case .wrongFieldSize(let n): "field size \(n) is not 32"
        case .wrongPrime: "the prime is not BN254's scalar field"
        case .missingSection(let t): "missing section \(t)"
        case .duplicateSection(let t): "duplicate section \(t)"
        case .invalidValue(let what): "invalid value: \(what)"
        }
    }
}
