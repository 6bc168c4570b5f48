extension FieldArithmetic {
    /// The inverses of many elements with one field inversion (Montgomery's trick: prefix products,
    /// one inverse of the total, then a backward pass). Zeros stay zero, so a caller can invert a
    /// vector that may contain them without checking first.
    public static func batchInverse(_ elements: [Self]) -> [Self] {
        var prefix = [Self]()
        prefix.reserveCapacity(elements.count)
        var acc = Self.one
        for e in elements {
            prefix.append(acc)
            if !e.isZero { acc = acc * e }
        }
        // acc is a product of non-zero elements, hence invertible.
        var inv = acc.inverse()!
        var out = [Self](repeating: .zero, count: elements.count)
        for i in stride(from: elements.count - 1, through: 0, by: -1) where !elements[i].isZero {
            out[i] = inv * prefix[i]
            inv = inv * elements[i]
        }
        return out
    }
}
