import Settlement
import ZK

/// The shielded transaction's decoder (what `SubmitShielded` and the L1 batch data will read):
/// bytes that decode re-encode to themselves (one encoding per transaction), and the stateless
/// checks run on whatever decodes without trapping.
enum ShieldedTransactionTarget {
    static let domain = SigningDomain(chainId: 1, salt: Keccak256.hash(utf8: "fuzz"))

    static let target = FuzzTarget(name: "shielded-transactions", summary: "shielded transaction decoding and its stateless checks") { bytes in
        guard let tx = try? ShieldedTransaction(encoded: bytes) else { return }
        precondition(tx.encoded == bytes, "a shielded transaction decoded from bytes that are not its encoding")
        _ = try? tx.checkShape(domain: domain)
        _ = try? tx.checkShieldSignature(domain: domain)
        _ = tx.id
    }

    /// One transaction of each kind (valid points, not a valid proof; a real signature).
    static var seeds: [[UInt8]] {
        let key = try! PrivateKey(hex: "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
        let proof = Groth16.Proof(a: BN254G1.generator, b: BN254G2.generator, c: BN254G1.generator)
        return [ShieldedTransaction.Kind.shield, .transfer, .unshield].map { kind in
            let cts = [[UInt8](repeating: kind.rawValue, count: ShieldedTransaction.ciphertextSize),
                       [UInt8](repeating: kind.rawValue + 1, count: ShieldedTransaction.ciphertextSize)]
            var tx = ShieldedTransaction(
                kind: kind,
                statement: SpendStatement(root: Fr(1), nullifiers: [Fr(2), Fr(3)], commitments: [Fr(4), Fr(5)],
                                          publicIn: kind == .shield ? 10 : 0, publicOut: kind == .unshield ? 10 : 0,
                                          fee: 1, binding: .zero),
                proof: proof, ciphertexts: cts,
                shield: kind == .shield ? .init(from: key.address, nonce: 0, signature: []) : nil,
                recipient: kind == .unshield ? key.address : nil)
            tx.statement.binding = tx.bindingHash(domain: domain)
            if kind == .shield {
                tx.shield!.signature = ShieldedTransaction.shieldSignature(statement: tx.statement, from: key.address,
                                                                            nonce: 0, domain: domain, key: key)
            }
            return tx.encoded
        }
    }
}
