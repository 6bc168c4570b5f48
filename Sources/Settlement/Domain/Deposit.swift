extension Address {
    /// The L1 bridge's address on L2: the sender of every deposit transaction. It is the zero
    /// address, 0x0000000000000000000000000000000000000000, which no key can sign for (no public
    /// key hashes to it), and `ValidationPipeline` refuses any submitted transfer from it, so only
    /// the engine's deposit path (`SettlementEngine.enqueueDeposits`) can put one in a batch.
    ///
    /// Its account in the state holds no balance; its nonce is the number of deposits credited so
    /// far (deposit `k` is the bridge's transfer with nonce `k`).
    public static let bridge = Address.zero
}

/// A deposit recorded by the L1 arbiter (`L1Arbiter`'s `deposit` call): `amount` locked on L1
/// for `recipient` on L2. Ids are 0, 1, 2, ... in the canonical chain's order; after an L1 reorg
/// the ids are those of the new canonical order.
///
/// On L2 deposit `id` is credited by one transaction, `transaction(domain:)`: a transfer from
/// `Address.bridge` to `recipient` of `amount`, fee 0, nonce `id`, no signature. Its id is the
/// EIP-712 digest of that transfer like any other transaction's, so a client can compute the L2
/// transaction id of a deposit from its id, recipient and amount.
public struct L1Deposit: Sendable, Hashable {
    /// The arbiter's deposit id (= the bridge nonce that credits it).
    public let id: UInt64
    /// The L1 account that paid (informational; not part of the L2 transaction).
    public let depositor: L1Address
    /// The L2 account credited.
    public let recipient: Address
    /// The amount credited (never zero: the arbiter refuses zero deposits).
    public let amount: UInt256
    /// The L1 block that included the deposit (confirmation depth is counted from it).
    public let l1BlockNumber: UInt64
    /// That block's hash (a different hash later means the deposit was re-included by a reorg).
    public let l1BlockHash: Digest32

    /// A deposit record (nothing is checked).
    public init(id: UInt64, depositor: L1Address, recipient: Address, amount: UInt256, l1BlockNumber: UInt64,
                l1BlockHash: Digest32) {
        self.id = id
        self.depositor = depositor
        self.recipient = recipient
        self.amount = amount
        self.l1BlockNumber = l1BlockNumber
        self.l1BlockHash = l1BlockHash
    }

    /// The L2 transaction that credits this deposit in `domain`.
    public func transaction(domain: SigningDomain) -> SignedTransfer {
        Self.transaction(id: id, recipient: recipient, amount: amount, domain: domain)
    }

    /// The L2 transaction that credits deposit `id` of `amount` to `recipient` in `domain`:
    /// from `Address.bridge`, fee 0, nonce `id`, an empty signature.
    public static func transaction(id: UInt64, recipient: Address, amount: UInt256, domain: SigningDomain) -> SignedTransfer {
        SignedTransfer(transfer: Transfer(from: .bridge, to: recipient, value: amount, fee: .zero, nonce: id),
                       domain: domain, signature: [])
    }

    /// Whether `transfer` credits this deposit (same id as nonce, recipient and amount).
    public func isCredited(by transfer: Transfer) -> Bool {
        transfer.from == .bridge && transfer.nonce == id && transfer.to == recipient && transfer.value == amount
    }
}

extension SignedTransfer {
    /// True for a deposit: a transfer from the L1 bridge (`Address.bridge`).
    public var isDeposit: Bool { transfer.from == .bridge }
}

extension ValidatedTransfer {
    /// The pool and sequencer's form of deposit `deposit` (no signature to check: the engine's
    /// deposit watcher read it from the L1).
    public init(deposit: L1Deposit, domain: SigningDomain, receivedAt: ContinuousClock.Instant = .now) {
        let signed = deposit.transaction(domain: domain)
        self.init(signed: signed, id: signed.id, receivedAt: receivedAt)
    }
}
