import ArgumentParser
import Settlement

/// `settlement shielded address --key-file FILE`: the address of a spending key.
struct ShieldedAddressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "address", abstract: "Print the shielded address of a spending-key file.")

    @Option(help: ArgumentHelp("Spending-key file (as `keygen` writes it); - reads standard input.", valueName: "file"))
    var keyFile: String

    func run() async throws {
        try await runReportingErrors {
            print(try ShieldedKeyFiles.readSpendingKey(keyFile).address.text)
        }
    }
}
