/// A Merkle proof for one address against a state root (see `SparseMerkleTree` for the tree's
/// definition): the sibling hashes along the address's path from the root down to where the path
/// ends, and what it ends at.
///
/// Verify it with `verifyProof(_:root:address:account:)`; it needs nothing else.
///
/// ## Byte encoding (`serialized`, for the RPC `GetAccount`)
///
/// ```
/// kind      1 byte     0 inclusion, 1 empty slot, 2 other leaf
/// depth     2 bytes    big-endian, 0 ... 256 (number of levels, = number of siblings)
/// bitmap    ⌈depth/8⌉  bit d (byte d/8, mask 0x80 >> d%8) set ⇔ sibling at depth d is not zero;
///                      unused trailing bits must be zero
/// siblings  32 each    the non-zero siblings, root side first
/// other     60 bytes   kind 2 only: the other leaf's address (20) ‖ account (40)
/// ```
///
/// Decoding is strict: exact length, depth ≤ 256, zero padding bits, no zero sibling marked
/// present, no empty account in an other-leaf proof; so every proof has exactly one encoding.
public struct MerkleProof: Sendable, Hashable {
    /// Where the path ends.
    public enum Kind: Sendable, Hashable {
        /// At the address's own leaf: the account is present (inclusion).
        case inclusion
        /// In an empty subtree: the address is absent.
        case emptySlot
        /// At the compact leaf of another address sharing the path's prefix: the address is absent.
        /// Carries that leaf's preimage so the verifier can check it is a different address.
        case otherLeaf(address: Address, account: Account)
    }

    /// Where the path ends.
    public let kind: Kind
    /// Sibling hashes from the root (index 0 = sibling at depth 0) down to the end of the path,
    /// `Digest32.zero` for empty subtrees. `siblings.count` is the depth where the path ends.
    public let siblings: [Digest32]

    /// Creates a proof (the verifier checks it; nothing is checked here).
    public init(kind: Kind, siblings: [Digest32]) {
        self.kind = kind
        self.siblings = siblings
    }

    /// Depth where the path ends.
    public var depth: Int { siblings.count }

    /// True for an inclusion proof.
    public var isInclusion: Bool { if case .inclusion = kind { true } else { false } }

    /// Largest possible depth: two paths always part before bit 256.
    public static let maxDepth = 256

    /// The compact byte encoding (see the type's documentation).
    public var serialized: [UInt8] {
        let d = siblings.count
        var out: [UInt8] = []
        out.reserveCapacity(3 + (d + 7) / 8 + 32 * d + 60)
        switch kind {
        case .inclusion: out.append(0)
        case .emptySlot: out.append(1)
        case .otherLeaf: out.append(2)
        }
        CompactSiblings.append(siblings, to: &out)
        if case .otherLeaf(let address, let account) = kind {
            out.append(contentsOf: address.bytes)
            out.append(contentsOf: account.encoded)
        }
        return out
    }

    /// Decodes `serialized`, strictly (see the type's documentation).
    public init(serialized bytes: [UInt8]) throws(StateError) {
        func fail(_ why: String) -> StateError { .malformed("Merkle proof: " + why) }
        guard let tag = bytes.first else { throw fail("shorter than its 3-byte header") }
        guard tag <= 2 else { throw fail("unknown kind \(tag)") }
        let (siblings, offset) = try CompactSiblings.decode(bytes, trailing: (tag == 2 ? 60 : 0), fail: fail)
        switch tag {
        case 0: kind = .inclusion
        case 1: kind = .emptySlot
        default:
            let address = Address(bytes: Array(bytes[offset ..< offset + 20]))!
            let account = Account(encoded: bytes[offset + 20 ..< offset + 60])!
            guard !account.isEmpty else { throw fail("other leaf with the empty account") }
            kind = .otherLeaf(address: address, account: account)
        }
        self.siblings = siblings
    }
}

/// Checks `proof` against `root` for `address`: true iff it proves that `address` holds
/// `account` (inclusion), or, when `account` is nil or empty, that `address` is absent.
///
/// Needs nothing but its arguments. Also rejects non-canonical proofs (a path must end where the
/// compact tree puts it, so the deepest sibling is never zero), so each fact has one proof.
public func verifyProof(_ proof: MerkleProof, root: Digest32, address: Address, account: Account?) -> Bool {
    let claimed = account.flatMap { $0.isEmpty ? nil : $0 }
    let depth = proof.siblings.count
    guard depth <= MerkleProof.maxDepth else { return false }
    // Canonical form: the parent of where the path ends holds ≥ 2 accounts, and at most one of
    // them (this one) is on the path's side, so the last sibling is non-empty.
    if depth > 0 && proof.siblings[depth - 1] == .zero { return false }
    let addressKey = AddressKey(address)
    let path = PathKey(addressKey.pathDigest())
    var h: Digest32
    switch proof.kind {
    case .inclusion:
        guard let claimed else { return false }
        h = claimed.leafHash(at: addressKey)
    case .emptySlot:
        guard claimed == nil else { return false }
        h = .zero
    case .otherLeaf(let otherAddress, let otherAccount):
        guard claimed == nil, otherAddress != address, !otherAccount.isEmpty else { return false }
        let otherKey = AddressKey(otherAddress)
        // The other leaf must sit on this path: its own path shares the first `depth` bits.
        guard PathKey(otherKey.pathDigest()).commonPrefixLength(path) >= depth else { return false }
        h = otherAccount.leafHash(at: otherKey)
    }
    var d = depth - 1
    while d >= 0 {
        let sibling = proof.siblings[d]
        h = path.bit(d) == 0 ? Keccak256.hash(left: h, right: sibling) : Keccak256.hash(left: sibling, right: h)
        d -= 1
    }
    return h == root
}
