import ArgumentParser
import Foundation
import Settlement
import SettlementAPI
import ZK

/// `settlement shielded shield`: value from a transparent account into a note of a shielded
/// address, proven with the spend circuit's proving key and signed by the account's key
/// (EIP-712 `Shield`). Online (no `--out`) it takes the account's nonce from `GetAccount`, the
/// engine's domain from `GetChainInfo` and the newest note root from `GetShieldedState` (a
/// shield spends no note, so any recent root serves), submits with `SubmitShielded` and prints
/// the receipt. With `--out` it builds offline (an air-gapped signer: pinned domain, `--nonce`)
/// and writes the transaction's canonical bytes (docs/shielded.md).
struct ShieldedShieldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shield",
        abstract: "Shield (transparent account → a note): submit it, or with --out build it offline and write its bytes.",
        discussion: "With --out the domain must be pinned (--genesis, or --chain-id with --domain-salt) and --nonce "
            + "given. The proof takes about a second with a release build; progress goes to standard error. Exit "
            + "codes: 0 SEQUENCED or written; 1 REJECTED (the reason is printed); 2 the server refused the call; "
            + "3 unreachable; 4 a file could not be read or written; 64 bad usage.")

    @OptionGroup var connection: ServerOptions
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

    @Option(help: ArgumentHelp("The account's nonce; default (online) its next one from the engine.", valueName: "n"))
    var nonce: UInt64?

    @Option(help: ArgumentHelp("The spend circuit's proving key (.zkey).", valueName: "file"))
    var provingKey: String

    @Option(help: ArgumentHelp("The note-tree root to prove under, 0x + 64 hex digits; default the engine's newest "
                                   + "(offline: the empty tree's).", valueName: "hex"))
    var root: String?

    @Option(help: ArgumentHelp("Write the transaction's bytes here instead of submitting it.", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("Seconds to wait for each call (and for the receipt).", valueName: "seconds"))
    var timeout: Int = 120

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard fee <= amount else { throw ValidationError("--fee must not exceed --amount") }
        guard amount > 0 else { throw ValidationError("--amount must be positive") }
        guard to != nil || spendingKeyFile != nil else { throw ValidationError("give --to or --spending-key-file") }
        if out != nil, nonce == nil { throw ValidationError("--out (offline) needs --nonce") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        try await runReportingErrors {
            let key = try account.load()
            let spender = try spendingKeyFile.map(ShieldedKeyFiles.readSpendingKey) ?? SpendingKey.generate()
            let address: ShieldedAddress
            do { address = try to.map { try ShieldedAddress(text: $0) } ?? spender.address } catch {
                throw CLIError.input("--to: \(error)")
            }
            var anchor: Fr?
            if let root {
                guard let bytes = Hex.decodePrefixed(root), bytes.count == 32, let r = Fr(bigEndian: bytes) else {
                    throw CLIError.input("--root must be 32 bytes of hex below r")
                }
                anchor = r
            }
            let domain: SigningDomain, accountNonce: UInt64
            if out != nil {
                guard let pinned = try domainOptions.pinned() else {
                    throw CLIError.input("pin the domain: --genesis, or --chain-id with --domain-salt")
                }
                domain = pinned
                accountNonce = nonce!
                anchor = anchor ?? NoteTree().root
            } else {
                ShieldedProgress.phase("reading the engine's domain, the account's nonce and the note root ...")
                (domain, accountNonce, anchor) = try await connection.withClient { client in
                    let domain = try await domainOptions.resolve(client, timeout: timeout)
                    var n = nonce
                    if n == nil {
                        let a: SettlementV1.Account = try await client.unary(
                            SettlementMethods.getAccount, SettlementV1.GetAccountRequest(address: key.address.bytes),
                            timeout: .seconds(timeout))
                        n = a.nonce
                    }
                    let state: SettlementV1.ShieldedState = try await client.unary(
                        SettlementMethods.getShieldedState, SettlementV1.GetShieldedStateRequest(), timeout: .seconds(timeout))
                    guard state.acceptsShielded else { throw CLIError.input("the engine takes no shielded transactions") }
                    guard let newest = state.recentRoots.last.flatMap({ $0.count == 32 ? Fr(bigEndian: $0) : nil }) else {
                        throw CLIError.input("the engine's shielded state has no valid recent root")
                    }
                    return (domain, n!, anchor ?? newest)
                }
            }
            let tx = try await ShieldedSpendOptions.prove(provingKey) { zkey throws(SpendBuilder.BuildError) in
                try SpendBuilder.build(spendingKey: spender, inputs: [],
                                       payments: [.init(to: address, value: amount - fee)],
                                       publicIn: amount, fee: fee, party: .shieldFrom(key: key, nonce: accountNonce),
                                       root: anchor!, domain: domain, provingKey: zkey)
            }
            if let out {
                try ZKCommand.write(tx.encoded, to: out)
                print("0x" + Hex.encode(tx.id.bytes))
                return
            }
            let receipt = try await connection.withClient { client in
                try await ShieldedSubmission.submit(tx.encoded, client: client, timeout: .seconds(timeout))
            }
            try ShieldedSubmission.show(receipt, json: json,
                                        extra: [("from", key.address.description), ("nonce", String(accountNonce))])
        }
    }
}
