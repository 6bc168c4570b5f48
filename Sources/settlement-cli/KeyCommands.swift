import ArgumentParser
import Foundation
import GRPC
import Settlement
import SettlementAPI

/// `settlement keygen`: a fresh secp256k1 key from the system CSPRNG and its Ethereum address.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a new private key (hex) and its address.",
        discussion: "The key is printed in clear: keep it out of shell history and logs. --json output can be "
            + "given to `submit --key-file` as it is.")

    @Flag(help: "Print {\"privateKey\": ..., \"address\": ...}.")
    var json = false

    func run() throws {
        let key = PrivateKey.generate()
        let hex = "0x" + Hex.encode(key.bytes)
        if json {
            printJSON(["privateKey": hex, "address": key.address.description])
        } else {
            print(Format.table([("private key", hex), ("address", key.address.description)]))
        }
    }
}

/// `--key HEX` or `--key-file FILE`.
struct KeyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Sender's private key, 64 hex digits (0x optional). Prefer --key-file.",
                               valueName: "hex"))
    var key: String?

    @Option(help: ArgumentHelp("File holding the private key: hex, or the JSON printed by `keygen --json`; "
                                   + "- reads standard input.", valueName: "file"))
    var keyFile: String?

    func validate() throws {
        guard (key == nil) != (keyFile == nil) else { throw ValidationError("give exactly one of --key and --key-file") }
    }

    /// The key, parsed and checked.
    func load() throws -> PrivateKey {
        var text: String
        var origin = "--key"
        if let key {
            text = key
        } else {
            let path = keyFile!
            origin = path == "-" ? "standard input" : path
            let data: Data?
            if path == "-" { data = FileHandle.standardInput.readDataToEndOfFile() }
            else { data = FileManager.default.contents(atPath: path) }
            guard let data else { throw CLIError.input("cannot read the key file \(path)") }
            text = String(decoding: data, as: UTF8.self)
            if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
                guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                      let k = obj["privateKey"] as? String else {
                    throw CLIError.input("\(origin): JSON key files need a \"privateKey\" string (as `keygen --json` prints)")
                }
                text = k
            }
        }
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        do { return try PrivateKey(hex: text) } catch {
            throw CLIError.input("\(origin): not a private key: \(error) (expected 64 hex digits, 0x optional)")
        }
    }
}

/// Parses an address argument, or fails with a usage error naming `what`.
func parseAddress(_ text: String, _ what: String) throws -> Address {
    guard let a = Address(hex: text) else {
        throw ValidationError("\(what) must be a 20-byte hex address (40 hex digits, 0x optional), got \"\(text)\"")
    }
    return a
}

/// Parses a 32-byte hash argument (tx id, state root).
func parseDigest(_ text: String, _ what: String) throws -> Digest32 {
    guard let d = Digest32(hex: text) else {
        throw ValidationError("\(what) must be 32 bytes of hex (64 hex digits, 0x optional), got \"\(text)\"")
    }
    return d
}

/// Parses a uint256 amount: decimal, or 0x hex.
func parseAmount(_ text: String, _ what: String) throws -> UInt256 {
    guard let v = UInt256(parsing: text) else {
        throw ValidationError("\(what) must be a non-negative integer below 2^256 (decimal or 0x hex), got \"\(text)\"")
    }
    return v
}

/// `settlement submit`: sign an EIP-712 transfer and submit it with `SubmitTransaction`.
struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign a transfer and submit it; waits until it is in a durable batch or rejected.",
        discussion: "Prints the transaction id, its status, and the batch and state root (SEQUENCED) or the "
            + "rejection reason (REJECTED, exit code 1). Without --nonce the sender's next nonce is read from the "
            + "engine (GetAccount). The transfer is signed for the engine's EIP-712 domain (GetChainInfo) unless "
            + "--genesis or --domain-salt pin one (then a different engine domain signs nothing).")

    @OptionGroup var connection: ServerOptions
    @OptionGroup var keys: KeyOptions

    @Option(help: ArgumentHelp("Recipient address.", valueName: "address"))
    var to: String

    @Option(help: ArgumentHelp("Amount, decimal or 0x hex (uint256).", valueName: "n"))
    var value: String

    @Option(help: ArgumentHelp("Fee paid to the sequencer, decimal or 0x hex.", valueName: "n"))
    var fee: String = "0"

    @Option(help: ArgumentHelp("Sender nonce; default: the engine's next nonce for the sender.", valueName: "n"))
    var nonce: UInt64?

    @OptionGroup var domain: DomainOptions

    @Option(help: ArgumentHelp("Seconds to wait for the receipt.", valueName: "seconds"))
    var timeout: Int = 60

    @Flag(help: "Sign and print the transfer without sending it (needs --nonce).")
    var dryRun = false

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        _ = try parseAddress(to, "--to")
        _ = try parseAmount(value, "--value")
        _ = try parseAmount(fee, "--fee")
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        if dryRun, nonce == nil { throw ValidationError("--dry-run needs --nonce (it does not contact the engine)") }
        if dryRun, domain.genesis == nil, domain.domainSalt == nil {
            throw ValidationError("--dry-run needs --genesis or --domain-salt (it does not ask the engine for its domain)")
        }
    }

    func run() async throws {
        try await runReportingErrors {
            let key = try keys.load()
            let from = key.address
            let recipient = try parseAddress(to, "--to")
            let amount = try parseAmount(value, "--value"), feeAmount = try parseAmount(fee, "--fee")
            if dryRun {
                guard let pinned = try domain.pinned() else { throw CLIError.input("--dry-run needs a pinned domain") }
                let signed = SignedTransfer.sign(Transfer(from: from, to: recipient, value: amount, fee: feeAmount,
                                                          nonce: nonce!), domain: pinned, with: key)
                printSigned(signed)
                return
            }
            let (receipt, n): (SettlementV1.TransactionReceipt, UInt64) = try await connection.withClient { client in
                let signingDomain = try await domain.resolve(client, timeout: timeout)
                var n = nonce
                if n == nil {
                    let account: SettlementV1.Account = try await client.unary(
                        SettlementMethods.getAccount, SettlementV1.GetAccountRequest(address: from.bytes), timeout: .seconds(timeout))
                    n = account.nonce
                }
                let signed = SignedTransfer.sign(Transfer(from: from, to: recipient, value: amount, fee: feeAmount,
                                                          nonce: n!), domain: signingDomain, with: key)
                let receipt: SettlementV1.TransactionReceipt = try await client.unary(
                    SettlementMethods.submitTransaction, SettlementV1.SignedTransfer(signed), timeout: .seconds(timeout))
                return (receipt, n!)
            }
            if json {
                var o = JSONForm.receipt(receipt)
                o["from"] = from.description
                o["nonce"] = n
                printJSON(o)
            } else {
                var rows: [(String, String)] = [("tx id", Format.hex(receipt.txId)), ("status", Format.status(receipt.status)),
                                                ("from", from.description), ("nonce", String(n))]
                if receipt.status == .rejected {
                    rows.append(("reason", receipt.rejectionReason))
                } else {
                    rows.append(("batch", String(receipt.batchNumber)))
                    rows.append(("state root", Format.hex(receipt.stateRoot)))
                }
                print(Format.table(rows))
            }
            if receipt.status == .rejected { throw CLIError.failed }
        }
    }

    private func printSigned(_ s: SignedTransfer) {
        if json {
            printJSON(["txId": s.id.description, "from": s.transfer.from.description, "to": s.transfer.to.description,
                       "value": s.transfer.value.description, "fee": s.transfer.fee.description, "nonce": s.transfer.nonce,
                       "chainId": s.chainId, "domainSalt": s.domain.salt.description, "signature": Format.hex(s.signature)])
        } else {
            print(Format.table([("tx id", s.id.description), ("from", s.transfer.from.description),
                                ("to", s.transfer.to.description), ("value", s.transfer.value.description),
                                ("fee", s.transfer.fee.description), ("nonce", String(s.transfer.nonce)),
                                ("chain id", String(s.chainId)), ("domain salt", s.domain.salt.description),
                                ("signature", Format.hex(s.signature))]))
        }
    }
}
