import ArgumentParser
import Foundation
import Settlement
import ZK

/// `settlement shielded shield --out FILE`: builds a shield offline: value from a transparent
/// account into a note of a shielded address, proven with the spend circuit's proving key and
/// signed by the account's key (EIP-712 `Shield`). It writes the transaction's canonical bytes
/// (docs/shielded.md) and submits nothing: the engine does not take shielded transactions yet,
/// and an offline build is what an air-gapped signer does anyway.
struct ShieldedShieldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shield",
        abstract: "Build a shield offline (transparent account → a note) and write its canonical bytes.",
        discussion: "The domain must be pinned (--genesis, or --chain-id with --domain-salt). The proof takes "
            + "about a second with a release build; progress goes to standard error. Exit codes: 0 written; "
            + "4 a file could not be read or written; 64 bad usage.")

    @OptionGroup var account: KeyOptions
    @OptionGroup var domainOptions: DomainOptions

    @Option(help: ArgumentHelp("The shielded address receiving the note (zs…); default the --spending-key-file's.",
                               valueName: "address"))
    var to: String?

    @Option(help: ArgumentHelp("A spending-key file (for the change-free padding note; default: a fresh key).", valueName: "file"))
    var spendingKeyFile: String?

    @Option(help: ArgumentHelp("Value taken from the account (publicIn).", valueName: "n"))
    var amount: UInt64

    @Option(help: ArgumentHelp("Fee, out of the amount.", valueName: "n"))
    var fee: UInt64 = 0

    @Option(help: ArgumentHelp("The account's nonce.", valueName: "n"))
    var nonce: UInt64

    @Option(help: ArgumentHelp("The spend circuit's proving key (.zkey).", valueName: "file"))
    var provingKey: String

    @Option(help: ArgumentHelp("The note-tree root to prove under, 0x + 64 hex digits; default the empty tree's.",
                               valueName: "hex"))
    var root: String?

    @Option(help: ArgumentHelp("Where to write the transaction's bytes.", valueName: "file"))
    var out: String

    func validate() throws {
        guard fee <= amount else { throw ValidationError("--fee must not exceed --amount") }
        guard amount > 0 else { throw ValidationError("--amount must be positive") }
        guard to != nil || spendingKeyFile != nil else { throw ValidationError("give --to or --spending-key-file") }
    }

    func run() async throws {
        try await runReportingErrors {
            guard let domain = try domainOptions.pinned() else {
                throw CLIError.input("pin the domain: --genesis, or --chain-id with --domain-salt")
            }
            let key = try account.load()
            let spender = try spendingKeyFile.map(ShieldedKeyFiles.readSpendingKey) ?? SpendingKey.generate()
            let address: ShieldedAddress
            do { address = try to.map { try ShieldedAddress(text: $0) } ?? spender.address } catch {
                throw CLIError.input("--to: \(error)")
            }
            var anchor = NoteTree().root
            if let root {
                guard let bytes = Hex.decodePrefixed(root), bytes.count == 32, let r = Fr(bigEndian: bytes) else {
                    throw CLIError.input("--root must be 32 bytes of hex below r")
                }
                anchor = r
            }
            let start = ContinuousClock.now
            let zkey = try ZKCommand.readZKey(provingKey)
            printError("proving key read (\(ZKCommand.elapsed(since: start))); proving ...")
            let built = try SpendBuilder.build(spendingKey: spender, inputs: [],
                                               payments: [.init(to: address, value: amount - fee)],
                                               publicIn: amount, fee: fee, party: .shieldFrom(key: key, nonce: nonce),
                                               root: anchor, domain: domain, provingKey: zkey.key)
            printError("proved and signed (\(ZKCommand.elapsed(since: start)))")
            try ZKCommand.write(built.transaction.encoded, to: out)
            print("0x" + Hex.encode(built.transaction.id.bytes))
        }
    }
}
