import ArgumentParser
import Settlement

/// `settlement shielded seal-note --to ADDRESS --value N`: one output note sealed to an address,
/// as a shielded transaction would carry it. It submits nothing and pays nothing: it is the
/// wallet's encryption step on its own, for checking another wallet's decryption (and the
/// interoperability tests).
struct ShieldedSealNote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal-note",
        abstract: "Make a note to an address and print its commitment, randomness and 121-byte ciphertext (sends nothing).",
        discussion: "The randomness and the ephemeral key are fresh on every call, so the same value to the "
            + "same address gives a different commitment and ciphertext each time.")

    @Option(help: ArgumentHelp("The recipient's shielded address (zs…).", valueName: "address"))
    var to: String

    @Option(help: ArgumentHelp("The note's value (0 to 2^64 - 1).", valueName: "n"))
    var value: UInt64

    @Option(help: ArgumentHelp("A 32-byte memo, 64 hex digits (0x optional); default all zero.", valueName: "hex"))
    var memo: String?

    @Flag(help: "Print JSON (the value as a decimal string).")
    var json = false

    func validate() throws {
        do { _ = try ShieldedAddress(text: to) } catch { throw ValidationError("--to: \(error)") }
        if let memo { _ = try parseMemo(memo) }
    }

    func run() async throws {
        try await runReportingErrors {
            let address = try ShieldedAddress(text: to)
            let note = Note(value: value, to: address)
            let memoValue = try memo.map(parseMemo) ?? .empty
            let ciphertext = try NoteEncryption.seal(note, memo: memoValue, to: address)
            let rows = [("commitment", "0x" + Hex.encode(note.commitment.bigEndianBytes)),
                        ("ciphertext", "0x" + Hex.encode(ciphertext.bytes)),
                        ("value", String(note.value)),
                        ("randomness", "0x" + Hex.encode(note.randomness.bigEndianBytes))]
            if json {
                printJSON(Dictionary(uniqueKeysWithValues: rows))
            } else {
                print(Format.table(rows))
            }
        }
    }

    private func parseMemo(_ text: String) throws -> NoteMemo {
        guard let bytes = Hex.decodePrefixed(text), let memo = try? NoteMemo(bytes: bytes) else {
            throw ValidationError("--memo must be 32 bytes of hex (64 hex digits, 0x optional)")
        }
        return memo
    }
}
