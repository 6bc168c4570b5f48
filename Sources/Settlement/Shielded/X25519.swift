import COpenSSL

/// An OpenSSL call that failed. Internal: each caller turns it into its own typed error. The
/// thread's OpenSSL error queue is cleared when this is made, so that a stale entry never
/// surfaces in an unrelated TLS call on the same thread.
struct OpenSSLFailure: Error {
    let what: String

    init(_ what: String) {
        self.what = what
        ERR_clear_error()
    }
}

/// X25519 (RFC 7748) through OpenSSL's EVP_PKEY interface: the shielded pool's key agreement
/// between a note's ephemeral key and the recipient's transmission key. Keys travel as their
/// raw 32 bytes; OpenSSL clamps private keys itself.
enum X25519 {
    static let keyLength = 32

    /// An owned `EVP_PKEY`, freed on deinit.
    final class PrivateKey {
        let pkey: OpaquePointer

        init(owning pkey: OpaquePointer) { self.pkey = pkey }
        deinit { EVP_PKEY_free(pkey) }

        /// A fresh key from OpenSSL's generator (one per note output).
        static func generate() throws(OpenSSLFailure) -> PrivateKey {
            guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nil) else { throw OpenSSLFailure("EVP_PKEY_CTX_new_id(X25519)") }
            defer { EVP_PKEY_CTX_free(ctx) }
            guard EVP_PKEY_keygen_init(ctx) == 1 else { throw OpenSSLFailure("EVP_PKEY_keygen_init") }
            var key: OpaquePointer?
            guard EVP_PKEY_keygen(ctx, &key) == 1, let key else { throw OpenSSLFailure("EVP_PKEY_keygen") }
            return PrivateKey(owning: key)
        }

        /// The key with these 32 raw bytes.
        init(raw: [UInt8]) throws(OpenSSLFailure) {
            precondition(raw.count == keyLength, "X25519 private keys are 32 bytes")
            guard let key = raw.withUnsafeBufferPointer({ EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, $0.baseAddress, 32) })
            else { throw OpenSSLFailure("EVP_PKEY_new_raw_private_key(X25519)") }
            pkey = key
        }

        /// The raw 32-byte public key.
        func publicKey() throws(OpenSSLFailure) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: keyLength)
            var length = keyLength
            guard EVP_PKEY_get_raw_public_key(pkey, &out, &length) == 1, length == keyLength else {
                throw OpenSSLFailure("EVP_PKEY_get_raw_public_key")
            }
            return out
        }

        /// The shared secret with `peer` (raw 32 bytes), or nil when there is none: OpenSSL
        /// refuses an all-zero result, which is what a low-order peer point gives.
        func sharedSecret(with peer: [UInt8]) throws(OpenSSLFailure) -> [UInt8]? {
            precondition(peer.count == keyLength, "X25519 public keys are 32 bytes")
            guard let peerKey = peer.withUnsafeBufferPointer({ EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, $0.baseAddress, 32) })
            else { throw OpenSSLFailure("EVP_PKEY_new_raw_public_key(X25519)") }
            defer { EVP_PKEY_free(peerKey) }
            guard let ctx = EVP_PKEY_CTX_new(pkey, nil) else { throw OpenSSLFailure("EVP_PKEY_CTX_new") }
            defer { EVP_PKEY_CTX_free(ctx) }
            guard EVP_PKEY_derive_init(ctx) == 1 else { throw OpenSSLFailure("EVP_PKEY_derive_init") }
            guard EVP_PKEY_derive_set_peer(ctx, peerKey) == 1 else { throw OpenSSLFailure("EVP_PKEY_derive_set_peer") }
            var secret = [UInt8](repeating: 0, count: keyLength)
            var length = keyLength
            guard EVP_PKEY_derive(ctx, &secret, &length) == 1, length == keyLength else {
                _ = OpenSSLFailure("EVP_PKEY_derive")  // clears the queue: a refused peer is an answer, not a failure
                return nil
            }
            return secret
        }
    }

    /// The public key of the private key with these raw bytes.
    static func publicKey(ofPrivate raw: [UInt8]) throws(OpenSSLFailure) -> [UInt8] {
        try PrivateKey(raw: raw).publicKey()
    }

    /// Whether `point` is a usable public key: X25519 with it gives a non-zero secret. Every
    /// clamped scalar is a multiple of the cofactor 8, so one trial with any scalar tells the
    /// low-order points (which would give every sender the all-zero secret) from the rest.
    static func isUsablePublicKey(_ point: [UInt8]) throws(OpenSSLFailure) -> Bool {
        try probe.sharedSecret(with: point) != nil
    }

    /// A fixed, public scalar for `isUsablePublicKey` (no secret is involved).
    private static var probe: PrivateKey {
        get throws(OpenSSLFailure) { try PrivateKey(raw: [UInt8](repeating: 0x5a, count: keyLength)) }
    }
}
