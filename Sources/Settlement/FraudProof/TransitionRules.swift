/// The constants of the rollup's state-transition function: everything besides the state and the
/// transaction that decides what a transaction does. The engine takes them from its
/// `SettlementConfig`; an arbiter must be constructed with the same values for the chain (they
/// belong in the L1 contract's constructor), or it would judge by other rules than the engine's.
///
/// A transaction is executed as the engine does it: first the stateless checks of
/// `ValidationPipeline` (chain id, fee bound, signature by `from`), then the stateful rules of
/// `BatchExecutor` (nonce, overflow, balance, credit overflows). Any failure leaves the state,
/// hence the root, unchanged. The engine never sequences a transaction that fails the stateless
/// checks, but a dishonest proposer could put one in its data: it then counts as rejected.
public struct TransitionRules: Sendable, Hashable {
    /// The rollup's EIP-712 chain id; a transfer signed for another chain is rejected.
    public let chainId: UInt64
    /// Receives every accepted transfer's fee.
    public let feeAccount: Address
    /// Largest fee a transfer may carry (`SettlementConfig.maxFee`); above it: rejected.
    public let maxFee: UInt256

    /// The rules of a chain; `maxFee` defaults to `SettlementConfig`'s default.
    public init(chainId: UInt64, feeAccount: Address, maxFee: UInt256 = UInt256(UInt64.max)) {
        self.chainId = chainId
        self.feeAccount = feeAccount
        self.maxFee = maxFee
    }

    /// The engine's stateless checks for `transfer`: nil when it passes, else the reason.
    /// This is `ValidationPipeline.validate` itself, so the two can never disagree.
    public func statelessRejection(_ transfer: SignedTransfer) -> String? {
        switch ValidationPipeline(chainId: chainId, maxFee: maxFee).validate(transfer, receivedAt: .now) {
        case .success: nil
        case .failure(let failure): failure.reason
        }
    }
}
