import ArgumentParser
import Foundation
import GRPC
import Settlement
import SettlementAPI

/// `settlement force`: sign a transfer with the user's own key and put it in the (simulated) L1
/// arbiter's inbox through the engine's `SubmitToInbox` admin call, so that the sequencer must
/// include it within the inclusion delay (docs/protocol-security.md, "Censorship resistance").
struct ForceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "force",
        abstract: "Sign a transfer and force it through the L1 inbox (L1 simulator): the sequencer must include it.",
        discussion: "The arbiter refuses every commitment that leaves it unconsumed past its inclusion delay (12 hours "
            + "by default). On L2 it is applied under the normal rules, or skipped with no effect (bad nonce, too "
            + "little balance); either way it is consumed by its inbox marker, a transaction from 0x00…01 whose id is "
            + "printed (`settlement watch`). Served only on the engine's "
            + "admin listener (--admin-server), never by a --production engine.")

    @OptionGroup var connection: ServerOptions
    @OptionGroup var admin: AdminServerOptions
    @OptionGroup var keys: KeyOptions
    @OptionGroup var options: QueryOptions

    @Option(help: ArgumentHelp("Recipient address.", valueName: "address"))
    var to: String

    @Option(help: ArgumentHelp("Amount, decimal or 0x hex (uint256).", valueName: "n"))
    var value: String

    @Option(help: ArgumentHelp("Fee paid to the sequencer, decimal or 0x hex.", valueName: "n"))
    var fee: String = "0"

    @Option(help: ArgumentHelp("Sender nonce; default: the engine's next nonce for the sender (--server).", valueName: "n"))
    var nonce: UInt64?

    @OptionGroup var domain: DomainOptions

    @Option(help: ArgumentHelp("The L1 account sending the inbox transaction.", valueName: "0x…"))
    var l1From: String = "0x00000000000000000000000000000000000d0d0d"

    func validate() throws {
        _ = try parseAddress(to, "--to")
        _ = try parseAddress(l1From, "--l1-from")
        _ = try parseAmount(value, "--value")
        _ = try parseAmount(fee, "--fee")
    }

    func run() async throws {
        try await runReportingErrors {
            let key = try keys.load()
            let recipient = try parseAddress(to, "--to"), sender = try parseAddress(l1From, "--l1-from")
            let amount = try parseAmount(value, "--value"), feeAmount = try parseAmount(fee, "--fee")
            // The deployment's domain (from the engine, checked against what the command line pins).
            let (signingDomain, n): (SigningDomain, UInt64) = try await connection.withClient { client in
                let signingDomain = try await domain.resolve(client, timeout: options.timeout)
                if let nonce { return (signingDomain, nonce) }
                let account: SettlementV1.Account = try await client.unary(
                    SettlementMethods.getAccount, SettlementV1.GetAccountRequest(address: key.address.bytes), timeout: .seconds(options.timeout))
                return (signingDomain, account.nonce)
            }
            let signed = SignedTransfer.sign(Transfer(from: key.address, to: recipient, value: amount, fee: feeAmount, nonce: n),
                                             domain: signingDomain, with: key)
            let r: SettlementV1.L1CallResult = try await admin.connection(connection).withClient { client in
                try await client.validatorCall(ValidatorMethods.submitToInbox, SettlementV1.SubmitToInboxRequest(
                    from: sender.bytes, transfer: SettlementV1.SignedTransfer(signed)), timeout: .seconds(options.timeout))
            }
            // The L2 transaction to watch is the item's marker (its id names the inbox id).
            let inboxID = r.events.lazy.compactMap { e -> UInt64? in
                guard let start = e.range(of: "inboxItemSubmitted(id: ") else { return nil }
                return UInt64(e[start.upperBound...].prefix { $0.isNumber })
            }.first
            let marker = inboxID.map { L1InboxItem.marker(id: $0, sender: key.address, domain: signingDomain).id.description }
            if options.json {
                var o: [String: Any] = ["l1TxHash": Format.hex(r.l1TxHash), "l1BlockNumber": r.l1BlockNumber, "events": r.events,
                                        "transferId": signed.id.description, "nonce": n]
                if let inboxID, let marker {
                    o["inboxId"] = inboxID
                    o["l2TxId"] = marker
                }
                printJSON(o)
            } else {
                var rows = [("transfer id", signed.id.description), ("nonce", String(n)), ("L1 tx", Format.hex(r.l1TxHash)),
                            ("L1 block", r.l1BlockNumber == 0 ? "not included yet" : String(r.l1BlockNumber))]
                if let inboxID, let marker {
                    rows += [("inbox id", String(inboxID)), ("L2 tx id", marker), ("next", "watch the marker: settlement watch \(marker)")]
                }
                print(Format.table(rows))
            }
        }
    }
}
