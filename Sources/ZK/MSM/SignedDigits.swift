/// The signed base-2^c digits of scalars, computed once per multi-scalar multiplication.
///
/// A scalar s < 2^b (b = 254 for a canonical element of Fr, 128 for a half of a GLS split) is
/// written s = Σⱼ dⱼ·2^(c·j) with every digit in (−2^(c−1), 2^(c−1)]: a window value above 2^(c−1)
/// becomes negative and carries one into the next window. Halving the digit range halves the
/// buckets per window (a negative digit adds the negated base, which is free in affine form).
@usableFromInline
struct SignedDigits: Sendable {
    /// Bits per window.
    @usableFromInline let windowBits: Int
    /// Number of windows: ⌊b/c⌋ + 1, enough for the final carry.
    @usableFromInline let windowCount: Int
    /// Number of scalars.
    @usableFromInline let count: Int
    /// Window-major: digit of scalar i in window w at `w * count + i`.
    @usableFromInline let digits: [Int32]

    /// Converts each scalar out of Montgomery form once and splits it into windows.
    @inlinable
    init(scalars: [Fr], windowBits c: Int) {
        self.init(count: scalars.count, scalarBits: 254, windowBits: c) { scalars[$0].canonical }
    }

    /// The digits of integer scalars below 2^`scalarBits`.
    @inlinable
    init(integers: [UInt256], scalarBits: Int, windowBits c: Int) {
        self.init(count: integers.count, scalarBits: scalarBits, windowBits: c) { integers[$0] }
    }

    /// The digits of `count` scalars below 2^`scalarBits`, scalar i given by `scalar(i)`.
    @inlinable
    init(count n: Int, scalarBits: Int, windowBits c: Int, scalar: (Int) -> UInt256) {
        precondition((1...16).contains(c), "window of 1...16 bits")
        let windows = scalarBits / c + 1
        let half = 1 << (c - 1), full = 1 << c
        var digits = [Int32](repeating: 0, count: windows * n)
        for i in 0..<n {
            let s = scalar(i)
            var carry = 0
            for w in 0..<windows {
                var d = Self.bits(of: s, from: w * c, count: c) + carry
                if d > half {
                    d -= full
                    carry = 1
                } else {
                    carry = 0
                }
                digits[w * n + i] = Int32(d)
            }
        }
        self.windowBits = c
        self.windowCount = windows
        self.count = n
        self.digits = digits
    }

    /// `count` bits of `s` starting at bit `start` (bits beyond 255 read as zero).
    @inlinable
    static func bits(of s: UInt256, from start: Int, count: Int) -> Int {
        let limb = start >> 6, shift = start & 63
        guard limb < 4 else { return 0 }
        var v = s.limb(limb) >> UInt64(shift)
        if shift + count > 64, limb + 1 < 4 { v |= s.limb(limb + 1) << UInt64(64 - shift) }
        return Int(v & ((1 << UInt64(count)) - 1))
    }
}
