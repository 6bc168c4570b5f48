import ArgumentParser
import Foundation
import GRPC
import Settlement
import SettlementAPI

/// `settlement deposit`: deposit on the (simulated) L1 for an L2 account, through the engine's
/// `settlement.v1.Validator` `Deposit` call. The engine sends the L1 transaction *as* `--from`
/// (the L1 simulator trusts the sender field). Prints the deposit id and the id of the L2
/// transaction that credits it once its L1 block is confirmed (follow it with `settlement watch`).
struct DepositCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deposit",
        abstract: "Deposit on L1 for an L2 account (L1 simulator); credited on L2 once its L1 block is confirmed.",
        discussion: "Prints the deposit id and the L2 transaction id to watch (`settlement watch TXID`). The L2 "
            + "transaction is a transfer from the bridge address 0x0000000000000000000000000000000000000000 with "
            + "nonce = the deposit id and no signature. Served only on the engine's admin listener (--admin-server), "
            + "never by a --production engine.")

    @OptionGroup var connection: ServerOptions
    @OptionGroup var admin: AdminServerOptions
    @OptionGroup var options: QueryOptions

    @Option(help: ArgumentHelp("The L2 recipient.", valueName: "0x…"))
    var to: String

    @Option(help: ArgumentHelp("Amount, decimal or 0x hex.", valueName: "n"))
    var amount: String

    @Option(help: ArgumentHelp("The paying L1 account.", valueName: "0x…"))
    var from: String = "0x00000000000000000000000000000000000d0d0d"

    func validate() throws {
        _ = try parseAddress(to, "--to")
        _ = try parseAddress(from, "--from")
        let value = try parseAmount(amount, "--amount")
        guard !value.isZero else { throw ValidationError("--amount must not be zero") }
    }

    func run() async throws {
        try await runReportingErrors {
            let recipient = try parseAddress(to, "--to"), payer = try parseAddress(from, "--from")
            let value = try parseAmount(amount, "--amount")
            let r: SettlementV1.DepositResult = try await admin.connection(connection).withClient { client in
                try await client.validatorCall(ValidatorMethods.deposit,
                                               SettlementV1.DepositRequest(from: payer.bytes, recipient: recipient.bytes,
                                                                                      amount: value.bigEndianBytes),
                                               timeout: .seconds(options.timeout))
            }
            let included = !r.l2TxId.isEmpty
            if options.json {
                var o: [String: Any] = ["l1TxHash": Format.hex(r.l1TxHash), "l1BlockNumber": r.l1BlockNumber, "events": r.events,
                                        "recipient": recipient.description, "amount": value.description,
                                        "confirmationDepth": r.confirmationDepth]
                if included {
                    o["depositId"] = r.depositId
                    o["l2TxId"] = Format.hex(r.l2TxId)
                }
                printJSON(o)
            } else {
                var rows: [(String, String)] = [("recipient", recipient.description), ("amount", value.description),
                                                ("L1 tx", Format.hex(r.l1TxHash))]
                if included {
                    rows += [("L1 block", String(r.l1BlockNumber)), ("deposit id", String(r.depositId)),
                             ("L2 tx id", Format.hex(r.l2TxId)),
                             ("next", "credited once L1 block \(r.l1BlockNumber) is \(r.confirmationDepth) blocks deep")]
                } else {
                    rows.append(("L1 block", "not included yet (still in the L1 mempool)"))
                }
                print(Format.table(rows))
            }
        }
    }
}

/// `settlement l1 reorg`: TEST AND DEMO ONLY, reorganise the simulated L1 of an engine started with
/// `--l1-reorg-injection` (`InjectL1Reorg`).
struct L1Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "l1", abstract: "The simulated L1 (test and demo tools).", subcommands: [Reorg.self])

    struct Reorg: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "TEST AND DEMO ONLY: replace the newest L1 blocks by a new branch (engine: --l1-reorg-injection).",
            discussion: "Without --drop-transactions the dropped blocks' transactions are included again by the next "
                + "blocks; with it they vanish.")

        @OptionGroup var connection: ServerOptions
        @OptionGroup var admin: AdminServerOptions
        @OptionGroup var options: QueryOptions

        @Option(help: ArgumentHelp("Newest blocks replaced.", valueName: "n"))
        var depth: UInt32

        @Flag(help: "Drop the replaced blocks' transactions instead of returning them to the mempool.")
        var dropTransactions = false

        @Option(help: ArgumentHelp("Extra empty blocks on the new branch.", valueName: "n"))
        var extraBlocks: UInt32 = 0

        func validate() throws { guard depth >= 1 else { throw ValidationError("--depth must be at least 1") } }

        func run() async throws {
            try await runReportingErrors {
                let r: SettlementV1.InjectL1ReorgResult = try await admin.connection(connection).withClient { client in
                    try await client.validatorCall(ValidatorMethods.injectL1Reorg, SettlementV1.InjectL1ReorgRequest(
                        depth: depth, dropTransactions: dropTransactions, extraBlocks: extraBlocks), timeout: .seconds(options.timeout))
                }
                if options.json {
                    printJSON(["l1BlockNumber": r.l1BlockNumber, "l1BlockHash": Format.hex(r.l1BlockHash)])
                } else {
                    print(Format.table([("new L1 head", String(r.l1BlockNumber)), ("hash", Format.hex(r.l1BlockHash))]))
                }
            }
        }
    }
}
