import ArgumentParser
import Settlement
import ZK

/// `settlement shielded open-note`: a wallet's or an auditor's check of one output: is this
/// ciphertext a note for my key, and does it open the commitment?
struct ShieldedOpenNote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open-note",
        abstract: "Decrypt one note ciphertext with a viewing key (or spending key) and check it against its commitment.",
        discussion: "Prints the note's value, randomness and memo, or `not for this key` (exit code 1) when the "
            + "ciphertext was sealed to another key, was altered, belongs to another commitment, or holds a note "
            + "that does not open the commitment (a sender's lie).")

    @Option(help: ArgumentHelp("Viewing-key file (as `viewing-key` writes it).", valueName: "file"))
    var viewingKeyFile: String?

    @Option(help: ArgumentHelp("Spending-key file instead of a viewing-key file.", valueName: "file"))
    var keyFile: String?

    @Option(help: ArgumentHelp("The output's commitment, 32 bytes of hex below r (0x optional).", valueName: "hex"))
    var commitment: String

    @Option(help: ArgumentHelp("The output's 121-byte ciphertext, hex (0x optional).", valueName: "hex"))
    var ciphertext: String

    @Flag(help: "Print JSON: {\"found\": false} or the note (the value as a decimal string).")
    var json = false

    func validate() throws {
        guard (viewingKeyFile == nil) != (keyFile == nil) else {
            throw ValidationError("give exactly one of --viewing-key-file and --key-file")
        }
        _ = try parseCommitment()
        do { _ = try NoteCiphertext(hex: ciphertext) } catch { throw ValidationError("--ciphertext: \(error)") }
    }

    func run() async throws {
        try await runReportingErrors {
            let ivk: IncomingViewingKey, address: ShieldedAddress
            if let viewingKeyFile {
                (ivk, address) = try ShieldedKeyFiles.readViewingKey(viewingKeyFile)
            } else {
                let key = try ShieldedKeyFiles.readSpendingKey(keyFile!)
                (ivk, address) = (key.incomingViewingKey, key.address)
            }
            let cm = try parseCommitment()
            let sealed = try NoteCiphertext(hex: ciphertext)
            guard let opened = try NoteEncryption.openWithMemo(sealed, commitment: cm, with: ivk, owner: address.ownerKey) else {
                if json { printJSON(["found": false]) } else { print("not for this key") }
                throw CLIError.failed
            }
            let rows = [("value", String(opened.note.value)),
                        ("randomness", "0x" + Hex.encode(opened.note.randomness.bigEndianBytes)),
                        ("memo", "0x" + Hex.encode(opened.memo.bytes)),
                        ("address", address.text)]
            if json {
                var object: [String: Any] = Dictionary(uniqueKeysWithValues: rows)
                object["found"] = true
                printJSON(object)
            } else {
                print(Format.table(rows))
            }
        }
    }

    private func parseCommitment() throws -> Fr {
        guard let bytes = Hex.decodePrefixed(commitment), bytes.count == 32, let cm = Fr(bigEndian: bytes) else {
            throw ValidationError("--commitment must be 32 bytes of hex (64 hex digits, 0x optional) below the field order r")
        }
        return cm
    }
}
