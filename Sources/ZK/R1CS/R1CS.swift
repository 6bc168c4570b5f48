/// A rank-1 constraint system as circom lays it out: wire 0 is the constant 1, then
/// `publicOutputs` and `publicInputs` wires, then `privateInputs`, then internal wires up to
/// `wireCount`. What a `.r1cs` file holds and what a Groth16 setup consumes.
public struct R1CS: Sendable {
    public var wireCount: Int
    public var publicOutputs: Int
    public var publicInputs: Int
    public var privateInputs: Int
    public var constraints: [Constraint]
    /// Label of each wire (circom's signal ids); the identity when we build the system.
    public var wireToLabel: [UInt64]
    public var labelCount: UInt64

    public init(wireCount: Int, publicOutputs: Int, publicInputs: Int, privateInputs: Int,
                constraints: [Constraint], wireToLabel: [UInt64]? = nil, labelCount: UInt64? = nil) {
        self.wireCount = wireCount
        self.publicOutputs = publicOutputs
        self.publicInputs = publicInputs
        self.privateInputs = privateInputs
        self.constraints = constraints
        self.wireToLabel = wireToLabel ?? (0..<wireCount).map { UInt64($0) }
        self.labelCount = labelCount ?? UInt64(wireCount)
    }

    /// Public wires after wire 0 (outputs and inputs): the statement's length.
    public var publicCount: Int { publicOutputs + publicInputs }

    /// The verdict of `isSatisfied`.
    public enum Satisfaction: Equatable, Sendable {
        case satisfied
        /// The first constraint (by index) the witness violates.
        case unsatisfied(constraint: Int)
        case wrongWitnessLength(expected: Int, got: Int)
        /// Wire 0 must hold 1.
        case wireZeroNotOne
    }

    /// Checks every constraint in order and reports the first that fails.
    public func isSatisfied(_ witness: Witness) -> Satisfaction {
        let values = witness.values
        guard values.count == wireCount else {
            return .wrongWitnessLength(expected: wireCount, got: values.count)
        }
        guard values.first == .one else { return .wireZeroNotOne }
        for (i, constraint) in constraints.enumerated() where !constraint.isSatisfied(by: values) {
            return .unsatisfied(constraint: i)
        }
        return .satisfied
    }
}

/// A full assignment of a constraint system's wires (wire 0 = 1 first), the `.wtns` content.
public struct Witness: Sendable, Equatable {
    public var values: [Fr]
    public init(values: [Fr]) { self.values = values }
}
