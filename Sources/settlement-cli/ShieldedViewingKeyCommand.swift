import ArgumentParser
import Settlement

/// `settlement shielded viewing-key --key-file FILE [--out FILE]`: the incoming viewing key and
/// owner key an auditor needs to read an address's notes (not to spend them).
struct ShieldedViewingKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "viewing-key",
        abstract: "Print, or write to a new 0600 file, the incoming viewing key of a spending key (for an auditor).",
        discussion: "The output is the viewing-key file: {\"incomingViewingKey\", \"ownerKey\", \"address\"}. It "
            + "reads every note sent to the address and their values, but cannot spend them or see them spent. "
            + "`open-note --viewing-key-file` uses it.")

    @Option(help: ArgumentHelp("Spending-key file (as `keygen` writes it); - reads standard input.", valueName: "file"))
    var keyFile: String

    @Option(help: ArgumentHelp("Write the viewing-key file here (created with mode 0600, never overwritten) "
                               + "instead of printing it.", valueName: "file"))
    var out: String?

    func run() async throws {
        try await runReportingErrors {
            let key = try ShieldedKeyFiles.readSpendingKey(keyFile)
            let object = ShieldedKeyFiles.viewingKeyObject(key)
            if let out {
                try ShieldedKeyFiles.writeSecret(try ShieldedKeyFiles.jsonText(object), to: out)
                print(Format.table([("address", key.address.text), ("viewing-key file", out)]))
            } else {
                printJSON(object)
            }
        }
    }
}
