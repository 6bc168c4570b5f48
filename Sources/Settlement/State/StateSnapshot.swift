/// The whole state at one batch: every non-empty account sorted by address, the batch number and
/// the root, from which `StateManager.restore(from:)` rebuilds the tree (and checks the root).
///
/// ## Byte encoding
///
/// ```
/// batch     8 bytes, big-endian
/// root      32 bytes
/// count     8 bytes, big-endian
/// accounts  count × 60 bytes: address (20) ‖ balance (32, big-endian) ‖ nonce (8, big-endian)
/// ```
/// Decoding checks the exact length, strictly increasing addresses and non-empty accounts.
/// Deterministic: one state has one encoding.
public struct StateSnapshot: Sendable, Hashable {
    /// The batch after which the state was taken.
    public let batch: UInt64
    /// The state root at that batch.
    public let root: Digest32
    /// Every non-empty account, sorted by address.
    public let accounts: [StateDiff.Entry]

    /// Creates a snapshot; `accounts` must be sorted by address without repeats or empty
    /// accounts (checked by `StateManager.restore(from:)`, which also checks the root).
    public init(batch: UInt64, root: Digest32, accounts: [StateDiff.Entry]) {
        self.batch = batch
        self.root = root
        self.accounts = accounts
    }

    /// Size of the fixed header (batch, root, count).
    public static let headerSize = 48

    /// The canonical byte encoding (see the type's documentation).
    public var serialized: [UInt8] {
        var out = [UInt8](repeating: 0, count: StateSnapshot.headerSize + accounts.count * StateDiff.entrySize)
        out.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress!
            p.storeBytes(of: batch.bigEndian, as: UInt64.self)
            root.store(to: p + 8)
            p.storeBytes(of: UInt64(accounts.count).bigEndian, toByteOffset: 40, as: UInt64.self)
            StateDiff.encode(accounts, to: p + StateSnapshot.headerSize)
        }
        return out
    }

    /// Decodes `serialized`, strictly (the root is checked when restoring, not here).
    public init(serialized bytes: [UInt8]) throws(StateError) {
        guard bytes.count >= StateSnapshot.headerSize else { throw .malformed("state snapshot: shorter than its 48-byte header") }
        let (batch, root, count) = bytes.withUnsafeBytes { raw in
            (UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self)),
             Digest32(loading: raw.baseAddress! + 8),
             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 40, as: UInt64.self)))
        }
        let available = UInt64(bytes.count - StateSnapshot.headerSize)
        guard count <= available / UInt64(StateDiff.entrySize), available == count * UInt64(StateDiff.entrySize) else {
            throw .malformed("state snapshot: \(bytes.count) bytes for \(count) accounts")
        }
        self.batch = batch
        self.root = root
        accounts = try StateDiff.decode(bytes, offset: StateSnapshot.headerSize, count: Int(count),
                                        allowEmpty: false, what: "state snapshot")
    }
}
