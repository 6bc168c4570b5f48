@testable import Settlement
import ZK

/// Known-answer values of the shielded keys and note encryption, computed from the specification
/// by an implementation nobody here wrote: `Tests/interop/test_shielded_notes.py vectors`
/// (pycryptodome's X25519, HKDF and ChaCha20-Poly1305, hashlib's SHA-256, light-poseidon), with
/// the ephemeral key fixed to the bytes 1…32.
enum ShieldedVectors {
    static let sk = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    static let pk = "1ca8f2a6edf4ae44a65aaca1e548c572df9a210dbad9a66c14b546cdab472c87"
    static let ivk = "f283885d61b54f93305461f38d9cedb72ad4715093ab1da5be7715f6096e0650"
    static let tk = "1412d79baab3ad8b94d86685d1b01b91fcbf1d149d6da9eeada5e05411bc4f36"
    static let address = "zs1ca8f2a6edf4ae44a65aaca1e548c572df9a210dbad9a66c14b546cdab472c871412d79baab3ad8b94d86685d1b01b91fcbf1d149d6da9eeada5e05411bc4f363c850049"
    static let esk = [UInt8](1...32)
    static let rho = "0000000000002a00000000000000000000000000000000000000000000000007"
    static let memo = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    static let value: UInt64 = 987_654_321
    static let cm = "28872abc20528310f20ab9022707d26459c1f31316fec38bcc479916e31dad22"
    static let ciphertext = "07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7cf48fff5d05ab29efe9230568"
        + "4fb166830764de64f1eb2fa58ebbe5dab5c21b8ca57cd900ffc48b7019345bf721d7c5d01204ba0206a54ce1f485c082f07aff"
        + "5631af68b6ee6385a1e36e78a23225364f2cdf1e41876e152c2e"

    static func fr(_ hex: String) -> Fr { Fr(bigEndian: Hex.decode(hex)!)! }
    static func bytes(_ hex: String) -> [UInt8] { Hex.decode(hex)! }
}
