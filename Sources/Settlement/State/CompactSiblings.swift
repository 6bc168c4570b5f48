/// The siblings of a sparse Merkle path in their compact encoding, shared by the account tree's
/// `MerkleProof` and the nullifier set's `NullifierAbsenceProof` (both after a 1-byte kind tag):
///
/// ```
/// depth     2 bytes    big-endian, 0 ... 256
/// bitmap    ⌈depth/8⌉  bit d (byte d/8, mask 0x80 >> d%8) set ⇔ sibling d is not zero;
///                      unused trailing bits must be zero
/// siblings  32 each    the non-zero siblings, root side first
/// ```
enum CompactSiblings {
    /// Appends the encoding of `siblings` (at most 256).
    static func append(_ siblings: [Digest32], to out: inout [UInt8]) {
        let d = siblings.count
        out.append(UInt8(truncatingIfNeeded: d >> 8))
        out.append(UInt8(truncatingIfNeeded: d))
        var bitmap = [UInt8](repeating: 0, count: (d + 7) / 8)
        for (i, s) in siblings.enumerated() where s != .zero { bitmap[i >> 3] |= 0x80 >> UInt8(i & 7) }
        out.append(contentsOf: bitmap)
        for s in siblings where s != .zero { out.append(contentsOf: s.bytes) }
    }

    /// Decodes the siblings that start at byte 1 of `bytes`, which must end exactly `trailing`
    /// bytes after them; returns them and where the trailing bytes start. Strict: depth ≤ 256,
    /// zero padding bits, no zero sibling marked present, exact length.
    static func decode(_ bytes: [UInt8], trailing: Int, fail: (String) -> StateError)
        throws(StateError) -> (siblings: [Digest32], end: Int) {
        guard bytes.count >= 3 else { throw fail("shorter than its 3-byte header") }
        let d = Int(bytes[1]) << 8 | Int(bytes[2])
        guard d <= MerkleProof.maxDepth else { throw fail("depth \(d) above 256") }
        let bitmapSize = (d + 7) / 8
        guard bytes.count >= 3 + bitmapSize else { throw fail("truncated bitmap") }
        let bitmap = bytes[3 ..< 3 + bitmapSize]
        var present = 0
        for b in bitmap { present += b.nonzeroBitCount }
        if d % 8 != 0, let last = bitmap.last, last & (0xFF >> UInt8(d % 8)) != 0 {
            throw fail("non-zero bitmap padding")
        }
        let expected = 3 + bitmapSize + 32 * present + trailing
        guard bytes.count == expected else { throw fail("\(bytes.count) bytes, expected \(expected)") }
        var siblings: [Digest32] = []
        siblings.reserveCapacity(d)
        var offset = 3 + bitmapSize
        for i in 0 ..< d {
            if bytes[3 + i >> 3] & (0x80 >> UInt8(i & 7)) != 0 {
                let s = Digest32(bytes: bytes[offset ..< offset + 32])!
                guard s != .zero else { throw fail("zero sibling marked present at depth \(i)") }
                siblings.append(s)
                offset += 32
            } else {
                siblings.append(.zero)
            }
        }
        return (siblings, offset)
    }
}
