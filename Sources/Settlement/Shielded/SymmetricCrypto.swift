import COpenSSL

/// SHA-256, HKDF-SHA256 and ChaCha20-Poly1305 through OpenSSL's EVP interface: the hashes of the
/// shielded keys and addresses, and the note cipher (docs/shielded.md, "Note encryption").
enum SymmetricCrypto {
    static let tagLength = 16

    /// SHA-256 of `data`.
    static func sha256(_ data: [UInt8]) throws(OpenSSLFailure) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard EVP_Digest(data, data.count, &out, &length, EVP_sha256(), nil) == 1, length == 32 else {
            throw OpenSSLFailure("EVP_Digest(SHA-256)")
        }
        return out
    }

    /// HKDF-SHA256 (RFC 5869, extract then expand) of `ikm`, 32 bytes out.
    static func hkdfSHA256(ikm: [UInt8], salt: [UInt8], info: [UInt8]) throws(OpenSSLFailure) -> [UInt8] {
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nil) else { throw OpenSSLFailure("EVP_PKEY_CTX_new_id(HKDF)") }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_derive_init(ctx) == 1 else { throw OpenSSLFailure("EVP_PKEY_derive_init(HKDF)") }
        guard EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) == 1 else { throw OpenSSLFailure("EVP_PKEY_CTX_set_hkdf_md") }
        guard EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt, Int32(salt.count)) == 1 else { throw OpenSSLFailure("EVP_PKEY_CTX_set1_hkdf_salt") }
        guard EVP_PKEY_CTX_set1_hkdf_key(ctx, ikm, Int32(ikm.count)) == 1 else { throw OpenSSLFailure("EVP_PKEY_CTX_set1_hkdf_key") }
        guard EVP_PKEY_CTX_add1_hkdf_info(ctx, info, Int32(info.count)) == 1 else { throw OpenSSLFailure("EVP_PKEY_CTX_add1_hkdf_info") }
        var out = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_derive(ctx, &out, &length) == 1, length == 32 else { throw OpenSSLFailure("EVP_PKEY_derive(HKDF)") }
        return out
    }

    /// ChaCha20-Poly1305 (RFC 8439) with the all-zero 12-byte nonce: `ciphertext ‖ tag (16)`.
    /// The zero nonce is safe only because every key encrypts one message (a fresh ephemeral
    /// key per note).
    static func seal(key: [UInt8], aad: [UInt8], plaintext: [UInt8]) throws(OpenSSLFailure) -> [UInt8] {
        precondition(key.count == 32, "ChaCha20-Poly1305 keys are 32 bytes")
        let ctx = try CipherContext(key: key, encrypt: true)
        var length: Int32 = 0
        guard EVP_EncryptUpdate(ctx.raw, nil, &length, aad, Int32(aad.count)) == 1 else { throw OpenSSLFailure("EVP_EncryptUpdate(aad)") }
        var out = [UInt8](repeating: 0, count: plaintext.count + tagLength)
        guard EVP_EncryptUpdate(ctx.raw, &out, &length, plaintext, Int32(plaintext.count)) == 1,
              length == Int32(plaintext.count) else { throw OpenSSLFailure("EVP_EncryptUpdate") }
        var final: Int32 = 0
        let finished = out.withUnsafeMutableBufferPointer { EVP_EncryptFinal_ex(ctx.raw, $0.baseAddress! + plaintext.count, &final) }
        guard finished == 1, final == 0 else { throw OpenSSLFailure("EVP_EncryptFinal_ex") }
        let tagged = out.withUnsafeMutableBufferPointer {
            EVP_CIPHER_CTX_ctrl(ctx.raw, EVP_CTRL_AEAD_GET_TAG, Int32(tagLength), $0.baseAddress! + plaintext.count)
        }
        guard tagged == 1 else { throw OpenSSLFailure("EVP_CTRL_AEAD_GET_TAG") }
        return out
    }

    /// The plaintext of `sealed` (`ciphertext ‖ tag`), or nil when the tag does not verify
    /// (another key, other associated data, or altered bytes). Nothing of an unauthenticated
    /// plaintext is returned.
    static func open(key: [UInt8], aad: [UInt8], sealed: [UInt8]) throws(OpenSSLFailure) -> [UInt8]? {
        precondition(key.count == 32, "ChaCha20-Poly1305 keys are 32 bytes")
        guard sealed.count >= tagLength else { return nil }
        let bodyLength = sealed.count - tagLength
        let ctx = try CipherContext(key: key, encrypt: false)
        var tag = Array(sealed[bodyLength...])
        guard EVP_CIPHER_CTX_ctrl(ctx.raw, EVP_CTRL_AEAD_SET_TAG, Int32(tagLength), &tag) == 1 else {
            throw OpenSSLFailure("EVP_CTRL_AEAD_SET_TAG")
        }
        var length: Int32 = 0
        guard EVP_DecryptUpdate(ctx.raw, nil, &length, aad, Int32(aad.count)) == 1 else { throw OpenSSLFailure("EVP_DecryptUpdate(aad)") }
        var out = [UInt8](repeating: 0, count: bodyLength)
        let body = Array(sealed[..<bodyLength])
        guard EVP_DecryptUpdate(ctx.raw, &out, &length, body, Int32(bodyLength)) == 1,
              length == Int32(bodyLength) else { throw OpenSSLFailure("EVP_DecryptUpdate") }
        var final: Int32 = 0
        var scratch = [UInt8](repeating: 0, count: 16)
        guard EVP_DecryptFinal_ex(ctx.raw, &scratch, &final) == 1 else {
            _ = OpenSSLFailure("EVP_DecryptFinal_ex")  // clears the queue: a wrong tag is an answer
            wipe(&out)
            return nil
        }
        return out
    }

    /// Overwrites secret bytes before their buffer is released.
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
    }

    /// An owned ChaCha20-Poly1305 context keyed with the zero nonce, freed on deinit.
    private final class CipherContext {
        let raw: OpaquePointer

        init(key: [UInt8], encrypt: Bool) throws(OpenSSLFailure) {
            guard let ctx = EVP_CIPHER_CTX_new() else { throw OpenSSLFailure("EVP_CIPHER_CTX_new") }
            raw = ctx
            let mode: Int32 = encrypt ? 1 : 0
            guard EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), nil, nil, nil, mode) == 1 else {
                throw OpenSSLFailure("EVP_CipherInit_ex(chacha20-poly1305)")
            }
            guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, nil) == 1 else { throw OpenSSLFailure("EVP_CTRL_AEAD_SET_IVLEN") }
            let nonce = [UInt8](repeating: 0, count: 12)
            guard EVP_CipherInit_ex(ctx, nil, nil, key, nonce, mode) == 1 else { throw OpenSSLFailure("EVP_CipherInit_ex(key)") }
        }

        deinit { EVP_CIPHER_CTX_free(raw) }
    }
}
