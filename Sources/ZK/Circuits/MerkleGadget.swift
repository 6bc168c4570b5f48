/// The Poseidon Merkle path: from a leaf, the path bits (bit i = 1 when the node at level i is
/// the right child) and the siblings, the root poseidon(left, right) up the tree. Per level:
/// 1 (boolean) + 1 (swap) + 240 (Poseidon of 2) = 242 constraints; the root is returned as a
/// linear combination for the caller to constrain.
extension ConstraintSystem {
    public mutating func merkleRoot(leaf: LinearCombination, pathBits: [Variable], siblings: [LinearCombination])
        -> LinearCombination {
        precondition(pathBits.count == siblings.count, "one sibling per path bit")
        var current = leaf
        for (bit, sibling) in zip(pathBits, siblings) {
            enforceBoolean(bit)
            let (left, right) = conditionalSwap(bit, current, sibling)
            current = poseidon([left, right])
        }
        return current
    }

    /// The native counterpart: the root of `leaf` under the path (same convention).
    public static func merkleRootNative(leaf: Fr, pathBits: [Bool], siblings: [Fr]) -> Fr {
        var current = leaf
        for (bit, sibling) in zip(pathBits, siblings) {
            current = bit ? Poseidon.hash([sibling, current]) : Poseidon.hash([current, sibling])
        }
        return current
    }
}
