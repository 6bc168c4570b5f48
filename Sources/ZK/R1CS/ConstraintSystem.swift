/// Builds an R1CS and its witness together: a circuit allocates its public inputs first, then its
/// private inputs, then gadgets allocate internal wires, each with its value computed on the spot,
/// and record constraints over them. The result is the circom wire order (1, public, private
/// inputs, internal), so `r1cs` and `witness` can be written as `.r1cs` / `.wtns` directly.
public struct ConstraintSystem: Sendable {
    /// Which kind of wire may still be allocated: the order is enforced, not sorted afterwards.
    enum Phase: Int, Comparable {
        case publicInputs, privateInputs, internalWires
        static func < (a: Phase, b: Phase) -> Bool { a.rawValue < b.rawValue }
    }

    public private(set) var values: [Fr] = [.one]
    public private(set) var constraints: [Constraint] = []
    public private(set) var publicInputCount = 0
    public private(set) var privateInputCount = 0
    var phase = Phase.publicInputs

    public init() {}

    /// A public input with its value. All public inputs come before any other wire.
    public mutating func allocatePublicInput(_ value: Fr) -> Variable {
        precondition(phase == .publicInputs, "public inputs must be allocated first")
        publicInputCount += 1
        return append(value)
    }

    /// A private input. Private inputs come after the public ones and before internal wires.
    public mutating func allocatePrivateInput(_ value: Fr) -> Variable {
        precondition(phase <= .privateInputs, "private inputs must precede internal wires")
        phase = .privateInputs
        privateInputCount += 1
        return append(value)
    }

    /// An internal (private, non-input) wire, as gadgets allocate them.
    public mutating func allocate(_ value: Fr) -> Variable {
        phase = .internalWires
        return append(value)
    }

    mutating func append(_ value: Fr) -> Variable {
        values.append(value)
        return Variable(index: values.count - 1)
    }

    /// Records A · B = C.
    public mutating func enforce(_ a: LinearCombination, _ b: LinearCombination, _ c: LinearCombination) {
        constraints.append(Constraint(a: a, b: b, c: c))
    }

    /// The value of a wire or a linear combination under the witness built so far.
    public func value(_ variable: Variable) -> Fr { values[variable.index] }
    public func value(_ lc: LinearCombination) -> Fr { lc.evaluate(values) }

    public var wireCount: Int { values.count }

    /// The constraint system (all public wires as circom public inputs; no public outputs).
    public var r1cs: R1CS {
        R1CS(wireCount: values.count, publicOutputs: 0, publicInputs: publicInputCount,
             privateInputs: privateInputCount, constraints: constraints)
    }

    /// The assignment computed while building.
    public var witness: Witness { Witness(values: values) }
}
