import Foundation
import XCTest
@testable import ZK

/// A deterministic generator for the randomised law tests (SplitMix64), so a failure reproduces.
struct TestRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uint256() -> UInt256 { UInt256(next(), next(), next(), next()) }
    mutating func fq() -> Fq { Fq(reducing: UInt256(next(), next(), next(), next() >> 3)) }
    mutating func fr() -> Fr { Fr(reducing: UInt256(next(), next(), next(), next() >> 3)) }
    mutating func fq2() -> Fq2 { Fq2(fq(), fq()) }
    mutating func fq6() -> Fq6 { Fq6(fq2(), fq2(), fq2()) }
    mutating func fq12() -> Fq12 { Fq12(fq6(), fq6()) }
}

/// Minimal arbitrary-precision unsigned arithmetic for exponents beyond 256 bits in tests:
/// little-endian 64-bit limbs.
enum BigNat {
    static func normalize(_ a: [UInt64]) -> [UInt64] {
        var a = a
        while a.count > 1, a.last == 0 { a.removeLast() }
        return a
    }

    static func from(_ x: UInt256) -> [UInt64] { normalize([x.l0, x.l1, x.l2, x.l3]) }

    static func mul(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: a.count + b.count)
        for i in 0..<a.count {
            var carry: UInt64 = 0
            for j in 0..<b.count {
                let (hi, lo) = a[i].multipliedFullWidth(by: b[j])
                let (s1, c1) = lo.addingReportingOverflow(out[i + j])
                let (s2, c2) = s1.addingReportingOverflow(carry)
                out[i + j] = s2
                carry = hi &+ (c1 ? 1 : 0) &+ (c2 ? 1 : 0)
            }
            out[i + b.count] = carry
        }
        return normalize(out)
    }

    static func compare(_ a: [UInt64], _ b: [UInt64]) -> Int {
        let a = normalize(a), b = normalize(b)
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for i in stride(from: a.count - 1, through: 0, by: -1) where a[i] != b[i] {
            return a[i] < b[i] ? -1 : 1
        }
        return 0
    }

    static func sub(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var out = a
        var borrow = false
        for i in 0..<out.count {
            let bi = i < b.count ? b[i] : 0
            let (d1, b1) = out[i].subtractingReportingOverflow(bi)
            let (d2, b2) = d1.subtractingReportingOverflow(borrow ? 1 : 0)
            out[i] = d2
            borrow = b1 || b2
        }
        precondition(!borrow)
        return normalize(out)
    }

    static func bitWidth(_ a: [UInt64]) -> Int {
        let a = normalize(a)
        return (a.count - 1) * 64 + (64 - a.last!.leadingZeroBitCount)
    }

    static func shiftedLeft(_ a: [UInt64], by bits: Int) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: a.count + bits / 64 + 1)
        let w = bits / 64, s = UInt64(bits % 64)
        for i in 0..<a.count {
            out[i + w] |= a[i] << s
            if s != 0 { out[i + w + 1] |= a[i] >> (64 - s) }
        }
        return normalize(out)
    }

    /// Quotient and remainder by binary long division.
    static func divide(_ a: [UInt64], by d: [UInt64]) -> (quotient: [UInt64], remainder: [UInt64]) {
        var rem = normalize(a)
        var quotient = [UInt64](repeating: 0, count: a.count)
        let dBits = bitWidth(d)
        var shift = bitWidth(rem) - dBits
        while shift >= 0 {
            let shifted = shiftedLeft(d, by: shift)
            if compare(rem, shifted) >= 0 {
                rem = sub(rem, shifted)
                quotient[shift / 64] |= 1 << UInt64(shift % 64)
            }
            shift -= 1
        }
        return (normalize(quotient), rem)
    }
}

/// Loads a JSON fixture from Tests/vectors.
func loadVectorFile<T: Decodable>(_ name: String, as type: T.Type) -> T {
    let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("vectors/\(name)")
    do {
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    } catch {
        fatalError("cannot load \(url.path): \(error)")
    }
}

func bytes(hex: String) -> [UInt8] {
    var s = Substring(hex)
    if s.hasPrefix("0x") { s = s.dropFirst(2) }
    precondition(s.count % 2 == 0, "odd hex length")
    var out: [UInt8] = []
    out.reserveCapacity(s.count / 2)
    var i = s.startIndex
    while i < s.endIndex {
        let j = s.index(i, offsetBy: 2)
        out.append(UInt8(s[i..<j], radix: 16)!)
        i = j
    }
    return out
}

func hexString(_ b: [UInt8]) -> String {
    b.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}
