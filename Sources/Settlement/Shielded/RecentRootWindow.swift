import ZK

/// The note-tree roots a spend may be proven under: the root after each of the last `capacity`
/// batches (docs/shielded.md, "The note tree"). A wallet proves against the root it last saw; the
/// window gives its proof time to reach a batch while other spends move the tree on. A root
/// older than the window is refused as stale, so a proof cannot sit unspent for ever against a
/// tree state nobody keeps.
public struct RecentRootWindow: Sendable, Equatable {
    /// The number of batches whose roots are accepted.
    public let capacity: Int
    /// Oldest first; at most `capacity`.
    public private(set) var roots: [Fr]

    /// A window of `capacity` ≥ 1 roots holding `initial` (the current root).
    public init(capacity: Int, initial: Fr) {
        precondition(capacity >= 1, "the window holds at least the current root")
        self.capacity = capacity
        self.roots = [initial]
    }

    /// A window restored from stored roots (oldest first; only the last `capacity` are kept).
    public init(capacity: Int, roots: [Fr]) {
        precondition(capacity >= 1 && !roots.isEmpty, "the window holds at least the current root")
        self.capacity = capacity
        self.roots = Array(roots.suffix(capacity))
    }

    /// The newest root.
    public var current: Fr { roots[roots.count - 1] }

    /// Whether `root` is one of the window's roots.
    public func contains(_ root: Fr) -> Bool { roots.contains(root) }

    /// Records the root after a batch, dropping the oldest beyond `capacity`.
    public mutating func record(_ root: Fr) {
        roots.append(root)
        if roots.count > capacity { roots.removeFirst(roots.count - capacity) }
    }
}
