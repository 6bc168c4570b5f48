/// A value transfer between two L2 accounts: the one transaction kind of the rollup.
///
/// It is signed as EIP-712 typed data (`EIP712`), so its fields are exactly the members of
/// `Transfer(address from,address to,uint256 value,uint256 fee,uint64 nonce)`.
public struct Transfer: Sendable, Hashable {
    /// The sender; must equal the address recovered from the signature.
    public var from: Address
    /// The recipient.
    public var to: Address
    /// Amount moved from `from` to `to`.
    public var value: UInt256
    /// Amount paid by `from` to the sequencer's fee account.
    public var fee: UInt256
    /// The sender's strict per-account sequence number.
    public var nonce: UInt64

    public init(from: Address, to: Address, value: UInt256, fee: UInt256, nonce: UInt64) {
        self.from = from
        self.to = to
        self.value = value
        self.fee = fee
        self.nonce = nonce
    }
}

/// A transfer with the domain (chain id and deployment salt) it was signed for and its 65-byte
/// `r ‖ s ‖ v` signature.
///
/// `id` is the EIP-712 digest — the bytes that were signed — computed once at construction; it
/// names the transaction everywhere (pool, receipts, batches). Construction does not check the
/// signature: call `verify()` (the validation pipeline does, in parallel).
public struct SignedTransfer: Sendable, Hashable {
    public let transfer: Transfer
    /// The EIP-712 domain the signature is for.
    public let domain: SigningDomain
    /// r (32) ‖ s (32) ‖ v (1); v is 27 or 28 (0/1 refused). Any other length fails verification.
    public let signature: [UInt8]
    /// The EIP-712 digest of `transfer` in `domain`.
    public let id: Digest32

    /// The domain's chain id.
    public var chainId: UInt64 { domain.chainId }

    public init(transfer: Transfer, domain: SigningDomain, signature: [UInt8]) {
        self.transfer = transfer
        self.domain = domain
        self.signature = signature
        self.id = EIP712.digest(transfer, domain: domain)
    }

    /// Signs `transfer` for `domain` with `key` (CLI, load generator, tests).
    public static func sign(_ transfer: Transfer, domain: SigningDomain, with key: PrivateKey) -> SignedTransfer {
        let id = EIP712.digest(transfer, domain: domain)
        return SignedTransfer(transfer: transfer, domain: domain, signature: key.sign(digest: id), id: id)
    }

    private init(transfer: Transfer, domain: SigningDomain, signature: [UInt8], id: Digest32) {
        self.transfer = transfer
        self.domain = domain
        self.signature = signature
        self.id = id
    }

    /// The address whose key signed `id`; throws for malformed, out-of-range or high-s signatures.
    public func recoverSigner() throws(SignatureError) -> Address {
        try Secp256k1.recoverAddress(digest: id, signature: signature)
    }

    /// Succeeds only when the signature is valid and was made by `transfer.from`.
    public func verify() throws(SignatureError) {
        let signer = try recoverSigner()
        guard signer == transfer.from else { throw .signerMismatch(expected: transfer.from, recovered: signer) }
    }
}
