import GRPC
import Settlement

// Wire → domain: strict checks of the generated messages' fields before the engine sees them.

extension SettlementV1 {
    /// Strict checks of wire fields, throwing `RPCError(.invalidArgument, "field X must be N bytes,
    /// got M")`. Every length is checked before the bytes are used.
    public enum Validate {
        /// `bytes` unchanged when it has exactly `count` bytes.
        public static func exactly(_ count: Int, _ bytes: [UInt8], field: String) throws(RPCError) -> [UInt8] {
            guard bytes.count == count else {
                throw RPCError(.invalidArgument, "field \(field) must be \(count) bytes, got \(bytes.count)")
            }
            return bytes
        }

        /// A 20-byte address.
        public static func address(_ bytes: [UInt8], field: String) throws(RPCError) -> Address {
            Address(bytes: try exactly(20, bytes, field: field))!
        }

        /// A 32-byte big-endian uint256 (shorter encodings are refused: exactly 32 bytes).
        public static func uint256(_ bytes: [UInt8], field: String) throws(RPCError) -> UInt256 {
            UInt256(bigEndianBytes: try exactly(32, bytes, field: field))!
        }

        /// A 32-byte hash (tx id, state root).
        public static func digest(_ bytes: [UInt8], field: String) throws(RPCError) -> Digest32 {
            Digest32(bytes: try exactly(32, bytes, field: field))!
        }
    }
}

extension SettlementV1.SignedTransfer {
    /// The domain transfer, after checking every field's length: `from` and `to` 20 bytes,
    /// `value` and `fee` 32 bytes (big-endian, no shorter form), `signature` 65 bytes, `domain_salt`
    /// 32 bytes. The domain (chain id and salt) and the signature's validity are the engine's
    /// checks (a REJECTED receipt, not an error).
    /// - Parameter prefix: prepended to field names in messages (e.g. `"transfer."`).
    public func domainTransfer(fieldPrefix prefix: String = "") throws(RPCError) -> Settlement.SignedTransfer {
        let from = try SettlementV1.Validate.address(from, field: prefix + "from")
        let to = try SettlementV1.Validate.address(to, field: prefix + "to")
        let value = try SettlementV1.Validate.uint256(value, field: prefix + "value")
        let fee = try SettlementV1.Validate.uint256(fee, field: prefix + "fee")
        let signature = try SettlementV1.Validate.exactly(65, signature, field: prefix + "signature")
        let salt = try SettlementV1.Validate.digest(domainSalt, field: prefix + "domain_salt")
        return Settlement.SignedTransfer(transfer: Transfer(from: from, to: to, value: value, fee: fee, nonce: nonce),
                                         domain: SigningDomain(chainId: chainId, salt: salt), signature: signature)
    }
}
