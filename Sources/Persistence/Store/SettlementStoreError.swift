import PostgresDriver
import Settlement

/// Why `PostgresSettlementStore` refused to go on. Unlike `PostgresError`, none of these is
/// transient: retrying the same call gives the same answer until an operator intervenes.
public enum SettlementStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database holds a chain made from another genesis.
    case genesisMismatch(stored: Digest32, expected: Digest32)
    /// A different batch is already durable under this number (another sequencer wrote it, or
    /// this one lost its state): fencing or corruption, never overwritten.
    case batchConflict(number: UInt64, detail: String)
    /// The batch does not extend the durable chain: its `prevRoot` is not the previous batch's
    /// `newRoot`, or the previous batch is missing.
    case chainBreak(number: UInt64, prevRoot: Digest32, storedPrevious: Digest32?)
    /// A snapshot was offered for a batch that is not durable with that root.
    case snapshotNotDurable(batch: UInt64, root: Digest32, storedRoot: Digest32?)
    /// What the database holds cannot be decoded or contradicts itself.
    case corrupt(String)
    /// A query asked for more than one call answers (e.g. too many nullifiers at once).
    case requestTooLarge(String)

    public var description: String {
        switch self {
        case let .genesisMismatch(stored, expected):
            return "database was initialised from a different genesis (hash \(stored), expected \(expected)); "
                + "use another data directory or database"
        case let .batchConflict(number, detail):
            return "a different batch \(number) is already durable (\(detail)); refusing to overwrite it: "
                + "another sequencer wrote it, or this node's state diverged"
        case let .chainBreak(number, prev, stored):
            let previous = stored.map { "batch \(number &- 1) has root \($0)" } ?? "batch \(number &- 1) is not durable"
            return "batch \(number) does not extend the durable chain: its previous root is \(prev), but \(previous)"
        case let .snapshotNotDurable(batch, root, stored):
            let actual = stored.map { "is durable with root \($0)" } ?? "is not durable"
            return "refusing a snapshot at batch \(batch) with root \(root): that batch \(actual)"
        case let .corrupt(message):
            return "the settlement database is inconsistent: \(message)"
        case let .requestTooLarge(message):
            return "request too large: \(message)"
        }
    }
}
