import ArgumentParser
import Foundation
import Settlement
import ZK

/// `settlement shielded inspect FILE`: decodes a shielded transaction's canonical bytes and
/// prints it as JSON: kind, id, the statement (the nine public inputs as snarkjs `public.json`
/// writes them), the proof (as snarkjs `proof.json`), the transparent party; and the checks a
/// verifier makes: shape and binding hash (with a pinned domain), the shield's signature, the
/// proof (with --verification-key). Exit 1 when a check fails, 4 when the file does not decode.
struct ShieldedInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Decode a shielded transaction and check it: shape, binding, signature, proof.")

    @Argument(help: ArgumentHelp("The transaction's bytes (as `shielded shield --out` writes them).", valueName: "file"))
    var file: String

    @OptionGroup var domainOptions: DomainOptions

    @Option(help: ArgumentHelp("The spend circuit's verification_key.json (snarkjs).", valueName: "file"))
    var verificationKey: String?

    func run() async throws {
        try await runReportingErrors {
            let bytes = try ZKCommand.readBounded(file, limit: ShieldedTransaction.maxSize + 1)
            let tx: ShieldedTransaction
            do { tx = try ShieldedTransaction(encoded: bytes) } catch {
                printError("\(file): \(error)")
                throw ExitCode(4)
            }
            var checks: [String: Any] = [:]
            var failed = false
            func record(_ name: String, _ body: () throws -> Void) {
                do {
                    try body()
                    checks[name] = "ok"
                } catch {
                    checks[name] = "\(error)"
                    failed = true
                }
            }
            if let domain = try domainOptions.pinned() {
                record("shape") { try tx.checkShape(domain: domain) }
                if tx.shield != nil { record("signature") { try tx.checkShieldSignature(domain: domain) } }
            }
            if let verificationKey {
                let vkBytes = try ZKCommand.readBounded(verificationKey, limit: 1 << 20)
                let vk: Groth16.VerifyingKey
                do { vk = try Groth16JSON.verifyingKey(from: vkBytes) } catch {
                    throw CLIError.input("\(verificationKey): \(error)")
                }
                record("proof") {
                    guard Groth16.verify(vk, tx.proof, publicInputs: tx.statement.publicInputs) else {
                        throw ShieldedRefusal.invalidProof
                    }
                }
            }
            var object: [String: Any] = [
                "kind": "\(tx.kind)",
                "id": "0x" + Hex.encode(tx.id.bytes),
                "public": tx.statement.publicInputs.map { $0.canonical.decimalString },
                "proof": try JSONSerialization.jsonObject(with: Data(Groth16JSON.encode(tx.proof))),
                "checks": checks,
            ]
            if let shield = tx.shield {
                object["from"] = shield.from.description
                object["nonce"] = String(shield.nonce)
                object["signature"] = "0x" + Hex.encode(shield.signature)
            }
            if let recipient = tx.recipient { object["recipient"] = recipient.description }
            printJSON(object)
            if failed { throw ExitCode(1) }
        }
    }
}
