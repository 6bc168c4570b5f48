/// A circuit built into the engine, by name: it builds its constraint system and witness from an
/// input; `example` is a valid input, so a circuit can be exported, witnessed and proved without
/// any file. The constraint system's shape does not depend on the input's values.
public struct BuiltinCircuit: Sendable {
    public let name: String
    public let summary: String
    /// Builds the system for the example input.
    public let buildExample: @Sendable () -> ConstraintSystem

    /// The built-in circuits: `poseidon-preimage`, `merkle-membership` (depth 20).
    public static let all: [BuiltinCircuit] = [
        BuiltinCircuit(name: "poseidon-preimage",
                       summary: "public: h; private: x, y; h = poseidon(x, y)",
                       buildExample: { PoseidonPreimageCircuit.example.build() }),
        merkleMembership(depth: 20),
    ]

    /// `merkle-membership` at another depth (1 to 64).
    public static func merkleMembership(depth: Int) -> BuiltinCircuit {
        precondition((1...64).contains(depth), "depth 1 to 64")
        return BuiltinCircuit(name: "merkle-membership",
                              summary: "public: root; private: leaf, path bits, siblings (depth \(depth))",
                              buildExample: { MerkleMembershipCircuit.example(depth: depth).build() })
    }

    public static func named(_ name: String) -> BuiltinCircuit? { all.first { $0.name == name } }
}

/// Knowledge of a Poseidon preimage: public h, private (x, y), h = poseidon(x, y). 241 constraints.
public struct PoseidonPreimageCircuit: Sendable {
    public var x: Fr
    public var y: Fr
    public init(x: Fr, y: Fr) { self.x = x; self.y = y }

    public static let example = PoseidonPreimageCircuit(x: Fr(1), y: Fr(2))

    public func build() -> ConstraintSystem {
        var cs = ConstraintSystem()
        let h = cs.allocatePublicInput(Poseidon.hash([x, y]))
        let xv = cs.allocatePrivateInput(x)
        let yv = cs.allocatePrivateInput(y)
        let out = cs.poseidon([xv.lc, yv.lc])
        cs.enforceEqual(h.lc, out)
        return cs
    }
}

/// Membership in a Poseidon Merkle tree: public root; private leaf, path bits (bit i = 1 when the
/// node at level i is a right child) and siblings. 242·depth + 1 constraints.
public struct MerkleMembershipCircuit: Sendable {
    public var leaf: Fr
    public var pathBits: [Bool]
    public var siblings: [Fr]
    public init(leaf: Fr, pathBits: [Bool], siblings: [Fr]) {
        precondition(pathBits.count == siblings.count, "one sibling per path bit")
        self.leaf = leaf; self.pathBits = pathBits; self.siblings = siblings
    }

    public var depth: Int { pathBits.count }
    public var root: Fr { ConstraintSystem.merkleRootNative(leaf: leaf, pathBits: pathBits, siblings: siblings) }

    /// Leaf 42 at index 0b…10110 (alternating sides), siblings 1000 + level.
    public static func example(depth: Int = 20) -> MerkleMembershipCircuit {
        MerkleMembershipCircuit(leaf: Fr(42),
                                pathBits: (0..<depth).map { (0b10110 >> ($0 % 5)) & 1 == 1 },
                                siblings: (0..<depth).map { Fr(UInt64(1000 + $0)) })
    }

    public func build() -> ConstraintSystem {
        var cs = ConstraintSystem()
        let rootWire = cs.allocatePublicInput(root)
        let leafWire = cs.allocatePrivateInput(leaf)
        let bitWires = pathBits.map { cs.allocatePrivateInput($0 ? .one : .zero) }
        let siblingWires = siblings.map { cs.allocatePrivateInput($0) }
        let computed = cs.merkleRoot(leaf: leafWire.lc, pathBits: bitWires, siblings: siblingWires.map(\.lc))
        cs.enforceEqual(rootWire.lc, computed)
        return cs
    }
}
