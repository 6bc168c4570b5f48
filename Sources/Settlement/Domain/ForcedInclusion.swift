extension Address {
    /// The L1 inbox's address on L2: the sender of every *inbox marker*, the L2 transaction that
    /// applies a forced transfer from the L1 inbox. It is 0x0000000000000000000000000000000000000001,
    /// which no key can sign for, so `ValidationPipeline` refuses any submitted transfer from it.
    ///
    /// Its account's nonce is the number of inbox items consumed so far (marker `k` is the inbox's
    /// transfer with nonce `k`), as the bridge's nonce counts the deposits credited.
    public static let inbox = Address(bytes: [UInt8](repeating: 0, count: 19) + [1])!
}

/// A transfer forced through the L1 arbiter's inbox (`L1Transaction.Call.submitToInbox`): a user's
/// own signed L2 transfer, which the sequencer must include within the arbiter's inclusion delay
/// (see docs/protocol-security.md, "Censorship resistance"). Ids are 0, 1, 2, ... in the
/// canonical chain's order.
///
/// The arbiter checks only its format at submission. On L2 it is applied by its *marker*
/// (`marker(domain:)`): the inbox's transfer with nonce `id` to the transfer's sender, value and
/// fee 0, no signature. Executing the marker advances the inbox nonce and then applies the signed
/// transfer under the normal rules; a transfer that fails them (bad signature, wrong nonce, too
/// little balance) is skipped with no effect, so a bad forced transfer can never block the chain.
public struct L1InboxItem: Sendable, Hashable {
    /// The arbiter's inbox id (= the inbox nonce of its marker).
    public let id: UInt64
    /// The L1 account that submitted it (informational: the signature decides who pays on L2).
    public let submitter: L1Address
    /// The user's signed L2 transfer, as submitted.
    public let transfer: SignedTransfer
    /// The L1 block that included it.
    public let l1BlockNumber: UInt64
    /// That block's hash (another hash later means a reorg moved it).
    public let l1BlockHash: Digest32
    /// That block's timestamp: the inclusion deadline runs from it.
    public let l1TimestampMs: UInt64

    /// An inbox record (nothing is checked).
    public init(id: UInt64, submitter: L1Address, transfer: SignedTransfer, l1BlockNumber: UInt64,
                l1BlockHash: Digest32, l1TimestampMs: UInt64) {
        self.id = id
        self.submitter = submitter
        self.transfer = transfer
        self.l1BlockNumber = l1BlockNumber
        self.l1BlockHash = l1BlockHash
        self.l1TimestampMs = l1TimestampMs
    }

    /// The L2 transaction that consumes this item in the deployment `domain`.
    public func marker(domain: SigningDomain) -> SignedTransfer {
        Self.marker(id: id, sender: transfer.transfer.from, domain: domain)
    }

    /// The marker of inbox item `id` whose transfer is from `sender`: from `Address.inbox`, to
    /// `sender`, value and fee 0, nonce `id`, an empty signature.
    public static func marker(id: UInt64, sender: Address, domain: SigningDomain) -> SignedTransfer {
        SignedTransfer(transfer: Transfer(from: .inbox, to: sender, value: .zero, fee: .zero, nonce: id),
                       domain: domain, signature: [])
    }
}

extension SignedTransfer {
    /// True for an inbox marker: a transfer from `Address.inbox` (see `L1InboxItem`).
    public var isInboxMarker: Bool { transfer.from == .inbox }

    /// True for the L2 transactions the L1 originates (deposits and inbox markers): unsigned,
    /// never submitted through the API, never forwarded between replicas.
    public var isL1Originated: Bool { isDeposit || isInboxMarker }
}

extension ValidatedTransfer {
    /// The pool and sequencer's form of inbox item `item`: its marker, carrying the item's transfer
    /// when `applies` (it passed the stateless checks: `TransitionRules.forcedTransfer`), else
    /// nothing (the marker then only advances the inbox nonce).
    public init(inboxItem item: L1InboxItem, domain: SigningDomain, forced: SignedTransfer?,
                receivedAt: ContinuousClock.Instant = .now) {
        let signed = item.marker(domain: domain)
        self.init(signed: signed, id: signed.id, receivedAt: receivedAt, forced: forced)
    }
}
