import CSecp256k1

/// Why a signature, key or signer check failed. The descriptions are meant for clients (they end
/// up in `REJECTED` receipts), so they say what was wrong without leaking secrets.
public enum SignatureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A signature must be 65 bytes: r (32) ‖ s (32) ‖ v (1).
    case invalidSignatureLength(Int)
    /// v must be 27 or 28 (Ethereum's encoding; the raw recovery ids 0/1 are refused: one
    /// encoding per signature, so a transfer's bytes in the batch data cannot be varied).
    case invalidRecoveryID(UInt8)
    /// r must be in [1, n-1].
    case rOutOfRange
    /// s must be in [1, n-1].
    case sOutOfRange
    /// s above n/2: the malleable twin of a valid signature (EIP-2 forbids it).
    case highS
    /// No public key recovers from this signature and digest (r is not the x of a curve point).
    case unrecoverable
    /// A private key must be 32 bytes encoding a scalar in [1, n-1].
    case invalidPrivateKey
    /// The signature is valid but was made by another key than the claimed sender.
    case signerMismatch(expected: Address, recovered: Address)
    /// libsecp256k1 refused an operation that the checks above should have made impossible.
    case libraryFailure(String)

    public var description: String {
        switch self {
        case .invalidSignatureLength(let n): "signature must be 65 bytes (r ‖ s ‖ v), got \(n)"
        case .invalidRecoveryID(let v): "signature v must be 27 or 28, got \(v)"
        case .rOutOfRange: "signature r must be in [1, n-1]"
        case .sOutOfRange: "signature s must be in [1, n-1]"
        case .highS: "signature s is above n/2 (malleable high-s form); use the low-s form (EIP-2)"
        case .unrecoverable: "no public key can be recovered from this signature and digest"
        case .invalidPrivateKey: "private key must be 32 bytes encoding a scalar in [1, n-1]"
        case .signerMismatch(let e, let r): "signature was made by \(r), not by the sender \(e)"
        case .libraryFailure(let what): "libsecp256k1 failure: \(what)"
        }
    }
}

/// Safe wrapper over libsecp256k1 (ECDSA on secp256k1 with public-key recovery), the way
/// Ethereum uses it: 65-byte `r ‖ s ‖ v` signatures over 32-byte digests, low-s only, addresses
/// = last 20 bytes of keccak256(uncompressed public key without its 0x04 prefix).
///
/// One context is created on first use, randomized (blinding for signing) and shared by all
/// threads: libsecp256k1 is thread-safe for every call that takes a `const` context, which is all
/// of them after creation and randomization.
public enum Secp256k1 {
    /// The curve order n, big-endian limbs.
    static let order = UInt256(l0: 0xBFD2_5E8C_D036_4141, l1: 0xBAAE_DCE6_AF48_A03B,
                               l2: 0xFFFF_FFFF_FFFF_FFFE, l3: 0xFFFF_FFFF_FFFF_FFFF)
    /// floor(n / 2): the largest s allowed (EIP-2 low-s rule).
    static let halfOrder = UInt256(l0: 0x5D57_6E73_57A4_501D, l1: 0xDFE9_2F46_681B_20A0,
                                   l2: 0xFFFF_FFFF_FFFF_FFFF, l3: 0x7FFF_FFFF_FFFF_FFFF)

    /// The shared context (created lazily and thread-safely, as every global `let`).
    package static let context: SharedContext = SharedContext()

    package final class SharedContext: @unchecked Sendable {
        // @unchecked: the pointer is written once here and afterwards only passed to libsecp256k1
        // functions taking a const context, which the library documents as thread-safe.
        package let raw: OpaquePointer

        init() {
            guard let ctx = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else {
                fatalError("secp256k1_context_create failed")
            }
            var seed = Secp256k1.randomBytes32()
            let ok = withUnsafeBytes(of: &seed) { secp256k1_context_randomize(ctx, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
            precondition(ok == 1, "secp256k1_context_randomize failed")
            raw = ctx
        }
    }

    /// 32 bytes from the system CSPRNG (getrandom / arc4random through Swift's generator).
    static func randomBytes32() -> (UInt64, UInt64, UInt64, UInt64) {
        var g = SystemRandomNumberGenerator()
        return (g.next(), g.next(), g.next(), g.next())
    }

    // MARK: Recovery

    /// A signature that passed the Ethereum range rules and was parsed by libsecp256k1.
    struct ParsedSignature {
        var sig = secp256k1_ecdsa_recoverable_signature()
    }

    /// Checks and parses a 65-byte `r ‖ s ‖ v` signature.
    ///
    /// v: 27/28 only, as Ethereum writes it. The raw recovery ids 0/1 are refused so that each
    /// signature has one encoding (otherwise the same transfer, same id, could be posted in two
    /// byte forms and the engine, the validators and the one-step verifier would see different
    /// data for one transaction). Ids 2/3 (r ≥ p - n, astronomically rare) are not representable
    /// in v and are rejected, as Ethereum does.
    /// s: libsecp256k1 recovery accepts both s and n - s, which would give every transaction two
    /// valid signatures (and two ids); we accept only s ≤ n/2, as Ethereum has since EIP-2.
    @inline(__always)
    static func parse(_ signature: UnsafeRawBufferPointer) throws(SignatureError) -> ParsedSignature {
        guard signature.count == 65 else { throw .invalidSignatureLength(signature.count) }
        let p = signature.baseAddress!
        let v = p.load(fromByteOffset: 64, as: UInt8.self)
        let recid: Int32
        switch v {
        case 27, 28: recid = Int32(v - 27)
        default: throw .invalidRecoveryID(v)
        }
        let r = UInt256(bigEndian: p)
        let s = UInt256(bigEndian: p + 32)
        guard !r.isZero, r < order else { throw .rOutOfRange }
        guard !s.isZero, s < order else { throw .sOutOfRange }
        guard s <= halfOrder else { throw .highS }
        var parsed = ParsedSignature()
        let ok = secp256k1_ecdsa_recoverable_signature_parse_compact(
            context.raw, &parsed.sig, p.assumingMemoryBound(to: UInt8.self), recid)
        guard ok == 1 else { throw .libraryFailure("recoverable_signature_parse_compact") }
        return parsed
    }

    /// Recovers the public key and writes it uncompressed (65 bytes, 0x04 ‖ x ‖ y) to `out`.
    @inline(__always)
    static func recover(_ parsed: inout ParsedSignature, digest: Digest32,
                        into out: UnsafeMutablePointer<UInt8>) throws(SignatureError) {
        var pubkey = secp256k1_pubkey()
        let ok = digest.withUnsafeBytes { dp in
            secp256k1_ecdsa_recover(context.raw, &pubkey, &parsed.sig, dp.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard ok == 1 else { throw .unrecoverable }
        var len = 65
        let sok = secp256k1_ec_pubkey_serialize(context.raw, out, &len, &pubkey, UInt32(SECP256K1_EC_UNCOMPRESSED))
        guard sok == 1, len == 65 else { throw .libraryFailure("ec_pubkey_serialize") }
    }

    /// Recovers the 64-byte public key (x ‖ y, big-endian, no 0x04 prefix) that signed `digest`.
    public static func recoverPublicKey(digest: Digest32, signature: [UInt8]) throws(SignatureError) -> [UInt8] {
        var parsed = try signature.withUnsafeBytes { b in Result { () throws(SignatureError) in try parse(b) } }.get()
        var out = [UInt8](repeating: 0, count: 65)
        // (withUnsafeMutableBufferPointer is untyped-rethrows: carry the error out as a Result.)
        let r = out.withUnsafeMutableBufferPointer { b in
            Result { () throws(SignatureError) in try recover(&parsed, digest: digest, into: b.baseAddress!) }
        }
        try r.get()
        return Array(out[1...])
    }

    /// Recovers the Ethereum address that signed `digest` — the validation hot path: range and
    /// low-s checks, libsecp256k1 recovery, one 64-byte Keccak, no intermediate arrays.
    public static func recoverAddress(digest: Digest32, signature: UnsafeRawBufferPointer) throws(SignatureError) -> Address {
        var parsed = try parse(signature)
        var key = KeyBuffer()
        let r = withUnsafeMutableBytes(of: &key) { kb in
            let base = kb.baseAddress!.assumingMemoryBound(to: UInt8.self)
            return Result { () throws(SignatureError) -> Address in
                try recover(&parsed, digest: digest, into: base)
                return address(ofUncompressedKey: UnsafeRawPointer(base + 1))
            }
        }
        return try r.get()
    }

    /// `recoverAddress` for a signature held in an array.
    public static func recoverAddress(digest: Digest32, signature: [UInt8]) throws(SignatureError) -> Address {
        try signature.withUnsafeBytes { b in
            Result { () throws(SignatureError) in try recoverAddress(digest: digest, signature: b) }
        }.get()
    }

    /// The Ethereum address of a 64-byte public key (x ‖ y): the last 20 bytes of its Keccak-256.
    public static func address(ofPublicKey key: [UInt8]) -> Address? {
        guard key.count == 64 else { return nil }
        return key.withUnsafeBytes { address(ofUncompressedKey: $0.baseAddress!) }
    }

    @inline(__always)
    static func address(ofUncompressedKey p: UnsafeRawPointer) -> Address {
        let h = Keccak256.hash64(p)
        return h.withUnsafeBytes { Address(bytes: Array($0[12..<32]))! }
    }

    /// 65 bytes on the stack for a serialized uncompressed key.
    package struct KeyBuffer {
        package var a: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
        package init() {}
    }

    // MARK: Signing

    /// Signs a 32-byte digest: RFC 6979 deterministic nonce, low-s (libsecp256k1 always
    /// normalizes), returned as 65 bytes `r ‖ s ‖ v` with v = 27 + recovery id.
    public static func sign(digest: Digest32, with key: PrivateKey) -> [UInt8] {
        var sig = secp256k1_ecdsa_recoverable_signature()
        var d = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var k = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        let ok = withUnsafeMutableBytes(of: &d) { dp in
            withUnsafeMutableBytes(of: &k) { kp in
                digest.store(to: dp.baseAddress!)
                key.secret.store(to: kp.baseAddress!)
                return secp256k1_ecdsa_sign_recoverable(
                    context.raw, &sig, dp.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    kp.baseAddress!.assumingMemoryBound(to: UInt8.self), nil, nil)
            }
        }
        k = (0, 0, 0, 0) // do not leave the key in a stack copy longer than needed
        precondition(ok == 1, "secp256k1_ecdsa_sign_recoverable failed for a verified key")
        var out = [UInt8](repeating: 0, count: 65)
        var recid: Int32 = 0
        let sok = out.withUnsafeMutableBufferPointer {
            secp256k1_ecdsa_recoverable_signature_serialize_compact(context.raw, $0.baseAddress!, &recid, &sig)
        }
        precondition(sok == 1, "recoverable_signature_serialize_compact failed")
        out[64] = UInt8(27 + recid)
        return out
    }
}

/// A secp256k1 private key: a scalar in [1, n-1], checked by `secp256k1_ec_seckey_verify`.
///
/// Used by the CLI (to sign transfers) and tests; the engine itself never holds user keys.
/// `description` never prints the key.
public struct PrivateKey: Sendable, CustomStringConvertible {
    /// The 32 big-endian key bytes (memory order), held inline.
    let secret: Digest32

    /// Validates 32 key bytes (big-endian scalar); throws `.invalidPrivateKey` for any other
    /// length, zero, or a value ≥ n.
    public init<C: Collection>(bytes: C) throws(SignatureError) where C.Element == UInt8 {
        guard let d = Digest32(bytes: bytes) else { throw .invalidPrivateKey }
        guard PrivateKey.isValid(d) else { throw .invalidPrivateKey }
        secret = d
    }

    /// Parses 64 hex digits (with or without `0x`).
    public init(hex: String) throws(SignatureError) {
        guard let b = Hex.decodePrefixed(hex) else { throw .invalidPrivateKey }
        try self.init(bytes: b)
    }

    /// A fresh key from the system CSPRNG: 32 random bytes, redrawn in the (≈ 2^-128 likely) case
    /// that they are zero or ≥ n.
    public static func generate() -> PrivateKey {
        var g = SystemRandomNumberGenerator()
        return generate(using: &g)
    }

    /// A fresh key drawn from `rng` (deterministic generators for tests).
    public static func generate<R: RandomNumberGenerator>(using rng: inout R) -> PrivateKey {
        while true {
            let d = Digest32(w0: rng.next(), w1: rng.next(), w2: rng.next(), w3: rng.next())
            if isValid(d) { return PrivateKey(validated: d) }
        }
    }

    private init(validated: Digest32) { secret = validated }

    private static func isValid(_ d: Digest32) -> Bool {
        d.withUnsafeBytes { secp256k1_ec_seckey_verify(Secp256k1.context.raw, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 1 }
    }

    /// The 32 key bytes (handle with care).
    public var bytes: [UInt8] { secret.bytes }

    /// The 64-byte public key x ‖ y (big-endian, no 0x04 prefix).
    public var publicKey: [UInt8] {
        var pk = secp256k1_pubkey()
        let ok = secret.withUnsafeBytes {
            secp256k1_ec_pubkey_create(Secp256k1.context.raw, &pk, $0.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        precondition(ok == 1, "secp256k1_ec_pubkey_create failed for a verified key")
        var out = [UInt8](repeating: 0, count: 65)
        var len = 65
        _ = out.withUnsafeMutableBufferPointer {
            secp256k1_ec_pubkey_serialize(Secp256k1.context.raw, $0.baseAddress!, &len, &pk, UInt32(SECP256K1_EC_UNCOMPRESSED))
        }
        return Array(out[1...])
    }

    /// The Ethereum address of this key.
    public var address: Address { Secp256k1.address(ofPublicKey: publicKey)! }

    /// Signs a digest (see `Secp256k1.sign`): 65 bytes `r ‖ s ‖ v`, v ∈ {27, 28}, low-s.
    public func sign(digest: Digest32) -> [UInt8] { Secp256k1.sign(digest: digest, with: self) }

    public var description: String { "PrivateKey(address: \(address))" }
}
