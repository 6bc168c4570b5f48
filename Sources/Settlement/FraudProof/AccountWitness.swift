/// One account's value with its Merkle proof: enough to check the value against a state root and
/// to compute the root after the account changes, without the tree (what the arbiter has).
///
/// ## Root updates from a proof
///
/// A valid proof for `address` against root R fixes the hash of every subtree off the address's
/// path (the siblings) and what the path ends at, at depth d = `proof.depth`. Setting the account
/// to a non-empty value changes only the subtree at depth d:
///
/// - `.inclusion`: the leaf is rehashed in place.
/// - `.emptySlot`: the new account's leaf sits at depth d (it is alone in that subtree).
/// - `.otherLeaf(b, v)`: the two accounts share their first p ≥ d path bits, so both leaves move
///   down to depth p + 1, each on its side of node p, with a zero sibling at every depth d ..< p.
///
/// Then the siblings are folded back up to the root exactly as `verifyProof` does. Writing the
/// empty account to an absent address changes nothing. Emptying a present account would need to
/// know whether its sibling subtree is a lone leaf (which then moves up), which hashes cannot tell;
/// the state-transition function never does it (a sender's nonce grows, credits only add), so it
/// is refused with `FraudProofError.deletionUnsupported`.
public struct AccountWitness: Sendable, Hashable {
    /// The account's value (`Account.empty` when absent).
    public let account: Account
    /// Its proof: inclusion when present, an absence proof otherwise.
    public let proof: MerkleProof

    /// A witness from its parts (checked only by `verify(root:address:)`).
    public init(account: Account, proof: MerkleProof) {
        self.account = account
        self.proof = proof
    }

    /// The witness of `address` in `tree` (its current value and proof).
    public init(_ address: Address, in tree: SparseMerkleTree) {
        self.init(account: tree.account(address) ?? .empty, proof: tree.proof(for: address))
    }

    /// True iff the proof shows that `address` holds `account` under `root`.
    public func verify(root: Digest32, address: Address) -> Bool {
        verifyProof(proof, root: root, address: address, account: account)
    }

    /// The root after setting `address` to `newAccount`, for a witness that verifies against the
    /// current root (check with `verify(root:address:)` first: this only computes).
    public func rootAfterSetting(_ address: Address, to newAccount: Account) throws(FraudProofError) -> Digest32 {
        try proof.rootAfterSetting(address, to: newAccount)
    }
}

extension MerkleProof {
    /// The root after setting `address` to `newAccount`, for a proof of `address` that is valid
    /// against the current root (see `AccountWitness` for the rules). Throws
    /// `deletionUnsupported` for emptying a present account, and `malformed` for an other-leaf
    /// proof whose leaf is not on `address`'s path.
    public func rootAfterSetting(_ address: Address, to newAccount: Account) throws(FraudProofError) -> Digest32 {
        let key = AddressKey(address)
        let path = PathKey(key.pathDigest())
        let depth = siblings.count
        var h: Digest32
        switch kind {
        case .inclusion:
            guard !newAccount.isEmpty else { throw .deletionUnsupported(address) }
            h = newAccount.leafHash(at: key)
        case .emptySlot:
            h = newAccount.isEmpty ? .zero : newAccount.leafHash(at: key)
        case .otherLeaf(let otherAddress, let otherAccount):
            let otherKey = AddressKey(otherAddress)
            let otherHash = otherAccount.leafHash(at: otherKey)
            if newAccount.isEmpty {
                h = otherHash
            } else {
                let split = PathKey(otherKey.pathDigest()).commonPrefixLength(path)
                guard otherAddress != address, split >= depth, split < MerkleProof.maxDepth else {
                    throw .malformed("other-leaf proof whose leaf is not beside \(address)'s path")
                }
                let mine = newAccount.leafHash(at: key)
                h = path.bit(split) == 0 ? Keccak256.hash(left: mine, right: otherHash)
                                         : Keccak256.hash(left: otherHash, right: mine)
                var d = split - 1
                while d >= depth {
                    h = path.bit(d) == 0 ? Keccak256.hash(left: h, right: .zero) : Keccak256.hash(left: .zero, right: h)
                    d -= 1
                }
            }
        }
        var d = depth - 1
        while d >= 0 {
            let sibling = siblings[d]
            h = path.bit(d) == 0 ? Keccak256.hash(left: h, right: sibling) : Keccak256.hash(left: sibling, right: h)
            d -= 1
        }
        return h
    }
}
