/// The 80-bit Grain LFSR of the Poseidon reference parameter generator, with its self-shrinking
/// output: bits are drawn in pairs and the second is emitted only when the first is 1.
///
/// The state is initialised from the parameters (field type 2 bits, S-box 4 bits, field size 12,
/// width t 12, full rounds 10, partial rounds 10, then thirty 1s), the first 160 bits are
/// discarded, and each new bit is b0 ⊕ b13 ⊕ b23 ⊕ b38 ⊕ b51 ⊕ b62 of the current 80.
struct GrainLFSR {
    /// State bit i at position i: bits 0..63 in `low`, 64..79 in `high`.
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    init(fieldType: UInt64, sbox: UInt64, fieldBits: UInt64, width: UInt64, fullRounds: UInt64, partialRounds: UInt64) {
        var bits: [Bool] = []
        func push(_ value: UInt64, _ count: Int) {
            for i in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> UInt64(i)) & 1 == 1) }
        }
        push(fieldType, 2)
        push(sbox, 4)
        push(fieldBits, 12)
        push(width, 12)
        push(fullRounds, 10)
        push(partialRounds, 10)
        push((1 << 30) - 1, 30)
        for (i, bit) in bits.enumerated() where bit {
            if i < 64 { low |= 1 << UInt64(i) } else { high |= 1 << UInt64(i - 64) }
        }
        for _ in 0..<160 { _ = nextRawBit() }
    }

    /// Shifts the register by one and returns the new bit.
    private mutating func nextRawBit() -> UInt64 {
        let b = (low ^ (low >> 13) ^ (low >> 23) ^ (low >> 38) ^ (low >> 51) ^ (low >> 62)) & 1
        low = (low >> 1) | ((high & 1) << 63)
        high = (high >> 1) | (b << 15)
        return b
    }

    /// The next output bit of the self-shrinking generator.
    mutating func nextBit() -> UInt64 {
        while true {
            let control = nextRawBit()
            let bit = nextRawBit()
            if control == 1 { return bit }
        }
    }

    /// `count` output bits read as a big-endian integer (count ≤ 256).
    mutating func nextInteger(bits count: Int) -> UInt256 {
        var value = UInt256.zero
        for _ in 0..<count { value = value.multipliedAdding(2, nextBit()).partialValue }
        return value
    }
}
