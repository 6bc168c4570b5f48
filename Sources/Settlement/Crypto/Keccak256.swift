/// Keccak-256 as used by Ethereum: Keccak-f[1600], rate 136 bytes, capacity 512 bits, and the
/// *original* Keccak padding (domain byte 0x01), not the FIPS-202 SHA3-256 padding (0x06).
///
/// Pure Swift and allocation-free: the 25-lane state lives in a struct of scalars (stack /
/// registers); each of the 24 rounds is straight-line code with the rho offsets and pi positions
/// baked in. Inputs are read lane by lane with unaligned little-endian loads. `hash(left:right:)`
/// is the Merkle node fast path: 64 bytes fit one block, so it is a single permutation whose
/// padding lanes are constants.
///
/// Speed notes (see `keccakF1600`): rounds are computed plane by plane (each output row's five
/// rho/pi values are produced and fed to chi at once, which keeps few values live on a 16-register
/// machine), and six lanes are kept complemented so that chi needs 6 NOTs per round instead of 25
/// (baseline x86-64 has no and-not instruction).
public enum Keccak256 {
    /// Rate of Keccak-256 in bytes: (1600 - 2 * 256) / 8.
    public static let blockSize = 136

    /// Hashes the bytes in `bytes`.
    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> Digest32 {
        guard let base = bytes.baseAddress else { return hash(base: nil, count: 0) }
        return hash(base: base, count: bytes.count)
    }

    /// Hashes a byte array.
    @inlinable
    public static func hash(_ bytes: [UInt8]) -> Digest32 {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// Hashes a contiguous slice of a byte array.
    @inlinable
    public static func hash(_ bytes: ArraySlice<UInt8>) -> Digest32 {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// Hashes the UTF-8 encoding of `string` (EIP-712 type strings, for example).
    public static func hash(utf8 string: String) -> Digest32 {
        var s = string
        return s.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    /// keccak256(left ‖ right): the node hash of a binary Merkle tree.
    ///
    /// The 64 bytes fill lanes 0...7 of the single block; the padding puts the 0x01 domain/pad
    /// byte at byte 64 (lane 8) and the final 0x80 bit at byte 135 (top of lane 16).
    @inlinable
    public static func hash(left: Digest32, right: Digest32) -> Digest32 {
        var s = KeccakState()
        s.a00 ^= left.w0; s.a01 ^= left.w1; s.a02 ^= left.w2; s.a03 ^= left.w3
        s.a04 ^= right.w0; s.a05 ^= right.w1; s.a06 ^= right.w2; s.a07 ^= right.w3
        s.a08 ^= 0x01
        s.a16 ^= 0x8000_0000_0000_0000
        keccakF1600(&s)
        return s.digest
    }

    /// Hashes exactly 64 bytes at `pointer` (an uncompressed public key without its 0x04 prefix,
    /// for example) with the same single-block fast path as `hash(left:right:)`.
    @inlinable
    public static func hash64(_ pointer: UnsafeRawPointer) -> Digest32 {
        hash(left: Digest32(loading: pointer), right: Digest32(loading: pointer + 32))
    }

    @usableFromInline
    static func hash(base: UnsafeRawPointer?, count: Int) -> Digest32 {
        var s = KeccakState()
        var p = base ?? UnsafeRawPointer(bitPattern: 1)!
        var remaining = count
        while remaining >= blockSize {
            absorbBlock(&s, p)
            keccakF1600(&s)
            p += blockSize
            remaining -= blockSize
        }
        // Last (partial, possibly empty) block: copy, then pad10*1 with Keccak's domain bit:
        // 0x01 right after the message, 0x80 in the last byte of the rate. With 135 bytes left
        // both land in the same byte (0x81). A full final block is followed by a padding-only one.
        var last = LastBlock()
        withUnsafeMutableBytes(of: &last) { buf in
            if remaining > 0 { buf.baseAddress!.copyMemory(from: p, byteCount: remaining) }
            buf[remaining] ^= 0x01
            buf[blockSize - 1] ^= 0x80
            absorbBlock(&s, UnsafeRawPointer(buf.baseAddress!))
        }
        keccakF1600(&s)
        return s.digest
    }

    /// XORs one 136-byte block (17 lanes, little-endian) into the state. XOR commutes with the
    /// complemented representation, so complemented lanes need no special case here.
    @inline(__always)
    @usableFromInline
    static func absorbBlock(_ s: inout KeccakState, _ p: UnsafeRawPointer) {
        s.a00 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        s.a01 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        s.a02 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        s.a03 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        s.a04 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 32, as: UInt64.self))
        s.a05 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 40, as: UInt64.self))
        s.a06 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 48, as: UInt64.self))
        s.a07 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 56, as: UInt64.self))
        s.a08 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 64, as: UInt64.self))
        s.a09 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 72, as: UInt64.self))
        s.a10 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 80, as: UInt64.self))
        s.a11 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 88, as: UInt64.self))
        s.a12 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 96, as: UInt64.self))
        s.a13 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 104, as: UInt64.self))
        s.a14 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 112, as: UInt64.self))
        s.a15 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 120, as: UInt64.self))
        s.a16 ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 128, as: UInt64.self))
    }
}

/// 136 zero bytes on the stack for the final padded block.
@usableFromInline
struct LastBlock {
    var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    @usableFromInline init() {}
}

/// The Keccak-f[1600] state: lane (x, y) is `a` + (x + 5y), each a little-endian 64-bit word.
///
/// Lanes 1, 7, 8, 14, 17 and 22 — (x, y) = (1,0), (2,1), (3,1), (4,2), (2,3), (2,4) — are stored
/// complemented ("lane complementing"); the set is closed under one round, see `keccakF1600`.
/// So the empty state has those lanes all ones, absorbing is a plain XOR, and `digest` undoes the
/// complement of lane 1 when squeezing.
@usableFromInline
struct KeccakState {
    @usableFromInline var a00: UInt64
    @usableFromInline var a01: UInt64
    @usableFromInline var a02: UInt64
    @usableFromInline var a03: UInt64
    @usableFromInline var a04: UInt64
    @usableFromInline var a05: UInt64
    @usableFromInline var a06: UInt64
    @usableFromInline var a07: UInt64
    @usableFromInline var a08: UInt64
    @usableFromInline var a09: UInt64
    @usableFromInline var a10: UInt64
    @usableFromInline var a11: UInt64
    @usableFromInline var a12: UInt64
    @usableFromInline var a13: UInt64
    @usableFromInline var a14: UInt64
    @usableFromInline var a15: UInt64
    @usableFromInline var a16: UInt64
    @usableFromInline var a17: UInt64
    @usableFromInline var a18: UInt64
    @usableFromInline var a19: UInt64
    @usableFromInline var a20: UInt64
    @usableFromInline var a21: UInt64
    @usableFromInline var a22: UInt64
    @usableFromInline var a23: UInt64
    @usableFromInline var a24: UInt64

    /// The all-zero Keccak state, in the complemented representation.
    @inline(__always)
    @usableFromInline
    init() {
        a00 = 0
        a01 = ~0
        a02 = 0
        a03 = 0
        a04 = 0
        a05 = 0
        a06 = 0
        a07 = ~0
        a08 = ~0
        a09 = 0
        a10 = 0
        a11 = 0
        a12 = 0
        a13 = 0
        a14 = ~0
        a15 = 0
        a16 = 0
        a17 = ~0
        a18 = 0
        a19 = 0
        a20 = 0
        a21 = 0
        a22 = ~0
        a23 = 0
        a24 = 0
    }

    /// The first 32 bytes of output (lanes 0...3, lane 1 un-complemented).
    @inline(__always)
    @usableFromInline
    var digest: Digest32 { Digest32(w0: a00, w1: ~a01, w2: a02, w3: a03) }
}

@inline(__always)
@usableFromInline
func rotl(_ x: UInt64, _ n: UInt64) -> UInt64 {
    (x &<< n) | (x &>> (64 &- n))
}

/// Keccak-f[1600]: 24 rounds of theta, rho+pi, chi, iota on 25 local scalars.
///
/// Per round: theta's column parities c and d[x] = c[x-1] ^ rot(c[x+1], 1); then, plane by plane
/// of the *output*, b[X] = rot(A[x, X] ^ d[x], r[x, X]) for the five lanes that pi sends to row Y
/// (2x + 3X ≡ Y mod 5), and chi A'[X, Y] = b[X] ^ (~b[X+1] & b[X+2]); iota XORs the round
/// constant into A'[0, 0].
///
/// Lane complementing: theta, rho and pi are linear, so complemented inputs give b values whose
/// complement status is known at generation time. For each output lane chi is then written in the
/// equivalent form that consumes the stored (possibly complemented) b values and yields the lane
/// complemented or not as the representation requires, using De Morgan:
/// ~x & y = ~(x | ~y), and s ^ ~(u & v) = s ^ (~u | ~v). The complemented set (see `KeccakState`)
/// was chosen by exhaustive search as one needing only 6 NOTs per round.
@usableFromInline
func keccakF1600(_ s: inout KeccakState) {
    // Iota round constants (FIPS 202, 3.2.5), generated by the rc(t) LFSR.
    let rcs: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
              UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
              UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (
        0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
        0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
        0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
        0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
        0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
        0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008
    )
    var a00 = s.a00
    var a01 = s.a01
    var a02 = s.a02
    var a03 = s.a03
    var a04 = s.a04
    var a05 = s.a05
    var a06 = s.a06
    var a07 = s.a07
    var a08 = s.a08
    var a09 = s.a09
    var a10 = s.a10
    var a11 = s.a11
    var a12 = s.a12
    var a13 = s.a13
    var a14 = s.a14
    var a15 = s.a15
    var a16 = s.a16
    var a17 = s.a17
    var a18 = s.a18
    var a19 = s.a19
    var a20 = s.a20
    var a21 = s.a21
    var a22 = s.a22
    var a23 = s.a23
    var a24 = s.a24
    withUnsafeBytes(of: rcs) { rcBytes in
        // The round is written out four times per iteration: measured 12% faster than one
        // (less loop-carried shuffling of the 25 lanes); at six or more the compiler's register
        // allocation degrades and it is 40% slower.
        var round = 0
        while round < 24 {
            do { // round + 0
            let rc = rcBytes.load(fromByteOffset: (round &+ 0) &* 8, as: UInt64.self)
            let c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20
            let c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21
            let c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22
            let c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23
            let c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24
            let d0 = c4 ^ rotl(c1, 1)
            let d1 = c0 ^ rotl(c2, 1)
            let d2 = c1 ^ rotl(c3, 1)
            let d3 = c2 ^ rotl(c4, 1)
            let d4 = c3 ^ rotl(c0, 1)
            // plane y = 0
            let b0_0 = a00 ^ d0
            let b1_0 = rotl(a06 ^ d1, 44)
            let b2_0 = rotl(a12 ^ d2, 43)
            let b3_0 = rotl(a18 ^ d3, 21)
            let b4_0 = rotl(a24 ^ d4, 14)
            let n2_0 = ~b2_0
            let e00 = b0_0 ^ (b1_0 & b2_0) ^ rc
            let e01 = b1_0 ^ (n2_0 & b3_0)
            let e02 = ~(b2_0 ^ (b3_0 | b4_0))
            let e03 = b3_0 ^ (b4_0 & b0_0)
            let e04 = b4_0 ^ (b0_0 | b1_0)
            // plane y = 1
            let b0_1 = rotl(a03 ^ d3, 28)
            let b1_1 = rotl(a09 ^ d4, 20)
            let b2_1 = rotl(a10 ^ d0, 3)
            let b3_1 = rotl(a16 ^ d1, 45)
            let b4_1 = rotl(a22 ^ d2, 61)
            let n3_1 = ~b3_1
            let e05 = b0_1 ^ (b1_1 & b2_1)
            let e06 = b1_1 ^ (b2_1 | b3_1)
            let e07 = b2_1 ^ (n3_1 | b4_1)
            let e08 = b3_1 ^ (b4_1 & b0_1)
            let e09 = b4_1 ^ (b0_1 | b1_1)
            // plane y = 2
            let b0_2 = rotl(a01 ^ d1, 1)
            let b1_2 = rotl(a07 ^ d2, 6)
            let b2_2 = rotl(a13 ^ d3, 25)
            let b3_2 = rotl(a19 ^ d4, 8)
            let b4_2 = rotl(a20 ^ d0, 18)
            let n0_2 = ~b0_2
            let e10 = b0_2 ^ (b1_2 & b2_2)
            let e11 = b1_2 ^ (b2_2 | b3_2)
            let e12 = b2_2 ^ (b3_2 & b4_2)
            let e13 = b3_2 ^ (b4_2 | n0_2)
            let e14 = b4_2 ^ (b0_2 | b1_2)
            // plane y = 3
            let b0_3 = rotl(a04 ^ d4, 27)
            let b1_3 = rotl(a05 ^ d0, 36)
            let b2_3 = rotl(a11 ^ d1, 10)
            let b3_3 = rotl(a17 ^ d2, 15)
            let b4_3 = rotl(a23 ^ d3, 56)
            let n3_3 = ~b3_3
            let e15 = b0_3 ^ (b1_3 | b2_3)
            let e16 = b1_3 ^ (b2_3 & n3_3)
            let e17 = b2_3 ^ (b3_3 & b4_3)
            let e18 = b3_3 ^ (b4_3 | b0_3)
            let e19 = b4_3 ^ (b0_3 & b1_3)
            // plane y = 4
            let b0_4 = rotl(a02 ^ d2, 62)
            let b1_4 = rotl(a08 ^ d3, 55)
            let b2_4 = rotl(a14 ^ d4, 39)
            let b3_4 = rotl(a15 ^ d0, 41)
            let b4_4 = rotl(a21 ^ d1, 2)
            let n3_4 = ~b3_4
            let e20 = b0_4 ^ (b1_4 & b2_4)
            let e21 = b1_4 ^ (b2_4 | n3_4)
            let e22 = b2_4 ^ (b3_4 | b4_4)
            let e23 = b3_4 ^ (b4_4 & b0_4)
            let e24 = b4_4 ^ (b0_4 | b1_4)
            a00 = e00
            a01 = e01
            a02 = e02
            a03 = e03
            a04 = e04
            a05 = e05
            a06 = e06
            a07 = e07
            a08 = e08
            a09 = e09
            a10 = e10
            a11 = e11
            a12 = e12
            a13 = e13
            a14 = e14
            a15 = e15
            a16 = e16
            a17 = e17
            a18 = e18
            a19 = e19
            a20 = e20
            a21 = e21
            a22 = e22
            a23 = e23
            a24 = e24
            }
            do { // round + 1
            let rc = rcBytes.load(fromByteOffset: (round &+ 1) &* 8, as: UInt64.self)
            let c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20
            let c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21
            let c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22
            let c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23
            let c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24
            let d0 = c4 ^ rotl(c1, 1)
            let d1 = c0 ^ rotl(c2, 1)
            let d2 = c1 ^ rotl(c3, 1)
            let d3 = c2 ^ rotl(c4, 1)
            let d4 = c3 ^ rotl(c0, 1)
            // plane y = 0
            let b0_0 = a00 ^ d0
            let b1_0 = rotl(a06 ^ d1, 44)
            let b2_0 = rotl(a12 ^ d2, 43)
            let b3_0 = rotl(a18 ^ d3, 21)
            let b4_0 = rotl(a24 ^ d4, 14)
            let n2_0 = ~b2_0
            let e00 = b0_0 ^ (b1_0 & b2_0) ^ rc
            let e01 = b1_0 ^ (n2_0 & b3_0)
            let e02 = ~(b2_0 ^ (b3_0 | b4_0))
            let e03 = b3_0 ^ (b4_0 & b0_0)
            let e04 = b4_0 ^ (b0_0 | b1_0)
            // plane y = 1
            let b0_1 = rotl(a03 ^ d3, 28)
            let b1_1 = rotl(a09 ^ d4, 20)
            let b2_1 = rotl(a10 ^ d0, 3)
            let b3_1 = rotl(a16 ^ d1, 45)
            let b4_1 = rotl(a22 ^ d2, 61)
            let n3_1 = ~b3_1
            let e05 = b0_1 ^ (b1_1 & b2_1)
            let e06 = b1_1 ^ (b2_1 | b3_1)
            let e07 = b2_1 ^ (n3_1 | b4_1)
            let e08 = b3_1 ^ (b4_1 & b0_1)
            let e09 = b4_1 ^ (b0_1 | b1_1)
            // plane y = 2
            let b0_2 = rotl(a01 ^ d1, 1)
            let b1_2 = rotl(a07 ^ d2, 6)
            let b2_2 = rotl(a13 ^ d3, 25)
            let b3_2 = rotl(a19 ^ d4, 8)
            let b4_2 = rotl(a20 ^ d0, 18)
            let n0_2 = ~b0_2
            let e10 = b0_2 ^ (b1_2 & b2_2)
            let e11 = b1_2 ^ (b2_2 | b3_2)
            let e12 = b2_2 ^ (b3_2 & b4_2)
            let e13 = b3_2 ^ (b4_2 | n0_2)
            let e14 = b4_2 ^ (b0_2 | b1_2)
            // plane y = 3
            let b0_3 = rotl(a04 ^ d4, 27)
            let b1_3 = rotl(a05 ^ d0, 36)
            let b2_3 = rotl(a11 ^ d1, 10)
            let b3_3 = rotl(a17 ^ d2, 15)
            let b4_3 = rotl(a23 ^ d3, 56)
            let n3_3 = ~b3_3
            let e15 = b0_3 ^ (b1_3 | b2_3)
            let e16 = b1_3 ^ (b2_3 & n3_3)
            let e17 = b2_3 ^ (b3_3 & b4_3)
            let e18 = b3_3 ^ (b4_3 | b0_3)
            let e19 = b4_3 ^ (b0_3 & b1_3)
            // plane y = 4
            let b0_4 = rotl(a02 ^ d2, 62)
            let b1_4 = rotl(a08 ^ d3, 55)
            let b2_4 = rotl(a14 ^ d4, 39)
            let b3_4 = rotl(a15 ^ d0, 41)
            let b4_4 = rotl(a21 ^ d1, 2)
            let n3_4 = ~b3_4
            let e20 = b0_4 ^ (b1_4 & b2_4)
            let e21 = b1_4 ^ (b2_4 | n3_4)
            let e22 = b2_4 ^ (b3_4 | b4_4)
            let e23 = b3_4 ^ (b4_4 & b0_4)
            let e24 = b4_4 ^ (b0_4 | b1_4)
            a00 = e00
            a01 = e01
            a02 = e02
            a03 = e03
            a04 = e04
            a05 = e05
            a06 = e06
            a07 = e07
            a08 = e08
            a09 = e09
            a10 = e10
            a11 = e11
            a12 = e12
            a13 = e13
            a14 = e14
            a15 = e15
            a16 = e16
            a17 = e17
            a18 = e18
            a19 = e19
            a20 = e20
            a21 = e21
            a22 = e22
            a23 = e23
            a24 = e24
            }
            do { // round + 2
            let rc = rcBytes.load(fromByteOffset: (round &+ 2) &* 8, as: UInt64.self)
            let c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20
            let c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21
            let c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22
            let c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23
            let c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24
            let d0 = c4 ^ rotl(c1, 1)
            let d1 = c0 ^ rotl(c2, 1)
            let d2 = c1 ^ rotl(c3, 1)
            let d3 = c2 ^ rotl(c4, 1)
            let d4 = c3 ^ rotl(c0, 1)
            // plane y = 0
            let b0_0 = a00 ^ d0
            let b1_0 = rotl(a06 ^ d1, 44)
            let b2_0 = rotl(a12 ^ d2, 43)
            let b3_0 = rotl(a18 ^ d3, 21)
            let b4_0 = rotl(a24 ^ d4, 14)
            let n2_0 = ~b2_0
            let e00 = b0_0 ^ (b1_0 & b2_0) ^ rc
            let e01 = b1_0 ^ (n2_0 & b3_0)
            let e02 = ~(b2_0 ^ (b3_0 | b4_0))
            let e03 = b3_0 ^ (b4_0 & b0_0)
            let e04 = b4_0 ^ (b0_0 | b1_0)
            // plane y = 1
            let b0_1 = rotl(a03 ^ d3, 28)
            let b1_1 = rotl(a09 ^ d4, 20)
            let b2_1 = rotl(a10 ^ d0, 3)
            let b3_1 = rotl(a16 ^ d1, 45)
            let b4_1 = rotl(a22 ^ d2, 61)
            let n3_1 = ~b3_1
            let e05 = b0_1 ^ (b1_1 & b2_1)
            let e06 = b1_1 ^ (b2_1 | b3_1)
            let e07 = b2_1 ^ (n3_1 | b4_1)
            let e08 = b3_1 ^ (b4_1 & b0_1)
            let e09 = b4_1 ^ (b0_1 | b1_1)
            // plane y = 2
            let b0_2 = rotl(a01 ^ d1, 1)
            let b1_2 = rotl(a07 ^ d2, 6)
            let b2_2 = rotl(a13 ^ d3, 25)
            let b3_2 = rotl(a19 ^ d4, 8)
            let b4_2 = rotl(a20 ^ d0, 18)
            let n0_2 = ~b0_2
            let e10 = b0_2 ^ (b1_2 & b2_2)
            let e11 = b1_2 ^ (b2_2 | b3_2)
            let e12 = b2_2 ^ (b3_2 & b4_2)
            let e13 = b3_2 ^ (b4_2 | n0_2)
            let e14 = b4_2 ^ (b0_2 | b1_2)
            // plane y = 3
            let b0_3 = rotl(a04 ^ d4, 27)
            let b1_3 = rotl(a05 ^ d0, 36)
            let b2_3 = rotl(a11 ^ d1, 10)
            let b3_3 = rotl(a17 ^ d2, 15)
            let b4_3 = rotl(a23 ^ d3, 56)
            let n3_3 = ~b3_3
            let e15 = b0_3 ^ (b1_3 | b2_3)
            let e16 = b1_3 ^ (b2_3 & n3_3)
            let e17 = b2_3 ^ (b3_3 & b4_3)
            let e18 = b3_3 ^ (b4_3 | b0_3)
            let e19 = b4_3 ^ (b0_3 & b1_3)
            // plane y = 4
            let b0_4 = rotl(a02 ^ d2, 62)
            let b1_4 = rotl(a08 ^ d3, 55)
            let b2_4 = rotl(a14 ^ d4, 39)
            let b3_4 = rotl(a15 ^ d0, 41)
            let b4_4 = rotl(a21 ^ d1, 2)
            let n3_4 = ~b3_4
            let e20 = b0_4 ^ (b1_4 & b2_4)
            let e21 = b1_4 ^ (b2_4 | n3_4)
            let e22 = b2_4 ^ (b3_4 | b4_4)
            let e23 = b3_4 ^ (b4_4 & b0_4)
            let e24 = b4_4 ^ (b0_4 | b1_4)
            a00 = e00
            a01 = e01
            a02 = e02
            a03 = e03
            a04 = e04
            a05 = e05
            a06 = e06
            a07 = e07
            a08 = e08
            a09 = e09
            a10 = e10
            a11 = e11
            a12 = e12
            a13 = e13
            a14 = e14
            a15 = e15
            a16 = e16
            a17 = e17
            a18 = e18
            a19 = e19
            a20 = e20
            a21 = e21
            a22 = e22
            a23 = e23
            a24 = e24
            }
            do { // round + 3
            let rc = rcBytes.load(fromByteOffset: (round &+ 3) &* 8, as: UInt64.self)
            let c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20
            let c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21
            let c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22
            let c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23
            let c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24
            let d0 = c4 ^ rotl(c1, 1)
            let d1 = c0 ^ rotl(c2, 1)
            let d2 = c1 ^ rotl(c3, 1)
            let d3 = c2 ^ rotl(c4, 1)
            let d4 = c3 ^ rotl(c0, 1)
            // plane y = 0
            let b0_0 = a00 ^ d0
            let b1_0 = rotl(a06 ^ d1, 44)
            let b2_0 = rotl(a12 ^ d2, 43)
            let b3_0 = rotl(a18 ^ d3, 21)
            let b4_0 = rotl(a24 ^ d4, 14)
            let n2_0 = ~b2_0
            let e00 = b0_0 ^ (b1_0 & b2_0) ^ rc
            let e01 = b1_0 ^ (n2_0 & b3_0)
            let e02 = ~(b2_0 ^ (b3_0 | b4_0))
            let e03 = b3_0 ^ (b4_0 & b0_0)
            let e04 = b4_0 ^ (b0_0 | b1_0)
            // plane y = 1
            let b0_1 = rotl(a03 ^ d3, 28)
            let b1_1 = rotl(a09 ^ d4, 20)
            let b2_1 = rotl(a10 ^ d0, 3)
            let b3_1 = rotl(a16 ^ d1, 45)
            let b4_1 = rotl(a22 ^ d2, 61)
            let n3_1 = ~b3_1
            let e05 = b0_1 ^ (b1_1 & b2_1)
            let e06 = b1_1 ^ (b2_1 | b3_1)
            let e07 = b2_1 ^ (n3_1 | b4_1)
            let e08 = b3_1 ^ (b4_1 & b0_1)
            let e09 = b4_1 ^ (b0_1 | b1_1)
            // plane y = 2
            let b0_2 = rotl(a01 ^ d1, 1)
            let b1_2 = rotl(a07 ^ d2, 6)
            let b2_2 = rotl(a13 ^ d3, 25)
            let b3_2 = rotl(a19 ^ d4, 8)
            let b4_2 = rotl(a20 ^ d0, 18)
            let n0_2 = ~b0_2
            let e10 = b0_2 ^ (b1_2 & b2_2)
            let e11 = b1_2 ^ (b2_2 | b3_2)
            let e12 = b2_2 ^ (b3_2 & b4_2)
            let e13 = b3_2 ^ (b4_2 | n0_2)
            let e14 = b4_2 ^ (b0_2 | b1_2)
            // plane y = 3
            let b0_3 = rotl(a04 ^ d4, 27)
            let b1_3 = rotl(a05 ^ d0, 36)
            let b2_3 = rotl(a11 ^ d1, 10)
            let b3_3 = rotl(a17 ^ d2, 15)
            let b4_3 = rotl(a23 ^ d3, 56)
            let n3_3 = ~b3_3
            let e15 = b0_3 ^ (b1_3 | b2_3)
            let e16 = b1_3 ^ (b2_3 & n3_3)
            let e17 = b2_3 ^ (b3_3 & b4_3)
            let e18 = b3_3 ^ (b4_3 | b0_3)
            let e19 = b4_3 ^ (b0_3 & b1_3)
            // plane y = 4
            let b0_4 = rotl(a02 ^ d2, 62)
            let b1_4 = rotl(a08 ^ d3, 55)
            let b2_4 = rotl(a14 ^ d4, 39)
            let b3_4 = rotl(a15 ^ d0, 41)
            let b4_4 = rotl(a21 ^ d1, 2)
            let n3_4 = ~b3_4
            let e20 = b0_4 ^ (b1_4 & b2_4)
            let e21 = b1_4 ^ (b2_4 | n3_4)
            let e22 = b2_4 ^ (b3_4 | b4_4)
            let e23 = b3_4 ^ (b4_4 & b0_4)
            let e24 = b4_4 ^ (b0_4 | b1_4)
            a00 = e00
            a01 = e01
            a02 = e02
            a03 = e03
            a04 = e04
            a05 = e05
            a06 = e06
            a07 = e07
            a08 = e08
            a09 = e09
            a10 = e10
            a11 = e11
            a12 = e12
            a13 = e13
            a14 = e14
            a15 = e15
            a16 = e16
            a17 = e17
            a18 = e18
            a19 = e19
            a20 = e20
            a21 = e21
            a22 = e22
            a23 = e23
            a24 = e24
            }
            round &+= 4
        }
    }
    s.a00 = a00
    s.a01 = a01
    s.a02 = a02
    s.a03 = a03
    s.a04 = a04
    s.a05 = a05
    s.a06 = a06
    s.a07 = a07
    s.a08 = a08
    s.a09 = a09
    s.a10 = a10
    s.a11 = a11
    s.a12 = a12
    s.a13 = a13
    s.a14 = a14
    s.a15 = a15
    s.a16 = a16
    s.a17 = a17
    s.a18 = a18
    s.a19 = a19
    s.a20 = a20
    s.a21 = a21
    s.a22 = a22
    s.a23 = a23
    s.a24 = a24
}
