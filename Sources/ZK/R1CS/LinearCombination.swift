/// A wire of a constraint system: its index in the witness vector (wire 0 is the constant 1,
/// then the public inputs, the private inputs and the internal wires, as circom orders them).
public struct Variable: Hashable, Sendable {
    public let index: Int
    public init(index: Int) { self.index = index }
    /// The constant wire, whose value is always 1.
    public static let one = Variable(index: 0)
}

/// A sparse linear combination Σ cᵢ·wᵢ of wires with coefficients in Fr. Terms may repeat a wire
/// while a gadget builds it; `normalized()` (applied when a constraint is recorded) sorts them by
/// wire, merges repeats and drops zero coefficients, the form the `.r1cs` format requires.
public struct LinearCombination: Sendable {
    public var terms: [(wire: Int, coefficient: Fr)]

    public init(terms: [(wire: Int, coefficient: Fr)] = []) { self.terms = terms }
    public init(_ variable: Variable, _ coefficient: Fr = .one) { terms = [(variable.index, coefficient)] }
    /// The constant c (c times wire 0).
    public init(constant: Fr) { terms = constant.isZero ? [] : [(0, constant)] }

    public static var zero: LinearCombination { LinearCombination() }

    /// Its value under an assignment of all wires.
    public func evaluate(_ values: [Fr]) -> Fr {
        var acc = Fr.zero
        for term in terms { acc += values[term.wire] * term.coefficient }
        return acc
    }

    /// Sorted by wire, repeats merged, zeros dropped.
    public func normalized() -> LinearCombination {
        let sorted = terms.sorted { $0.wire < $1.wire }
        var out: [(wire: Int, coefficient: Fr)] = []
        out.reserveCapacity(sorted.count)
        for term in sorted {
            if let last = out.last, last.wire == term.wire {
                out[out.count - 1].coefficient = last.coefficient + term.coefficient
            } else {
                out.append(term)
            }
        }
        return LinearCombination(terms: out.filter { !$0.coefficient.isZero })
    }

    public static func + (a: LinearCombination, b: LinearCombination) -> LinearCombination {
        LinearCombination(terms: a.terms + b.terms)
    }
    public static func + (a: LinearCombination, b: Variable) -> LinearCombination { a + LinearCombination(b) }
    public static func + (a: LinearCombination, c: Fr) -> LinearCombination { a + LinearCombination(constant: c) }
    public static prefix func - (a: LinearCombination) -> LinearCombination {
        LinearCombination(terms: a.terms.map { ($0.wire, -$0.coefficient) })
    }
    public static func - (a: LinearCombination, b: LinearCombination) -> LinearCombination { a + (-b) }
    public static func - (a: LinearCombination, b: Variable) -> LinearCombination { a - LinearCombination(b) }
    public static func * (a: LinearCombination, c: Fr) -> LinearCombination {
        LinearCombination(terms: a.terms.map { ($0.wire, $0.coefficient * c) })
    }
    public static func += (a: inout LinearCombination, b: LinearCombination) { a.terms += b.terms }
}

extension Variable {
    public var lc: LinearCombination { LinearCombination(self) }
    public static func + (a: Variable, b: Variable) -> LinearCombination { LinearCombination(a) + b }
    public static func - (a: Variable, b: Variable) -> LinearCombination { LinearCombination(a) - b }
    public static func * (a: Variable, c: Fr) -> LinearCombination { LinearCombination(a, c) }
}
