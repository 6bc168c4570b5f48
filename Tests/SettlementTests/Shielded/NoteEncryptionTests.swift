import XCTest
import ZK
@testable import Settlement

/// Note encryption (docs/shielded.md, "Note encryption"): the recipient and its auditor open
/// their notes; nobody else does, no altered byte passes, and a sender who encrypts another note
/// than the one committed to is caught.
final class NoteEncryptionTests: XCTestCase {
    private var recipient: SpendingKey!
    private var other: SpendingKey!

    override func setUpWithError() throws {
        recipient = try SpendingKey(hex: ShieldedVectors.sk)
        other = try SpendingKey.generate()
    }

    private func open(_ c: NoteCiphertext, _ cm: Fr, by key: SpendingKey) throws -> Note? {
        try NoteEncryption.open(c, commitment: cm, with: key.incomingViewingKey, owner: key.ownerKey)
    }

    /// Our seal with the vector's ephemeral key gives the independent implementation's bytes,
    /// and its ciphertext opens here to the same note and memo.
    func testSealAndOpenMatchTheIndependentVector() throws {
        let note = Note(value: ShieldedVectors.value, owner: recipient.ownerKey, randomness: ShieldedVectors.fr(ShieldedVectors.rho))
        XCTAssertEqual(note.commitment, ShieldedVectors.fr(ShieldedVectors.cm))
        let memo = try NoteMemo(bytes: ShieldedVectors.bytes(ShieldedVectors.memo))
        let sealed = try NoteEncryption.seal(note, memo: memo, to: recipient.address,
                                             ephemeral: try X25519.PrivateKey(raw: ShieldedVectors.esk))
        XCTAssertEqual(Hex.encode(sealed.bytes), ShieldedVectors.ciphertext)
        let theirs = try NoteCiphertext(hex: ShieldedVectors.ciphertext)
        let opened = try NoteEncryption.openWithMemo(theirs, commitment: note.commitment, with: recipient.incomingViewingKey,
                                                     owner: recipient.ownerKey)
        XCTAssertEqual(opened, NoteEncryption.Opened(note: note, memo: memo))
    }

    func testRoundTripIncludingTheExtremeValues() throws {
        for value: UInt64 in [0, 1, 1 << 32, .max] {
            let note = Note(value: value, to: recipient.address)
            let c = try NoteEncryption.seal(note, to: recipient.address)
            XCTAssertEqual(c.bytes.count, 121)
            XCTAssertEqual(try open(c, note.commitment, by: recipient), note)
            // An auditor with the viewing key alone (no spending key) reads it too.
            let auditor = try IncomingViewingKey(bytes: recipient.incomingViewingKey.bytes)
            XCTAssertEqual(try NoteEncryption.open(c, commitment: note.commitment, with: auditor, owner: recipient.ownerKey), note)
        }
    }

    /// Another key's holder (who knows the commitment, as everyone does) learns nothing.
    func testAnotherKeyOpensNothing() throws {
        let note = Note(value: 77, to: recipient.address)
        let c = try NoteEncryption.seal(note, to: recipient.address)
        XCTAssertNil(try open(c, note.commitment, by: other))
        // Even claiming the recipient's owner key with its own viewing key.
        XCTAssertNil(try NoteEncryption.open(c, commitment: note.commitment, with: other.incomingViewingKey,
                                             owner: recipient.ownerKey))
    }

    /// Flipping any bit pattern of any byte — epk, body or tag — makes the ciphertext no note.
    func testEveryAlteredByteIsRefused() throws {
        let note = Note(value: 5_000, to: recipient.address)
        let c = try NoteEncryption.seal(note, to: recipient.address)
        for i in 0..<NoteCiphertext.length {
            for mask: UInt8 in [0x01, 0x80, 0xff] {
                var bytes = c.bytes
                bytes[i] ^= mask
                XCTAssertNil(try open(NoteCiphertext(bytes: bytes), note.commitment, by: recipient), "byte \(i) ^ \(mask)")
            }
        }
        // The ciphertext of one output under another output's commitment (AAD) opens nothing.
        XCTAssertNil(try open(c, note.commitment + Fr.one, by: recipient))
        XCTAssertNil(try open(c, Note(value: 5_000, to: recipient.address).commitment, by: recipient))
    }

    /// A lying sender: authentic encryption, under the real commitment as associated data, of a
    /// note that does not open that commitment (a larger value, other randomness, another owner).
    /// The wallet must not count it.
    func testALyingSenderIsIgnored() throws {
        let honest = Note(value: 1_000, to: recipient.address)
        let lies = [Note(value: 1_000_000, owner: recipient.ownerKey, randomness: honest.randomness),
                    Note(value: 1_000, owner: recipient.ownerKey, randomness: honest.randomness + Fr.one)]
        for lie in lies {
            let c = try sealRaw(plaintext: plaintext(lie), aad: honest.commitment, to: recipient.address)
            XCTAssertNil(try open(c, honest.commitment, by: recipient))
            // The same bytes under the lie's own commitment do not open either (AAD mismatch).
            XCTAssertNil(try open(c, lie.commitment, by: recipient))
        }
        // The control: the honest plaintext through the same path opens.
        let c = try sealRaw(plaintext: plaintext(honest), aad: honest.commitment, to: recipient.address)
        XCTAssertEqual(try open(c, honest.commitment, by: recipient), honest)
    }

    /// Plaintexts of another layout version, or with ρ ≥ r, are no notes.
    func testMalformedPlaintextsAreRefused() throws {
        let note = Note(value: 3, to: recipient.address)
        var wrongVersion = plaintext(note)
        wrongVersion[0] = 0x02
        XCTAssertNil(try open(sealRaw(plaintext: wrongVersion, aad: note.commitment, to: recipient.address),
                              note.commitment, by: recipient))
        var bigRho = plaintext(note)
        bigRho.replaceSubrange(9..<41, with: (note.randomness.canonical.addingReportingOverflow(Fr.modulus).partialValue).bigEndianBytes)
        XCTAssertNil(try open(sealRaw(plaintext: bigRho, aad: note.commitment, to: recipient.address),
                              note.commitment, by: recipient))
    }

    /// Every seal uses a fresh ephemeral key (the zero nonce is safe only so), even for the same
    /// note to the same address.
    func testEphemeralKeysDifferPerSeal() throws {
        let note = Note(value: 9, to: recipient.address)
        var epks = Set<[UInt8]>()
        for _ in 0..<16 {
            let c = try NoteEncryption.seal(note, to: recipient.address)
            epks.insert(c.ephemeralKey)
            XCTAssertEqual(try open(c, note.commitment, by: recipient), note)
        }
        XCTAssertEqual(epks.count, 16)
    }

    func testLengthsAreCheckedFirst() throws {
        for n in [0, 120, 122, 242] {
            XCTAssertThrowsError(try NoteCiphertext(bytes: [UInt8](repeating: 0, count: n))) {
                XCTAssertEqual($0 as? NoteEncryptionError, .ciphertextLength(n))
            }
        }
        XCTAssertThrowsError(try NoteCiphertext(hex: "0x" + String(repeating: "0", count: 241))) {
            XCTAssertEqual($0 as? NoteEncryptionError, .notHex)
        }
        XCTAssertThrowsError(try NoteMemo(bytes: [1, 2, 3])) { XCTAssertEqual($0 as? NoteEncryptionError, .memoLength(3)) }
        // A ciphertext of the right length whose epk is a low-order point opens nothing.
        XCTAssertNil(try open(NoteCiphertext(bytes: [UInt8](repeating: 0, count: 121)), Fr.one, by: recipient))
    }

    /// Sealing a note whose owner is not the address's is refused: the recipient could not spend it.
    func testSealRefusesANoteForAnotherOwner() {
        let note = Note(value: 1, to: other.address)
        XCTAssertThrowsError(try NoteEncryption.seal(note, to: recipient.address)) {
            XCTAssertEqual($0 as? NoteEncryptionError, .ownerMismatch)
        }
    }

    // MARK: A dishonest sender's tools

    private func plaintext(_ note: Note) -> [UInt8] {
        var p: [UInt8] = [0x01]
        withUnsafeBytes(of: note.value.bigEndian) { p.append(contentsOf: $0) }
        return p + note.randomness.bigEndianBytes + [UInt8](repeating: 0, count: 32)
    }

    /// The specification's encryption of any 73 bytes under any associated data.
    private func sealRaw(plaintext: [UInt8], aad: Fr, to address: ShieldedAddress) throws -> NoteCiphertext {
        let esk = try X25519.PrivateKey.generate()
        let epk = try esk.publicKey()
        let shared = try XCTUnwrap(try esk.sharedSecret(with: address.transmissionKey.bytes))
        let key = try NoteEncryption.noteKey(shared: shared, epk: epk, tk: address.transmissionKey.bytes)
        return try NoteCiphertext(bytes: epk + SymmetricCrypto.seal(key: key, aad: aad.bigEndianBytes, plaintext: plaintext))
    }
}
