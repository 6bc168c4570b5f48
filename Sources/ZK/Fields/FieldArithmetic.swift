/// The operations every field of the tower offers (Fq, Fr, Fq2, Fq6, Fq12), so that curve points
/// and exponentiation are written once.
public protocol FieldArithmetic: Hashable, Sendable {
    static var zero: Self { get }
    static var one: Self { get }
    var isZero: Bool { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static prefix func - (a: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    func squared() -> Self
    func doubled() -> Self
    /// The multiplicative inverse; nil for zero.
    func inverse() -> Self?
}

extension FieldArithmetic {
    @inlinable
    public static func += (a: inout Self, b: Self) { a = a + b }
    @inlinable
    public static func -= (a: inout Self, b: Self) { a = a - b }
    @inlinable
    public static func *= (a: inout Self, b: Self) { a = a * b }

    /// `self^exponent`, square-and-multiply from the top bit.
    @inlinable
    public func pow(_ exponent: UInt256) -> Self {
        var result = Self.one
        var i = exponent.bitWidth - 1
        while i >= 0 {
            result = result.squared()
            if exponent.bit(i) { result = result * self }
            i -= 1
        }
        return result
    }

    /// `self^exponent` for an exponent of any size, given as little-endian 64-bit limbs (slow; for
    /// checks against exponents such as (p^12 − 1)/r).
    public func pow(limbs exponent: [UInt64]) -> Self {
        var result = Self.one
        for limb in exponent.reversed() {
            for bit in stride(from: 63, through: 0, by: -1) {
                result = result.squared()
                if (limb >> UInt64(bit)) & 1 == 1 { result = result * self }
            }
        }
        return result
    }
}
