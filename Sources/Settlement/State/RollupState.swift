/// The whole state a batch's transactions act on, as the fraud-proof layer re-executes it outside
/// the engine (validators, the proposer's defense, one-step proofs): the account tree and the
/// shielded pool. Its root is the state root the engine commits to (`ShieldedRoots.stateRoot`:
/// the account root itself while the pool is empty).
///
/// A value type: a trace copies it (copy-on-write) to replay a prefix of a commitment without
/// disturbing the state it started from.
public struct RollupState: Sendable {
    /// The accounts.
    public var accounts: SparseMerkleTree
    /// The note tree, the nullifier set and the recent-root window.
    public var pool: ShieldedPool

    /// A state of `accounts` and `pool`.
    public init(accounts: SparseMerkleTree, pool: ShieldedPool) {
        self.accounts = accounts
        self.pool = pool
    }

    /// A state of `accounts` and an empty pool whose window holds `windowCapacity` batches' roots
    /// (a chain that has not used the pool, or a transfer-only test).
    public init(accounts: SparseMerkleTree, windowCapacity: Int = ShieldedPool.defaultWindow, undoLimit: Int = 0) {
        self.init(accounts: accounts, pool: ShieldedPool(windowCapacity: windowCapacity, undoLimit: undoLimit))
    }

    /// The engine's state as it is now: its accounts and its pool (with the pool's undo).
    public init(_ state: StateManager) {
        self.init(accounts: state.tree, pool: state.shielded)
    }

    /// The state root.
    public var root: Digest32 { pool.roots.stateRoot(accountRoot: accounts.root) }

    /// The pool's roots (`ShieldedRoots.empty` while it is empty).
    public var shieldedRoots: ShieldedRoots { pool.roots }
}
