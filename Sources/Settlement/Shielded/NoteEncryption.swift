import ZK

/// Note encryption (docs/shielded.md, "Note encryption"): a sender seals each output note to its
/// recipient's transmission key; the recipient, or an auditor with the incoming viewing key,
/// opens it and keeps it only if it opens the output's commitment.
///
///     key = HKDF-SHA256(ikm = X25519(esk, tk), salt = epk ‖ tk, info = "settlement.shielded.note.v1")
///     ciphertext = epk ‖ ChaCha20-Poly1305(key, nonce = 0¹², aad = cm (32 bytes, big-endian), plaintext)
///
/// `esk` is fresh for every output, so each key encrypts one message and the zero nonce never
/// repeats under a key. The commitment as associated data binds the ciphertext to its output.
public enum NoteEncryption {
    static let info = Array("settlement.shielded.note.v1".utf8)

    /// A note and the memo its sender attached, as opened.
    public struct Opened: Hashable, Sendable {
        public let note: Note
        public let memo: NoteMemo
    }

    /// Seals `note` with `memo` to `address` under a fresh ephemeral key.
    public static func seal(_ note: Note, memo: NoteMemo = .empty,
                            to address: ShieldedAddress) throws(NoteEncryptionError) -> NoteCiphertext {
        let ephemeral: X25519.PrivateKey
        do { ephemeral = try X25519.PrivateKey.generate() } catch { throw .libraryFailure(error.what) }
        return try seal(note, memo: memo, to: address, ephemeral: ephemeral)
    }

    /// `seal` with a given ephemeral key (the known-answer tests fix it; nothing else may).
    static func seal(_ note: Note, memo: NoteMemo, to address: ShieldedAddress,
                     ephemeral: X25519.PrivateKey) throws(NoteEncryptionError) -> NoteCiphertext {
        guard note.owner == address.ownerKey else { throw .ownerMismatch }
        let commitment = note.commitment.bigEndianBytes
        do {
            let epk = try ephemeral.publicKey()
            guard var shared = try ephemeral.sharedSecret(with: address.transmissionKey.bytes) else {
                throw NoteEncryptionError.keyAgreementFailed
            }
            defer { SymmetricCrypto.wipe(&shared) }
            var key = try noteKey(shared: shared, epk: epk, tk: address.transmissionKey.bytes)
            defer { SymmetricCrypto.wipe(&key) }
            var plaintext = [NoteCiphertext.plaintextVersion]
            plaintext.reserveCapacity(NoteCiphertext.plaintextLength)
            withUnsafeBytes(of: note.value.bigEndian) { plaintext.append(contentsOf: $0) }
            plaintext += note.randomness.bigEndianBytes
            plaintext += memo.bytes
            defer { SymmetricCrypto.wipe(&plaintext) }
            let sealed = try SymmetricCrypto.seal(key: key, aad: commitment, plaintext: plaintext)
            return try NoteCiphertext(bytes: epk + sealed)
        } catch let error as NoteEncryptionError {
            throw error
        } catch let error as OpenSSLFailure {
            throw .libraryFailure(error.what)
        } catch {
            throw .libraryFailure("\(error)")
        }
    }

    /// The note in `ciphertext` for the holder of `viewingKey` whose owner key is `owner`, or nil
    /// when there is none: a ciphertext sealed to another key, altered bytes, another
    /// commitment, a malformed plaintext, or a sender's lie (a plaintext that does not open
    /// `commitment` — paying nothing while claiming to pay). Throws only when OpenSSL itself fails.
    public static func open(_ ciphertext: NoteCiphertext, commitment: Fr, with viewingKey: IncomingViewingKey,
                            owner: Fr) throws(NoteEncryptionError) -> Note? {
        try openWithMemo(ciphertext, commitment: commitment, with: viewingKey, owner: owner)?.note
    }

    /// `open`, with the memo.
    public static func openWithMemo(_ ciphertext: NoteCiphertext, commitment: Fr, with viewingKey: IncomingViewingKey,
                                    owner: Fr) throws(NoteEncryptionError) -> Opened? {
        do {
            let epk = ciphertext.ephemeralKey
            guard var shared = try X25519.PrivateKey(raw: viewingKey.bytes).sharedSecret(with: epk) else { return nil }
            defer { SymmetricCrypto.wipe(&shared) }
            var key = try noteKey(shared: shared, epk: epk, tk: viewingKey.transmissionKey.bytes)
            defer { SymmetricCrypto.wipe(&key) }
            guard var plaintext = try SymmetricCrypto.open(key: key, aad: commitment.bigEndianBytes,
                                                           sealed: ciphertext.sealed) else { return nil }
            defer { SymmetricCrypto.wipe(&plaintext) }
            guard plaintext.count == NoteCiphertext.plaintextLength,
                  plaintext[0] == NoteCiphertext.plaintextVersion,
                  let randomness = Fr(bigEndian: plaintext[9..<41]) else { return nil }
            let value = plaintext[1..<9].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let note = Note(value: value, owner: owner, randomness: randomness)
            guard note.commitment == commitment else { return nil }
            return Opened(note: note, memo: try NoteMemo(bytes: Array(plaintext[41...])))
        } catch let error as NoteEncryptionError {
            throw error
        } catch let error as OpenSSLFailure {
            throw .libraryFailure(error.what)
        } catch {
            throw .libraryFailure("\(error)")
        }
    }

    /// The note key: HKDF-SHA256 of the shared secret, salted with both public keys.
    static func noteKey(shared: [UInt8], epk: [UInt8], tk: [UInt8]) throws(OpenSSLFailure) -> [UInt8] {
        try SymmetricCrypto.hkdfSHA256(ikm: shared, salt: epk + tk, info: info)
    }
}
