import ArgumentParser
import Settlement

/// `settlement shielded keygen --out FILE`: a fresh spending key in a new 0600 file, and its
/// address.
struct ShieldedKeygen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a new shielded spending key to a new file (mode 0600) and print its address.",
        discussion: "The key is a random non-zero element of the BN254 scalar field from the system's "
            + "cryptographic generator; the file holds it as 0x + 64 hex digits. Whoever reads the file can "
            + "spend the address's notes. An existing file is never overwritten.")

    @Option(help: ArgumentHelp("The spending-key file to create.", valueName: "file"))
    var out: String

    @Flag(help: "Print {\"address\": ..., \"keyFile\": ...}.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let key = try SpendingKey.generate()
            try ShieldedKeyFiles.writeSpendingKey(key, to: out)
            if json {
                printJSON(["address": key.address.text, "keyFile": out])
            } else {
                print(Format.table([("address", key.address.text), ("key file", out)]))
            }
        }
    }
}
