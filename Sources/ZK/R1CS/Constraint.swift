/// One rank-1 constraint ⟨A, w⟩ · ⟨B, w⟩ = ⟨C, w⟩, its linear combinations normalized.
public struct Constraint: Sendable {
    public let a: LinearCombination
    public let b: LinearCombination
    public let c: LinearCombination

    public init(a: LinearCombination, b: LinearCombination, c: LinearCombination) {
        self.a = a.normalized()
        self.b = b.normalized()
        self.c = c.normalized()
    }

    /// Whether the assignment satisfies it.
    public func isSatisfied(by values: [Fr]) -> Bool {
        a.evaluate(values) * b.evaluate(values) == c.evaluate(values)
    }
}
