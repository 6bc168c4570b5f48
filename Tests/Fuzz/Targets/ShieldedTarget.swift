import Settlement
import ZK

/// The shielded pool's decoders of outside bytes: the address text, spending and viewing keys,
/// and note ciphertexts through decryption. The first byte picks the decoder; the rest is the
/// input.
enum ShieldedTarget {
    /// The fixed recipient whose viewing key opens the ciphertexts.
    static let recipient = try! SpendingKey(Fr(123_456_789))

    /// An address that parses has exactly one text (its own); keys that decode re-encode to the
    /// same bytes; a ciphertext that opens holds a note that opens the commitment, owned by the
    /// recipient.
    static let target = FuzzTarget(name: "shielded-notes", summary: "shielded address text, keys, note ciphertexts and their decryption") { bytes in
        guard let first = bytes.first else { return }
        let body = Array(bytes.dropFirst())
        switch first % 3 {
        case 0:
            let text = String(decoding: body, as: UTF8.self)
            guard let address = try? ShieldedAddress(text: text) else { return }
            precondition(Array(address.text.utf8) == body, "an address parsed from a text that is not its own")
        case 1:
            if let key = try? SpendingKey(bytes: body) { precondition(key.bytes == body, "spending key re-encodes differently") }
            if let ivk = try? IncomingViewingKey(bytes: body) { precondition(ivk.bytes == body, "viewing key re-encodes differently") }
        default:
            guard body.count >= 32, let cm = Fr(bigEndian: body[0..<32]),
                  let ciphertext = try? NoteCiphertext(bytes: Array(body[32...])) else { return }
            let opened = try? NoteEncryption.open(ciphertext, commitment: cm, with: recipient.incomingViewingKey,
                                                  owner: recipient.ownerKey)
            guard let note = opened ?? nil else { return }
            precondition(note.commitment == cm && note.owner == recipient.ownerKey, "a note that does not open its commitment")
        }
    }

    /// A valid input of each kind (mutations reach the checksum, the field checks and the tag).
    static var seeds: [[UInt8]] {
        let address = recipient.address
        let note = Note(value: 1_000, to: address)
        let sealed = try! NoteEncryption.seal(note, to: address)
        return [[0] + Array(address.text.utf8), [1] + recipient.bytes, [1] + recipient.incomingViewingKey.bytes,
                [2] + note.commitment.bigEndianBytes + sealed.bytes]
    }
}
