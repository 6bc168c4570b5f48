/// The constants of the rollup's state-transition function: everything besides the state and the
/// transaction that decides what a transaction does. The engine takes them from its
/// `SettlementConfig`; an arbiter must be constructed with the same values for the chain (they
/// belong in the L1 contract's constructor), or it would judge by other rules than the engine's.
///
/// A transaction is executed as the engine does it: first the stateless checks of
/// `ValidationPipeline` (signing domain, fee bound, signature by `from`), then the stateful rules of
/// `BatchExecutor` (nonce, overflow, balance, credit overflows). Any failure leaves the state,
/// hence the root, unchanged. The engine never sequences a transaction that fails the stateless
/// checks, but a dishonest proposer could put one in its data: it then counts as rejected.
///
/// A deposit (a transfer from `Address.bridge`) has its own stateless checks instead: this
/// deployment's domain, fee 0, no signature, and a deposit with id = its nonce, the same recipient and
/// amount in the L1 arbiter's `DepositLedger` — so a proposer cannot credit a deposit nobody made.
/// Its stateful rule is `BatchExecutor`'s deposit rule (bridge nonce, recipient credit).
public struct TransitionRules: Sendable, Hashable {
    /// The rollup's EIP-712 domain (chain id and deployment salt); a transfer signed for another
    /// chain or deployment is rejected.
    public let domain: SigningDomain
    /// Receives every accepted transfer's fee.
    public let feeAccount: Address
    /// Largest fee a transfer may carry (`SettlementConfig.maxFee`); above it: rejected.
    public let maxFee: UInt256

    /// Batches whose note-tree roots a shielded spend may be proven under
    /// (`ShieldedSettings.rootWindow`): a spend under an older root is refused as stale.
    public let shieldedRootWindow: Int

    /// The domain's chain id.
    public var chainId: UInt64 { domain.chainId }

    /// The rules of a chain; `maxFee` and `shieldedRootWindow` default to `SettlementConfig`'s
    /// defaults.
    public init(domain: SigningDomain, feeAccount: Address, maxFee: UInt256 = UInt256(UInt64.max),
                shieldedRootWindow: Int = ShieldedPool.defaultWindow) {
        precondition(shieldedRootWindow >= 1, "the root window holds at least the current root")
        self.domain = domain
        self.feeAccount = feeAccount
        self.maxFee = maxFee
        self.shieldedRootWindow = shieldedRootWindow
    }

    /// The stateless checks for `transfer`: nil when it passes, else the reason. For a transfer
    /// this is `ValidationPipeline.validate` itself, so the two can never disagree; for a deposit,
    /// the deposit checks above against `deposits` (with `.none`, every deposit is rejected).
    public func statelessRejection(_ transfer: SignedTransfer, deposits: DepositLedger = .none) -> String? {
        if transfer.isInboxMarker { return inboxMarkerRejection(transfer, ledger: deposits) }
        if transfer.isDeposit {
            if let reason = ValidationPipeline.domainRejection(transfer.domain, expected: domain) { return reason }
            guard transfer.transfer.fee.isZero else { return "a deposit pays no fee" }
            guard transfer.signature.isEmpty else { return "a deposit carries no signature" }
            return deposits.rejection(of: transfer.transfer)
        }
        return switch ValidationPipeline(domain: domain, maxFee: maxFee).validate(transfer, receivedAt: .now) {
        case .success: nil
        case .failure(let failure): failure.reason
        }
    }
}

extension SettlementConfig {
    /// The state-transition constants the arbiter and the game players judge by, for the
    /// deployment whose signing domain is `domain` (`SigningDomain(genesis:)`): the fee account,
    /// the fee bound and the shielded pool's root window of this configuration.
    public func transitionRules(_ domain: SigningDomain) -> TransitionRules {
        TransitionRules(domain: domain, feeAccount: feeAccount, maxFee: maxFee,
                        shieldedRootWindow: shielded?.rootWindow ?? ShieldedPool.defaultWindow)
    }
}
