import ZK

/// An account with its Merkle proof against the root of one batch (the RPC `GetAccount` answer).
public struct AccountProof: Sendable, Hashable {
    public let address: Address
    /// The account at `batch` (`Account.empty` when absent).
    public let account: Account
    /// The batch whose root the proof is against.
    public let batch: UInt64
    /// The state root after `batch`.
    public let root: Digest32
    public let proof: MerkleProof
    /// The shielded pool's roots after `batch` (`ShieldedRoots.empty` while the pool is empty,
    /// when `root` is the account tree's root itself).
    public let shieldedRoots: ShieldedRoots
    /// The account tree's root after `batch` (`root` itself while the pool is empty).
    public let accountRoot: Digest32

    public init(address: Address, account: Account, batch: UInt64, root: Digest32, proof: MerkleProof,
                shieldedRoots: ShieldedRoots = .empty, accountRoot: Digest32? = nil) {
        self.address = address
        self.account = account
        self.batch = batch
        self.root = root
        self.proof = proof
        self.shieldedRoots = shieldedRoots
        self.accountRoot = accountRoot ?? root
    }

    /// Checks the proof: it leads to `accountRoot`, which with the shielded roots gives `root`.
    public func verify() -> Bool {
        verifyProof(proof, root: accountRoot, address: address, account: account)
            && shieldedRoots.stateRoot(accountRoot: accountRoot) == root
    }
}

/// The state of the rollup: every account and the sparse Merkle tree committing to them, the
/// shielded pool (note tree, nullifier set, recent note roots: `ShieldedPool`), the state root of
/// each recent batch (`ShieldedRoots.stateRoot`), and enough history to roll back or prove
/// against recent roots.
///
/// Batches are numbered from 0 (the genesis allocation): a new manager is empty, before batch 0,
/// and each `apply(diff:)` is the next batch.
///
/// ## History and its memory bound
///
/// For each of the last `retainedBatchLimit` batches the manager keeps the batch's root and its
/// *reverse diff* (the changed accounts' previous values, 64 bytes per account). With them it can
/// `rollback(toBatch:)` exactly, and `proof(_:atBatch:)` at an older root by rolling the live tree
/// back, reading the proof and rolling it forward again (cost: two batch updates per batch
/// stepped over). Older history is dropped; it lives in persistence (diffs and snapshots), from
/// which a state at any batch can be rebuilt with `restore(from:)` and `apply(diff:)`.
/// Example: 2,000 changed accounts per batch and a limit of 256 batches ≈ 33 MB.
///
/// ## Concurrency
///
/// A final class, deliberately not `Sendable` and not an actor: the sequencer task owns it and
/// calls it synchronously on the hot path (an actor hop per account read would cost more than the
/// read). Whoever needs it from another task goes through its owner.
public final class StateManager {
    /// How many batches of history (roots and reverse diffs) are kept.
    public let retainedBatchLimit: Int

    /// The tree (read-only outside; statistics, memory footprint, direct proofs).
    public private(set) var tree = SparseMerkleTree()

    /// The newest applied batch; nil before batch 0.
    public private(set) var latestBatch: UInt64?

    /// The shielded pool (read-only outside).
    public private(set) var shielded: ShieldedPool

    /// `roots[i]` is the state root after batch `firstRetained + i`; the last is the current root.
    private var roots: [Digest32] = []
    /// `shieldedRoots[i]`: the pool's roots after batch `firstRetained + i`.
    private var shieldedRoots: [ShieldedRoots] = []
    /// `undo[i]` reverts batch `firstRetained + 1 + i` (its accounts' values before it).
    private var undo: [[(AddressKey, Account)]] = []
    private var firstRetained: UInt64 = 0

    /// An empty state (before batch 0) that keeps `retainedBatches` batches of history
    /// (0: none, no rollback nor proofs at older roots) and accepts spends under the note roots
    /// of the last `shieldedRootWindow` batches.
    public init(retainedBatches: Int = 256, shieldedRootWindow: Int = ShieldedPool.defaultWindow) {
        precondition(retainedBatches >= 0, "retainedBatches must not be negative")
        retainedBatchLimit = retainedBatches
        shielded = ShieldedPool(windowCapacity: shieldedRootWindow, undoLimit: retainedBatches)
    }

    /// A state rebuilt from `snapshot` and the pool's `image` (see `restore(from:shielded:)`).
    public convenience init(restoringFrom snapshot: StateSnapshot, shielded image: ShieldedPoolImage? = nil,
                            retainedBatches: Int = 256,
                            shieldedRootWindow: Int = ShieldedPool.defaultWindow) throws(StateError) {
        self.init(retainedBatches: retainedBatches, shieldedRootWindow: shieldedRootWindow)
        try restore(from: snapshot, shielded: image)
    }

    /// The current state root (`Digest32.zero` before batch 0 or when every account is empty and
    /// the pool too): the account tree's root while the pool is empty.
    public var root: Digest32 { shielded.roots.stateRoot(accountRoot: tree.root) }

    /// The account tree's root.
    public var accountRoot: Digest32 { tree.root }

    /// Number of the next batch `apply(diff:)` will create.
    public var nextBatch: UInt64 { latestBatch.map { $0 + 1 } ?? 0 }

    /// Number of non-empty accounts.
    public var accountCount: Int { tree.count }

    /// Batches whose root is known and that `rollback(toBatch:)` and `proof(_:atBatch:)` accept.
    public var retainedBatches: ClosedRange<UInt64>? {
        latestBatch.map { firstRetained ... $0 }
    }

    /// The account at `address` (`Account.empty` when absent).
    public func account(_ address: Address) -> Account {
        tree.account(address) ?? .empty
    }

    /// The newest retained batch whose root is `root` (nil when none): a scan of the retained
    /// roots in memory, no database (GetAccount against a state root; `retainedBatchLimit` long).
    public func batch(withRoot root: Digest32) -> UInt64? {
        guard let i = roots.lastIndex(of: root) else { return nil }
        return firstRetained + UInt64(i)
    }

    /// The root after `batch`, if retained.
    public func root(atBatch batch: UInt64) -> Digest32? {
        guard let range = retainedBatches, range.contains(batch) else { return nil }
        return roots[Int(batch - firstRetained)]
    }

    /// Applies `diff` as batch `nextBatch`, a batch without shielded transactions, and returns
    /// the new root (see `apply(diff:nullifiers:commitments:)`).
    @discardableResult
    public func apply(diff: StateDiff) -> Digest32 {
        do {
            return try apply(diff: diff, nullifiers: [], commitments: [])
        } catch {
            preconditionFailure("a batch without shielded effects was refused: \(error)")
        }
    }

    /// Applies a stored batch: `diff` and the shielded `effects` (nil: none), checking that the
    /// pool's roots come out as recorded. Throws, with the state unusable, when they do not
    /// (a corrupt store: the caller stops).
    @discardableResult
    public func apply(diff: StateDiff, shielded effects: ShieldedBatchEffects?) throws(StateError) -> Digest32 {
        let root = try apply(diff: diff, nullifiers: effects?.nullifiers ?? [],
                             commitments: effects?.notes.map(\.commitment) ?? [])
        if let effects, effects.rootsAfter != shielded.roots {
            throw .malformed("shielded effects of batch \(latestBatch!): recorded pool roots \(effects.rootsAfter), replayed \(shielded.roots)")
        }
        return root
    }

    /// Applies `diff` as batch `nextBatch` with the shielded lane's accepted `nullifiers` and
    /// `commitments`, and returns the new state root. Records the reverse diff and the root,
    /// dropping history beyond `retainedBatchLimit`. A nullifier already spent or a full note
    /// tree refuses the whole batch, changing nothing.
    @discardableResult
    public func apply(diff: StateDiff, nullifiers: [Fr], commitments: [Fr]) throws(StateError) -> Digest32 {
        // The pool first: it is the part that can refuse, all or nothing.
        do {
            try shielded.apply(nullifiers: nullifiers, commitments: commitments)
        } catch {
            throw .malformed("shielded lane of batch \(nextBatch): \(error)")
        }
        shielded.endBatch()
        if latestBatch == nil {
            // Batch 0 (the genesis allocation, possibly large): nothing before it to roll back to,
            // and the tree is empty, so it is built in one pass straight from the sorted diff.
            tree.bulkLoad(diff.entries)
            latestBatch = 0
            firstRetained = 0
            roots = [root]
            shieldedRoots = [shielded.roots]
            undo = []
            return root
        }
        let reverse = tree.apply(diff.entries.map { ($0.key, $0.account) }, recordPrevious: true)
        latestBatch! += 1
        roots.append(root)
        shieldedRoots.append(shielded.roots)
        undo.append(reverse)
        if undo.count > retainedBatchLimit {
            let excess = undo.count - retainedBatchLimit
            undo.removeFirst(excess)
            roots.removeFirst(excess)
            shieldedRoots.removeFirst(excess)
            firstRetained += UInt64(excess)
        }
        return root
    }

    /// Reverts the state to what it was after batch `batch` (exactly: same accounts, same root),
    /// dropping the later batches. Throws when `batch` is not retained.
    @discardableResult
    public func rollback(toBatch batch: UInt64) throws(StateError) -> Digest32 {
        guard let range = retainedBatches, range.contains(batch) else {
            throw .batchNotRetained(requested: batch, retained: retainedBatches)
        }
        do {
            try shielded.rollBack(batches: Int(latestBatch! - batch))
        } catch {
            // The pool keeps undo for as many batches as the accounts (`undoLimit`).
            preconditionFailure("shielded pool rollback within the retained batches failed: \(error)")
        }
        while latestBatch! > batch {
            tree.update(keys: undo.removeLast())
            roots.removeLast()
            shieldedRoots.removeLast()
            latestBatch! -= 1
        }
        // The reverse diffs restore exactly the earlier accounts, hence exactly the earlier root.
        precondition(root == roots.last!, "state rollback produced a different root")
        return root
    }

    /// `address`'s account with its proof against the root of `batch` (default: the latest).
    /// Throws when `batch` is not retained.
    public func proof(_ address: Address, atBatch batch: UInt64? = nil) throws(StateError) -> AccountProof {
        try proofs([address], atBatch: batch)[0]
    }

    /// Proofs for several addresses against the same root, paying an older batch's roll back and
    /// forward once.
    public func proofs(_ addresses: [Address], atBatch batch: UInt64? = nil) throws(StateError) -> [AccountProof] {
        guard let latest = latestBatch else {
            throw .batchNotRetained(requested: batch ?? 0, retained: nil)
        }
        let target = batch ?? latest
        guard let range = retainedBatches, range.contains(target) else {
            throw .batchNotRetained(requested: target, retained: retainedBatches)
        }
        // Step the live tree back to `target`, remembering each batch's forward changes (the
        // values being replaced), then replay them.
        var forward: [[(AddressKey, Account)]] = []
        var b = latest
        while b > target {
            let reverse = undo[Int(b - firstRetained) - 1]
            forward.append(reverse.map { ($0.0, tree.account($0.0) ?? .empty) })
            tree.update(keys: reverse)
            b -= 1
        }
        let pool = shieldedRoots[Int(target - firstRetained)]
        precondition(pool.stateRoot(accountRoot: tree.root) == roots[Int(target - firstRetained)],
                     "state roll back for a proof produced a different root")
        let out = addresses.map { address in
            AccountProof(address: address, account: tree.account(address) ?? .empty, batch: target,
                         root: roots[Int(target - firstRetained)], proof: tree.proof(for: address), shieldedRoots: pool,
                         accountRoot: tree.root)
        }
        for changes in forward.reversed() { tree.update(keys: changes) }
        precondition(root == roots.last!, "state roll forward after a proof produced a different root")
        return out
    }

    /// The whole current account state (every account sorted by address, the batch and the state
    /// root; the pool is persisted apart, as notes and nullifiers). Precondition: batch 0 has
    /// been applied.
    public func snapshot() -> StateSnapshot {
        guard let latest = latestBatch else { preconditionFailure("no state snapshot before batch 0") }
        let accounts = tree.sortedEntries().map { StateDiff.Entry(key: $0.0, account: $0.1) }
        return StateSnapshot(batch: latest, root: root, accounts: accounts)
    }

    /// Replaces the state with `snapshot` and the pool rebuilt from `image` (nil: an empty
    /// pool): rebuilds the trees, checks that the state root is the snapshot's, and starts the
    /// history afresh at the snapshot's batch. On error (unsorted or repeated addresses, empty
    /// accounts, an image of another batch or an inconsistent one, wrong root) the current state
    /// is left untouched.
    public func restore(from snapshot: StateSnapshot, shielded image: ShieldedPoolImage? = nil) throws(StateError) {
        var previous: AddressKey?
        for (i, e) in snapshot.accounts.enumerated() {
            if let previous, !(previous < e.key) {
                throw .malformed("state snapshot: entry \(i) is not in strictly increasing address order")
            }
            guard !e.account.isEmpty else { throw .malformed("state snapshot: entry \(i) has the empty account") }
            previous = e.key
        }
        var pool = ShieldedPool(windowCapacity: shielded.window.capacity, undoLimit: retainedBatchLimit)
        if let image {
            guard image.batch == snapshot.batch else {
                throw .malformed("shielded pool image of batch \(image.batch) beside a snapshot of batch \(snapshot.batch)")
            }
            do {
                pool = try ShieldedPool(restoring: image, windowCapacity: shielded.window.capacity, undoLimit: retainedBatchLimit)
            } catch {
                throw .malformed("shielded pool image: \(error)")
            }
        }
        var rebuilt = SparseMerkleTree()
        rebuilt.bulkLoad(snapshot.accounts)
        let rebuiltRoot = pool.roots.stateRoot(accountRoot: rebuilt.root)
        guard rebuiltRoot == snapshot.root else {
            throw .rootMismatch(expected: snapshot.root, computed: rebuiltRoot)
        }
        tree = rebuilt
        shielded = pool
        latestBatch = snapshot.batch
        firstRetained = snapshot.batch
        roots = [snapshot.root]
        shieldedRoots = [pool.roots]
        undo = []
    }

    /// Approximate bytes held: the tree plus the retained history.
    public var memoryFootprint: Int {
        tree.memoryFootprint + roots.capacity * 32 + shieldedRoots.capacity * MemoryLayout<ShieldedRoots>.stride
            + undo.reduce(0) { $0 + $1.capacity * MemoryLayout<(AddressKey, Account)>.stride }
            + shielded.noteTree.memoryFootprint + shielded.nullifiers.memoryFootprint
    }
}
