/// A circuit built into the engine, by name: it builds its constraint system and witness from its
/// named input signals (as a circom `input.json` gives them); `exampleInputs` is a valid input, so
/// a circuit can be exported, witnessed and proved without any file. The constraint system's shape
/// does not depend on the input's values.
public struct BuiltinCircuit: Sendable {
    public let name: String
    public let summary: String
    /// The input signals, in the order `zk circuits --describe` lists them.
    public let signals: [CircuitSignal]
    /// A valid input (the values `--example` proves).
    public let exampleInputs: CircuitInputs
    /// Builds the system from inputs already checked against `signals`.
    let make: @Sendable (CircuitInputs) -> ConstraintSystem

    /// The built-in circuits: `poseidon-preimage`, `merkle-membership` (depth 20), `spend` (the
    /// shielded pool's, depth 32).
    public static let all: [BuiltinCircuit] = [
        BuiltinCircuit(name: "poseidon-preimage",
                       summary: "public: h; private: x, y; h = poseidon(x, y)",
                       signals: PoseidonPreimageCircuit.signals,
                       exampleInputs: PoseidonPreimageCircuit.example.inputs,
                       make: { PoseidonPreimageCircuit(inputs: $0).build() }),
        merkleMembership(depth: 20),
        BuiltinCircuit(name: "spend",
                       summary: "shielded 2-in/2-out spend (depth \(SpendCircuit.treeDepth)); public: "
                           + SpendCircuit.publicInputNames.joined(separator: ", "),
                       signals: SpendCircuit.signals(),
                       exampleInputs: SpendCircuit.example().inputs,
                       make: { SpendCircuit.build(inputs: $0) }),
    ]

    /// `merkle-membership` at another depth (1 to 64).
    public static func merkleMembership(depth: Int) -> BuiltinCircuit {
        precondition((1...64).contains(depth), "depth 1 to 64")
        return BuiltinCircuit(name: "merkle-membership",
                              summary: "public: root; private: leaf, path bits, siblings (depth \(depth))",
                              signals: MerkleMembershipCircuit.signals(depth: depth),
                              exampleInputs: MerkleMembershipCircuit.example(depth: depth).inputs,
                              make: { MerkleMembershipCircuit(inputs: $0).build() })
    }

    public static func named(_ name: String) -> BuiltinCircuit? { all.first { $0.name == name } }

    /// The system and witness for the example input.
    public func buildExample() -> ConstraintSystem { make(exampleInputs) }

    /// The system and witness for a circom-style `input.json` (see `CircuitInputs.parse`).
    public func build(inputJSON bytes: [UInt8]) throws(CircuitInputError) -> ConstraintSystem {
        make(try CircuitInputs.parse(json: bytes, signals: signals))
    }
}

/// Knowledge of a Poseidon preimage: public h, private (x, y), h = poseidon(x, y). 241 constraints.
public struct PoseidonPreimageCircuit: Sendable {
    public var x: Fr
    public var y: Fr
    public init(x: Fr, y: Fr) { self.x = x; self.y = y }

    public static let example = PoseidonPreimageCircuit(x: Fr(1), y: Fr(2))

    /// The input signals: x and y (the public h is computed).
    public static let signals = [
        CircuitSignal(name: "x", summary: "first preimage element (private)"),
        CircuitSignal(name: "y", summary: "second preimage element (private)"),
    ]

    /// From inputs checked against `signals`.
    public init(inputs: CircuitInputs) { self.init(x: inputs["x"][0], y: inputs["y"][0]) }

    /// This preimage as named inputs.
    public var inputs: CircuitInputs { CircuitInputs(["x": [x], "y": [y]]) }

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

    /// The input signals: leaf, pathBits[depth] (0 or 1), siblings[depth] (the public root is
    /// computed).
    public static func signals(depth: Int) -> [CircuitSignal] {
        [CircuitSignal(name: "leaf", summary: "the leaf value (private)"),
         CircuitSignal(name: "pathBits", length: depth, isBit: true,
                       summary: "bit i = 1 when the node at level i is a right child (private)"),
         CircuitSignal(name: "siblings", length: depth, summary: "the sibling at each level, leaf first (private)")]
    }

    /// From inputs checked against `signals(depth:)`.
    public init(inputs: CircuitInputs) {
        self.init(leaf: inputs["leaf"][0], pathBits: inputs["pathBits"].map { $0 == .one },
                  siblings: inputs["siblings"])
    }

    /// This path as named inputs.
    public var inputs: CircuitInputs {
        CircuitInputs(["leaf": [leaf], "pathBits": pathBits.map { $0 ? .one : .zero }, "siblings": siblings])
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
