/// The deposits (and forced inbox transfers) the L1 arbiter holds, by id: what decides whether a
/// transfer from the bridge is a real deposit, and what an inbox marker applies. Part of the
/// state-transition function's input besides the state and the transaction (see `TransitionRules.statelessRejection(_:deposits:)`): a bridge transfer with
/// nonce `k` is valid only if the ledger holds deposit `k` with the same recipient and amount.
///
/// The arbiter judges a commitment's one-step proofs with the deposits it consumed (those
/// included before it); validators and the proposer's defense read the same from their
/// `L1Client` (`reading(for:includedIn:from:)`). The engine's own `BatchExecutor` does not consult it: the engine only
/// sequences deposits its `DepositWatcher` read from the L1.
public struct DepositLedger: Sendable, Hashable {
    /// The deposits known, by id.
    public let deposits: [UInt64: L1Deposit]
    /// The L1 inbox items known, by id: what an inbox marker applies (`L1InboxItem`).
    public let inbox: [UInt64: L1InboxItem]

    /// A ledger of `deposits` and `inbox` items (ids need not be contiguous).
    public init(_ deposits: some Sequence<L1Deposit>, inbox: some Sequence<L1InboxItem> = [L1InboxItem]()) {
        var byID: [UInt64: L1Deposit] = [:]
        for d in deposits { byID[d.id] = d }
        self.deposits = byID
        var items: [UInt64: L1InboxItem] = [:]
        for i in inbox { items[i.id] = i }
        self.inbox = items
    }

    /// No deposit known: every bridge transfer is rejected. The default of the pure trace and
    /// proof functions, for chains (and tests) without deposits.
    public static let none = DepositLedger([])

    /// Deposit `id`, if known.
    public func deposit(_ id: UInt64) -> L1Deposit? { deposits[id] }

    /// Inbox item `id`, if known.
    public func inboxItem(_ id: UInt64) -> L1InboxItem? { inbox[id] }

    /// Why `transfer`, a transfer from the bridge, does not credit a known deposit; nil when it
    /// credits deposit `transfer.nonce` exactly.
    public func rejection(of transfer: Transfer) -> String? {
        guard let d = deposits[transfer.nonce] else { return "no deposit \(transfer.nonce) on L1" }
        guard d.recipient == transfer.to, d.amount == transfer.value else {
            return "deposit \(d.id) on L1 is \(d.amount) to \(d.recipient), not \(transfer.value) to \(transfer.to)"
        }
        return nil
    }

    /// The ledger a re-execution of `batches`, the data of a commitment included in L1 block
    /// `inclusionBlock`, needs: the deposits with the ids (bridge nonces) its bridge transfers
    /// carry, as `l1` holds them, **limited to those included before `inclusionBlock`** — the inbox
    /// the commitment consumed, which is what the arbiter judges its one-step proofs against
    /// (`L1ArbiterState.depositLedger(for:)`). A deposit made after the commitment never counts.
    /// Reads nothing when there is no bridge transfer.
    public static func reading(for batches: [[SignedTransfer]], includedIn inclusionBlock: UInt64,
                               from l1: any L1Client) async throws -> DepositLedger {
        let nonces = batches.lazy.flatMap { $0 }.filter(\.isDeposit).map(\.transfer.nonce)
        let markers = batches.lazy.flatMap { $0 }.filter(\.isInboxMarker).map(\.transfer.nonce)
        var deposits: [L1Deposit] = []
        if let first = nonces.min(), let last = nonces.max() {
            deposits = try await l1.deposits(fromID: first, limit: Int(clamping: last - first + 1))
                .filter { $0.l1BlockNumber < inclusionBlock }
        }
        var items: [L1InboxItem] = []
        if let first = markers.min(), let last = markers.max() {
            items = try await l1.inboxItems(fromID: first, limit: Int(clamping: last - first + 1))
                .filter { $0.l1BlockNumber < inclusionBlock }
        }
        return DepositLedger(deposits, inbox: items)
    }
}
