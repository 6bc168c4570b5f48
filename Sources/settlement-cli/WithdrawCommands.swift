import ArgumentParser
import Foundation
import GRPC
import Settlement
import SettlementAPI

/// `settlement withdraw`: move funds from L2 to an L1 account. `withdraw send` (the default) burns
/// them on L2 with a signed transfer to the recipient's exit address (`Withdrawals.exitAddress`);
/// once a commitment covering that transfer is FINALIZED, `withdraw claim` has the engine prove
/// the exit balance and claim it on L1; `withdraw status` shows burned and claimed totals.
struct WithdrawCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdraw",
        abstract: "Withdraw to L1: burn on L2 (default), then claim on L1 against a finalized commitment.",
        discussion: "1. settlement withdraw --key KEY --to-l1 ADDR --amount N --fee F\n"
            + "2. wait until `settlement finality` shows the commitment holding that batch FINALIZED\n"
            + "3. settlement withdraw claim --to-l1 ADDR --commitment INDEX",
        subcommands: [Send.self, Claim.self, Info.self], defaultSubcommand: Send.self)

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Burn funds on L2 for an L1 recipient: a signed transfer to its exit address.",
            discussion: "Signed and submitted like `settlement submit`; prints the exit address, the transaction "
                + "and its batch (exit code 1 when rejected).")

        @OptionGroup var connection: ServerOptions
        @OptionGroup var keys: KeyOptions

        @Option(name: .customLong("to-l1"), help: ArgumentHelp("The L1 recipient.", valueName: "0x…"))
        var toL1: String

        @Option(help: ArgumentHelp("Amount, decimal or 0x hex.", valueName: "n"))
        var amount: String

        @Option(help: ArgumentHelp("Fee paid to the sequencer, decimal or 0x hex.", valueName: "n"))
        var fee: String = "0"

        @OptionGroup var domain: DomainOptions

        @Option(help: ArgumentHelp("Seconds to wait for the receipt.", valueName: "seconds"))
        var timeout: Int = 60

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            _ = try parseAddress(toL1, "--to-l1")
            _ = try parseAmount(amount, "--amount")
            _ = try parseAmount(fee, "--fee")
            guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        }

        func run() async throws {
            try await runReportingErrors {
                let key = try keys.load()
                let recipient = try parseAddress(toL1, "--to-l1")
                let value = try parseAmount(amount, "--amount"), feeAmount = try parseAmount(fee, "--fee")
                let (receipt, exit): (SettlementV1.TransactionReceipt, Address) = try await connection.withClient { client in
                    // The exit address is the deployment's: derived in the domain the burn is signed for.
                    let signingDomain = try await domain.resolve(client, timeout: timeout)
                    let exit = Withdrawals.exitAddress(for: recipient, in: signingDomain)
                    let account: SettlementV1.Account = try await client.unary(
                        SettlementMethods.getAccount, SettlementV1.GetAccountRequest(address: key.address.bytes), timeout: .seconds(timeout))
                    let signed = SignedTransfer.sign(Transfer(from: key.address, to: exit, value: value, fee: feeAmount,
                                                              nonce: account.nonce), domain: signingDomain, with: key)
                    return (try await client.unary(SettlementMethods.submitTransaction,
                                                   SettlementV1.SignedTransfer(signed),
                                                   timeout: .seconds(timeout)), exit)
                }
                if json {
                    var o = JSONForm.receipt(receipt)
                    o["exitAddress"] = exit.description
                    o["l1Recipient"] = recipient.description
                    o["amount"] = value.description
                    printJSON(o)
                } else {
                    var rows: [(String, String)] = [("tx id", Format.hex(receipt.txId)), ("status", Format.status(receipt.status)),
                                                    ("L1 recipient", recipient.description), ("exit address", exit.description),
                                                    ("amount", value.description)]
                    if receipt.status == .rejected {
                        rows.append(("reason", receipt.rejectionReason))
                    } else {
                        rows.append(("batch", String(receipt.batchNumber)))
                        rows.append(("next", "claim once the commitment holding batch \(receipt.batchNumber) is FINALIZED"))
                    }
                    print(Format.table(rows))
                }
                if receipt.status == .rejected { throw CLIError.failed }
            }
        }
    }

    struct Claim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Claim on L1 what was burned for a recipient, proven against a finalized commitment.",
            discussion: "The engine proves the exit account at the commitment's last batch and submits the claim as "
                + "the recipient (an L1 simulator convenience). Claims are cumulative: a second claim at the same "
                + "commitment is refused (nothing left to claim).")

        @OptionGroup var connection: ServerOptions
        @OptionGroup var options: QueryOptions

        @Option(name: .customLong("to-l1"), help: ArgumentHelp("The L1 recipient.", valueName: "0x…"))
        var toL1: String

        @Option(help: ArgumentHelp("The finalized commitment's index (see `settlement finality`).", valueName: "n"))
        var commitment: UInt64

        func validate() throws { _ = try parseAddress(toL1, "--to-l1") }

        func run() async throws {
            try await runReportingErrors {
                let recipient = try parseAddress(toL1, "--to-l1")
                let r: SettlementV1.L1CallResult = try await connection.withClient { client in
                    try await client.validatorCall(
                        ValidatorMethods.claimWithdrawal,
                        SettlementV1.ClaimWithdrawalRequest(recipient: recipient.bytes, commitmentIndex: commitment),
                        timeout: .seconds(options.timeout))
                }
                print(Format.l1Call(r, json: options.json, extra: [("recipient", recipient.description),
                                                                   ("commitment", String(commitment))]))
            }
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status", abstract: "Show what was burned on L2 and claimed on L1 for a recipient.")

        @OptionGroup var connection: ServerOptions
        @OptionGroup var options: QueryOptions

        @Option(name: .customLong("to-l1"), help: ArgumentHelp("The L1 recipient.", valueName: "0x…"))
        var toL1: String

        func validate() throws { _ = try parseAddress(toL1, "--to-l1") }

        func run() async throws {
            try await runReportingErrors {
                let recipient = try parseAddress(toL1, "--to-l1")
                let w: SettlementV1.WithdrawalInfo = try await connection.withClient { client in
                    try await client.validatorCall(ValidatorMethods.getWithdrawal,
                                                   SettlementV1.GetWithdrawalRequest(recipient: recipient.bytes),
                                                   timeout: .seconds(options.timeout))
                }
                if options.json {
                    printJSON(["recipient": Format.hex(w.recipient), "exitAddress": Format.hex(w.exitAddress),
                               "burned": Format.uint256(w.burned), "claimed": Format.uint256(w.claimed)])
                } else {
                    print(Format.table([("L1 recipient", recipient.description), ("exit address", Format.hex(w.exitAddress)),
                                        ("burned on L2", Format.uint256(w.burned)), ("claimed on L1", Format.uint256(w.claimed))]))
                }
            }
        }
    }
}
