extension UInt256 {
    /// `init?(parsing:)` on UTF-8 bytes, without making a `String`: a decimal number, or a
    /// `0x`/`0X`-prefixed hex number; nil on anything else or above 2^256 - 1. Decimal digits are
    /// taken 19 at a time (one 256-bit multiply-add per 19 digits), for parsing a million
    /// genesis balances quickly.
    init?(parsingUTF8 bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        if n >= 2 && bytes[0] == 0x30 && (bytes[1] == 0x78 || bytes[1] == 0x58) {
            self.init(hexUTF8: UnsafeRawBufferPointer(rebasing: bytes[2...]))
        } else {
            self.init(decimalUTF8: bytes)
        }
    }

    /// Decimal digits only, at least one.
    init?(decimalUTF8 bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return nil }
        var v = UInt256.zero
        var chunk: UInt64 = 0
        var scale: UInt64 = 1
        for c in bytes {
            guard c >= 0x30 && c <= 0x39 else { return nil }
            chunk = chunk * 10 + UInt64(c - 0x30)
            scale *= 10
            if scale == 10_000_000_000_000_000_000 {
                guard let m = v.checkedMul(scale), let s = m.checkedAdd(UInt256(chunk)) else { return nil }
                v = s
                chunk = 0
                scale = 1
            }
        }
        if scale > 1 {
            guard let m = v.checkedMul(scale), let s = m.checkedAdd(UInt256(chunk)) else { return nil }
            v = s
        }
        self = v
    }

    /// Hex digits (no prefix), any case, at least one; leading zeros allowed.
    init?(hexUTF8 bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return nil }
        var v = UInt256.zero
        for c in bytes {
            let d: UInt64
            switch c {
            case 0x30...0x39: d = UInt64(c - 0x30)
            case 0x41...0x46: d = UInt64(c - 0x37)
            case 0x61...0x66: d = UInt64(c - 0x57)
            default: return nil
            }
            guard v.l3 >> 60 == 0 else { return nil } // shifting left by 4 would drop bits
            v = UInt256(l0: v.l0 << 4 | d, l1: v.l1 << 4 | v.l0 >> 60,
                        l2: v.l2 << 4 | v.l1 >> 60, l3: v.l3 << 4 | v.l2 >> 60)
        }
        self = v
    }
}
