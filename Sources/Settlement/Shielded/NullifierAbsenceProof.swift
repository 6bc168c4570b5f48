import ZK

/// A proof that a nullifier is not in the nullifier set with a given root (see `NullifierSet`
/// for the tree's definition): the sibling hashes along the nullifier's path from the root down
/// to where the path ends, in an empty subtree or at another nullifier's compact leaf.
///
/// Check it with `NullifierSet.verifyAbsent(_:root:nullifier:)`; the root after inserting the
/// nullifier follows from the same proof (`NullifierSet.rootAfterInsert(_:oldRoot:nullifier:)`).
/// A transaction's two nullifiers take two proofs: the second against the root after the first
/// insertion.
///
/// ## Byte encoding (`serialized`)
///
/// ```
/// kind      1 byte     0 empty slot, 1 other leaf
/// depth     2 bytes    big-endian, 0 ... 256 (number of levels, = number of siblings)
/// bitmap    ⌈depth/8⌉  bit d (byte d/8, mask 0x80 >> d%8) set ⇔ sibling at depth d is not zero;
///                      unused trailing bits must be zero
/// siblings  32 each    the non-zero siblings, root side first
/// other     32 bytes   kind 1 only: the other nullifier, big-endian, below the field modulus
/// ```
///
/// Decoding is strict (exact length, depth ≤ 256, zero padding bits, no zero sibling marked
/// present, a canonical field element), so every proof has exactly one encoding.
public struct NullifierAbsenceProof: Sendable, Hashable {
    /// Where the path ends.
    public enum Kind: Sendable, Hashable {
        /// In an empty subtree.
        case emptySlot
        /// At the compact leaf of another nullifier whose path shares the prefix.
        case otherLeaf(Fr)
    }

    /// Where the path ends.
    public let kind: Kind
    /// Sibling hashes from the root (index 0 = sibling at depth 0) down to the end of the path,
    /// `Digest32.zero` for empty subtrees.
    public let siblings: [Digest32]

    /// Creates a proof (the verifier checks it; nothing is checked here).
    public init(kind: Kind, siblings: [Digest32]) {
        self.kind = kind
        self.siblings = siblings
    }

    /// Largest possible depth.
    public static let maxDepth = 256

    /// The byte encoding (see the type's documentation).
    public var serialized: [UInt8] {
        let d = siblings.count
        var out: [UInt8] = []
        out.reserveCapacity(3 + (d + 7) / 8 + 32 * d + 32)
        switch kind {
        case .emptySlot: out.append(0)
        case .otherLeaf: out.append(1)
        }
        CompactSiblings.append(siblings, to: &out)
        if case .otherLeaf(let other) = kind { out.append(contentsOf: other.bigEndianBytes) }
        return out
    }

    /// Decodes `serialized`, strictly (see the type's documentation).
    public init(serialized bytes: [UInt8]) throws(StateError) {
        func fail(_ why: String) -> StateError { .malformed("nullifier absence proof: " + why) }
        guard let tag = bytes.first else { throw fail("shorter than its 3-byte header") }
        guard tag <= 1 else { throw fail("unknown kind \(tag)") }
        let (siblings, offset) = try CompactSiblings.decode(bytes, trailing: (tag == 1 ? 32 : 0), fail: fail)
        if tag == 0 {
            kind = .emptySlot
        } else {
            guard let other = Fr(bigEndian: bytes[offset ..< offset + 32]) else {
                throw fail("other nullifier not below the field modulus")
            }
            kind = .otherLeaf(other)
        }
        self.siblings = siblings
    }
}

extension NullifierSet {
    /// The proof that `nullifier` is absent, or nil when it is present.
    public func absenceProof(for nullifier: Fr) -> NullifierAbsenceProof? {
        let key = Self.key(nullifier)
        guard findLeaf(key) < 0 else { return nil }
        let path = Self.path(key)
        var siblings: [Digest32] = []
        var link = rootLink
        var depth = 0
        while link > 0 {
            let node = nodes[Int(link)]
            if path.bit(depth) == 0 {
                siblings.append(node.rightHash)
                link = node.left
            } else {
                siblings.append(node.leftHash)
                link = node.right
            }
            depth += 1
        }
        if link == 0 { return NullifierAbsenceProof(kind: .emptySlot, siblings: siblings) }
        let other = Fr(bigEndian: leaves[Int(~link)].nullifier.bytes)!
        return NullifierAbsenceProof(kind: .otherLeaf(other), siblings: siblings)
    }

    /// True iff `proof` shows that `nullifier` is not in the set whose root is `root`. Needs
    /// nothing but its arguments. Also refuses non-canonical proofs (a path ends where the compact
    /// tree puts it, so the deepest sibling is never zero), so each fact has one proof.
    public static func verifyAbsent(_ proof: NullifierAbsenceProof, root: Digest32, nullifier: Fr) -> Bool {
        guard let bottom = absentSubtree(proof, nullifier: nullifier) else { return false }
        return hashUp(bottom.hash, path: bottom.path, siblings: proof.siblings) == root
    }

    /// The root after inserting `nullifier` into the set whose root is `oldRoot`, or nil when
    /// `proof` does not show that it is absent there.
    public static func rootAfterInsert(_ proof: NullifierAbsenceProof, oldRoot: Digest32, nullifier: Fr) -> Digest32? {
        guard let bottom = absentSubtree(proof, nullifier: nullifier),
              hashUp(bottom.hash, path: bottom.path, siblings: proof.siblings) == oldRoot else { return nil }
        let depth = proof.siblings.count
        let leaf = leafHash(Self.key(nullifier))
        var subtree: Digest32
        switch proof.kind {
        case .emptySlot:
            subtree = leaf
        case .otherLeaf(let other):
            // Both leaves move down to where their paths part; single-child nodes above.
            let otherKey = Self.key(other)
            let otherLeaf = leafHash(otherKey)
            let split = bottom.path.commonPrefixLength(Self.path(otherKey))
            guard split < 256 else { return nil }
            subtree = bottom.path.bit(split) == 0 ? Keccak256.hash(left: leaf, right: otherLeaf)
                : Keccak256.hash(left: otherLeaf, right: leaf)
            var d = split - 1
            while d >= depth {
                subtree = bottom.path.bit(d) == 0 ? Keccak256.hash(left: subtree, right: .zero)
                    : Keccak256.hash(left: .zero, right: subtree)
                d -= 1
            }
        }
        return hashUp(subtree, path: bottom.path, siblings: proof.siblings)
    }

    /// The hash where `proof` says the path of `nullifier` ends, and that path; nil when the proof
    /// is malformed or non-canonical, or names `nullifier` itself.
    static func absentSubtree(_ proof: NullifierAbsenceProof, nullifier: Fr) -> (hash: Digest32, path: PathKey)? {
        let depth = proof.siblings.count
        guard depth <= NullifierAbsenceProof.maxDepth else { return nil }
        if depth > 0 && proof.siblings[depth - 1] == .zero { return nil }
        let nullifierPath = Self.path(Self.key(nullifier))
        switch proof.kind {
        case .emptySlot:
            return (.zero, nullifierPath)
        case .otherLeaf(let other):
            guard other != nullifier else { return nil }
            let otherKey = Self.key(other)
            // The other leaf sits on this path: its own path shares the first `depth` bits.
            guard Self.path(otherKey).commonPrefixLength(nullifierPath) >= depth else { return nil }
            return (leafHash(otherKey), nullifierPath)
        }
    }

    /// `hash` at depth `siblings.count` on `path`, hashed up to the root.
    static func hashUp(_ hash: Digest32, path: PathKey, siblings: [Digest32]) -> Digest32 {
        var h = hash
        var d = siblings.count - 1
        while d >= 0 {
            h = path.bit(d) == 0 ? Keccak256.hash(left: h, right: siblings[d]) : Keccak256.hash(left: siblings[d], right: h)
            d -= 1
        }
        return h
    }
}
