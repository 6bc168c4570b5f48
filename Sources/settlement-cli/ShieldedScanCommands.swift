import ArgumentParser
import Foundation
import Settlement
import SettlementAPI

/// `settlement shielded scan` and `settlement shielded balance`: bring the wallet up to date
/// with the engine (`ShieldedScanner`) and show what it found, or what it holds.
struct ShieldedScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan the engine's notes for the wallet's: received notes, spent notes, reverts.",
        discussion: "Downloads the notes after the wallet's position (ScanShieldedNotes), keeps every commitment, "
            + "opens the notes sealed to the key and marks spent ones (GetNullifierStatus). A revert (the engine "
            + "holds fewer notes than the wallet saw, or another commitment where it knows one) rescans from 0. "
            + "Exit codes: 0 scanned; 2 the server refused; 3 unreachable; 4 a file could not be read or written.")

    @OptionGroup var connection: ServerOptions
    @OptionGroup var walletOptions: ShieldedWalletOptions

    @Option(help: ArgumentHelp("Seconds to wait for each call.", valueName: "seconds"))
    var timeout: Int = 60

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let (wallet, report) = try await walletOptions.scanAndSave(connection, timeout: timeout)
            if json {
                printJSON(["position": wallet.position, "scanned": report.scanned, "rescanned": report.rescanned,
                           "received": report.received.map(ShieldedBalanceCommand.object),
                           "spent": report.newlySpent.map(ShieldedBalanceCommand.object), "balance": wallet.balance])
                return
            }
            print(Format.table([("position", String(wallet.position)), ("scanned", String(report.scanned)),
                                ("rescanned", report.rescanned ? "yes" : "no"),
                                ("received", String(report.received.count)), ("spent", String(report.newlySpent.count)),
                                ("balance", String(wallet.balance))]))
            for n in report.received { print("received note \(n.position): \(n.note.value)") }
            for n in report.newlySpent { print("spent note \(n.position): \(n.note.value) in batch \(n.spentBatch)") }
        }
    }
}

struct ShieldedBalanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balance",
        abstract: "Scan, then print the wallet's unspent total and notes.",
        discussion: "Exit codes as `settlement shielded scan`.")

    @OptionGroup var connection: ServerOptions
    @OptionGroup var walletOptions: ShieldedWalletOptions

    @Option(help: ArgumentHelp("Seconds to wait for each call.", valueName: "seconds"))
    var timeout: Int = 60

    @Flag(help: "Print JSON.")
    var json = false

    static func object(_ n: ShieldedWallet.OwnNote) -> [String: Any] {
        ["position": n.position, "value": n.note.value, "commitment": ShieldedWallet.hex(n.note.commitment),
         "spentBatch": n.spentBatch]
    }

    func run() async throws {
        try await runReportingErrors {
            let (wallet, _) = try await walletOptions.scanAndSave(connection, timeout: timeout)
            if json {
                printJSON(["balance": wallet.balance, "notes": wallet.unspent.map(Self.object), "position": wallet.position])
                return
            }
            print(Format.table([("balance", String(wallet.balance)), ("notes", String(wallet.unspent.count))]))
            for n in wallet.unspent { print("note \(n.position): \(n.note.value)") }
        }
    }
}
