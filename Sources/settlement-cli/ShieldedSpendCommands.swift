import ArgumentParser
import Foundation
import Settlement
import SettlementAPI
import ZK

/// The options of `settlement shielded send` and `unshield`: the engine, the wallet, the amount,
/// the proving key, and `--out` to write the transaction instead of submitting it.
struct ShieldedSpendOptions: ParsableArguments {
    @OptionGroup var connection: ServerOptions
    @OptionGroup var walletOptions: ShieldedWalletOptions
    @OptionGroup var domainOptions: DomainOptions

    @Option(help: ArgumentHelp("Value paid.", valueName: "n"))
    var amount: UInt64

    @Option(help: ArgumentHelp("Fee, on top of the amount; default the engine's minimum.", valueName: "n"))
    var fee: UInt64?

    @Option(help: ArgumentHelp("The spend circuit's proving key (.zkey).", valueName: "file"))
    var provingKey: String

    @Option(help: ArgumentHelp("Write the transaction's canonical bytes here instead of submitting it.", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("Seconds to wait for each call (and for the receipt).", valueName: "seconds"))
    var timeout: Int = 120

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard amount > 0 else { throw ValidationError("--amount must be positive") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    /// Scans, chooses notes, proves against the wallet's tree, then submits (or writes `--out`).
    /// `payment` is the transfer's payment (nil for an unshield), `publicOut` an unshield's value.
    func spend(party: SpendBuilder.TransparentParty, payment: ShieldedAddress?, publicOut: UInt64) async throws {
        let key = try ShieldedKeyFiles.readSpendingKey(walletOptions.spendingKeyFile)
        var wallet = try ShieldedWallet.load(walletOptions.walletPath, key: key)
        ShieldedProgress.phase("scanning ...")
        let (domain, state) = try await connection.withClient { client in
            let domain = try await domainOptions.resolve(client, timeout: timeout)
            let (_, state) = try await ShieldedScanner(client: client, key: key, timeout: .seconds(timeout)).scan(&wallet)
            return (domain, state)
        }
        try wallet.save(walletOptions.walletPath, key: key)
        guard state.acceptsShielded else { throw CLIError.input("the engine takes no shielded transactions") }
        let fee = self.fee ?? state.minimumFee
        let (need, overflow) = amount.addingReportingOverflow(fee)
        guard !overflow else { throw CLIError.input("--amount plus --fee overflows") }
        let chosen = try Self.choose(wallet.unspent, covering: need)
        let tree: NoteTree
        do { tree = try NoteTree(commitments: wallet.commitments) } catch { throw CLIError.input("the wallet's note tree: \(error)") }
        guard state.recentRoots.contains(tree.root.bigEndianBytes) else {
            throw CLIError.input("the wallet's note-tree root is not among the engine's recent roots (scanned "
                                 + "\(wallet.position) notes, the engine holds \(state.noteCount)); scan again")
        }
        let inputs = chosen.map { n in
            SpendBuilder.Input(note: n.note, position: UInt32(n.position), siblings: tree.path(at: Int(n.position)) ?? [])
        }
        let change = chosen.reduce(0) { $0 + $1.note.value } - need
        var payments: [SpendBuilder.Payment] = []
        if let payment { payments.append(.init(to: payment, value: amount)) }
        if change > 0 { payments.append(.init(to: key.address, value: change)) }
        ShieldedProgress.phase("spending \(chosen.count) note(s) of \(chosen.map { String($0.note.value) }.joined(separator: " + ")), "
                               + "change \(change), fee \(fee)")
        let bytes = try await Self.prove(provingKey) { zkey throws(SpendBuilder.BuildError) in
            try SpendBuilder.build(spendingKey: key, inputs: inputs, payments: payments, publicOut: publicOut, fee: fee,
                                   party: party, root: tree.root, domain: domain, provingKey: zkey)
        }
        if let out {
            try ZKCommand.write(bytes.encoded, to: out)
            print("0x" + Hex.encode(bytes.id.bytes))
            return
        }
        let receipt = try await connection.withClient { client in
            try await ShieldedSubmission.submit(bytes.encoded, client: client, timeout: .seconds(timeout))
        }
        try ShieldedSubmission.show(receipt, json: json, extra: [("fee", String(fee))])
    }

    /// Loads the proving key and proves (phase messages and a spinner on standard error).
    static func prove(_ path: String,
                      _ build: (Groth16.ProvingKey) throws(SpendBuilder.BuildError) -> SpendBuilder.Built) async throws -> ShieldedTransaction {
        let zkey = try await ShieldedProgress.spinning("loading the proving key") { try ZKCommand.readZKey(path) }
        let built = try await ShieldedProgress.spinning("proving") { () throws -> SpendBuilder.Built in
            do { return try build(zkey.key) } catch { throw CLIError.input("cannot build the transaction: \(error)") }
        }
        return built.transaction
    }

    /// At most two unspent notes worth at least `need`: the smallest single note that covers it,
    /// else the two largest.
    static func choose(_ unspent: [ShieldedWallet.OwnNote], covering need: UInt64) throws -> [ShieldedWallet.OwnNote] {
        let sorted = unspent.sorted { $0.note.value < $1.note.value }
        if let one = sorted.first(where: { $0.note.value >= need }) { return [one] }
        let two = Array(sorted.suffix(2))
        let total = two.reduce(UInt64(0)) { $0.addingReportingOverflow($1.note.value).partialValue }
        guard two.count == 2, total >= need else {
            let balance = unspent.reduce(UInt64(0)) { $0 &+ $1.note.value }
            throw CLIError.input("insufficient shielded funds: need \(need) in at most two notes; the wallet holds "
                                 + "\(balance) in \(unspent.count) unspent note(s)")
        }
        return two
    }
}

/// `settlement shielded send --to zs… --amount N`: a shielded transfer from the wallet's notes.
struct ShieldedSendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Pay a shielded address from the wallet's notes (scan, prove, submit).",
        discussion: "Spends at most two notes; the change goes back to the wallet. Exit codes: 0 SEQUENCED (or "
            + "written with --out); 1 REJECTED (the reason is printed); 2 the server refused the call; 3 unreachable; "
            + "4 local input (files, funds).")

    @OptionGroup var options: ShieldedSpendOptions

    @Option(help: ArgumentHelp("The recipient's shielded address (zs…).", valueName: "address"))
    var to: String

    func validate() throws {
        do { _ = try ShieldedAddress(text: to) } catch { throw ValidationError("--to: \(error)") }
    }

    func run() async throws {
        try await runReportingErrors {
            try await options.spend(party: .none, payment: try ShieldedAddress(text: to), publicOut: 0)
        }
    }
}

/// `settlement shielded unshield --to 0x… --amount N`: the wallet's notes to a transparent account.
struct ShieldedUnshieldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unshield",
        abstract: "Move value from the wallet's notes to a transparent address (scan, prove, submit).",
        discussion: "Exit codes as `settlement shielded send`.")

    @OptionGroup var options: ShieldedSpendOptions

    @Option(help: ArgumentHelp("The transparent recipient (0x + 40 hex digits).", valueName: "address"))
    var to: String

    func validate() throws { _ = try parseAddress(to, "--to") }

    func run() async throws {
        try await runReportingErrors {
            try await options.spend(party: .unshieldTo(try parseAddress(to, "--to")), payment: nil, publicOut: options.amount)
        }
    }
}

/// `settlement shielded submit FILE`: submits a transaction's canonical bytes as written by
/// `--out` (an air-gapped build, or a test's altered copy) and prints the receipt.
struct ShieldedSubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a shielded transaction's canonical bytes (as written by --out).",
        discussion: "Exit codes: 0 SEQUENCED; 1 REJECTED; 2 the server refused the call (INVALID_ARGUMENT for bytes "
            + "that do not decode); 3 unreachable; 4 the file could not be read.")

    @OptionGroup var connection: ServerOptions

    @Argument(help: ArgumentHelp("The transaction file.", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("Seconds to wait for the receipt.", valueName: "seconds"))
    var timeout: Int = 60

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            // One byte past the largest transaction: the engine says what is wrong with a longer one.
            let bytes = try ZKCommand.readBounded(file, limit: ShieldedTransaction.maxSize + 1)
            let receipt = try await connection.withClient { client in
                try await ShieldedSubmission.submit(bytes, client: client, timeout: .seconds(timeout))
            }
            try ShieldedSubmission.show(receipt, json: json)
        }
    }
}
