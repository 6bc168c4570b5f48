import Synchronization

/// Transactions the sequencer refuses for good: the reverted transactions of a lost fraud-proof
/// game that the arbiter's rules refuse (a bad signature that a trusted forward skipped, a chain
/// id or fee the rules reject). Re-sequencing one would post a root the honest validators dispute
/// again, and lose again.
///
/// Keyed by the transaction id *and* its signature: the id is the EIP-712 digest of the transfer
/// alone, so keying by id would let a bad signature over somebody's transfer quarantine that
/// transfer when properly signed. Bounded (`capacity`); in memory on the replica that rolled the
/// chain back (a new leader re-validates anyway: signatures are checked on re-queue, see
/// docs/engine-recovery.md).
public final class Quarantine: Sendable {
    /// Most entries kept; beyond it the oldest are forgotten (they fail full validation anyway).
    public static let capacity = 65_536

    private struct Entries {
        var reasons: [Digest32: String] = [:]
        var order: [Digest32] = []
    }

    private let entries = Lock(Entries())
    /// Entries held, read without the lock: the submission path pays nothing while it is empty
    /// (the usual case).
    private let size = Atomic<Int>(0)

    public init() {}

    private static func key(_ t: SignedTransfer) -> Digest32 { Keccak256.hash(t.id.bytes + t.signature) }

    /// Quarantines `transfer` with `reason` (shown in its REJECTED receipts).
    public func add(_ transfer: SignedTransfer, reason: String) {
        let key = Self.key(transfer)
        entries.withLock { e in
            if e.reasons.updateValue(reason, forKey: key) == nil { e.order.append(key) }
            if e.order.count > Self.capacity {
                let drop = e.order.count - Self.capacity
                for k in e.order.prefix(drop) { e.reasons[k] = nil }
                e.order.removeFirst(drop)
            }
            size.store(e.order.count, ordering: .releasing)
        }
    }

    /// Why `transfer` is quarantined, nil when it is not.
    public func reason(for transfer: SignedTransfer) -> String? {
        guard size.load(ordering: .acquiring) > 0 else { return nil }
        let key = Self.key(transfer)
        return entries.withLock { $0.reasons[key] }
    }

    /// Transactions quarantined now.
    public var count: Int { entries.withLock { $0.order.count } }
}
