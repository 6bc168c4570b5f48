/// EIP-712 typed data for a shield, so that the account's wallet signs it like a transfer:
///
///     primary Shield(address from,uint64 amount,uint64 nonce,bytes32 statement)
///
/// `statement` is `SpendStatement.digest`, the hash of every public input of the spend proof: the
/// signature covers the commitments the value goes to, not only the binding hash (anyone can prove
/// a statement with a given binding hash).
extension EIP712 {
    /// The encoded type of a shield.
    public static let shieldType = "Shield(address from,uint64 amount,uint64 nonce,bytes32 statement)"
    /// keccak256(shieldType).
    public static let shieldTypeHash = Keccak256.hash(utf8: shieldType)

    /// hashStruct(Shield): keccak256(typeHash ‖ from ‖ amount ‖ nonce ‖ statement), 32-byte words.
    public static func shieldStructHash(from: Address, amount: UInt64, nonce: UInt64, statement: Digest32) -> Digest32 {
        var bytes = shieldTypeHash.bytes
        bytes += Array(repeating: 0, count: 12) + from.bytes
        bytes += UInt256(amount).bigEndianBytes
        bytes += UInt256(nonce).bigEndianBytes
        bytes += statement.bytes
        return Keccak256.hash(bytes)
    }

    /// The digest a shield's account signs in `domain`.
    public static func shieldDigest(from: Address, amount: UInt64, nonce: UInt64, statement: Digest32,
                                    domain: SigningDomain) -> Digest32 {
        digest(domainSeparator: domainSeparator(domain),
               structHash: shieldStructHash(from: from, amount: amount, nonce: nonce, statement: statement))
    }
}
