import ZK

/// The byte encoding of a `NoteAppendProof`, carried by the one-step fraud proof on the L1.
///
/// ```
/// count         4 bytes    big-endian, 0 ... 2³² − 1
/// siblings      32 × 32    the siblings of slot `count`, height 0 first, big-endian, each < r
/// last          count > 0 only: lastCommitment (32 bytes, < r), then lastSiblings (32 × 32, < r)
/// ```
///
/// So 1,028 bytes for the empty tree and 2,084 otherwise. Every field is written in full, so
/// the encoding is injective; decoding is strict (exact length for the count, canonical field
/// elements), so every byte string decodes to at most one proof and every proof has exactly one
/// encoding. Only proofs of the shape `NoteTree.appendProof()` gives a tree with room left have
/// an encoding (32 siblings; a last commitment with 32 siblings exactly when `count > 0`); any
/// other shape fails `NoteTree.rootAfterAppend` anyway. A shorter form exists (the last
/// commitment's path fixes the other one) but is not used: the plain form is simpler to check on
/// the L1 and its size matters once per dispute.
extension NoteAppendProof {
    /// Bytes of the encoding when `count == 0`.
    public static let encodedSizeEmpty = 4 + 32 * NoteTree.depth
    /// Bytes of the encoding when `count > 0`.
    public static let encodedSize = 4 + 32 * NoteTree.depth + 32 + 32 * NoteTree.depth

    /// The encoding (see the extension's documentation); nil when the proof does not have the
    /// shape of one for a tree with room left.
    public var serialized: [UInt8]? {
        let depth = NoteTree.depth
        guard count >= 0, count < NoteTree.capacity, siblings.count == depth else { return nil }
        if count == 0 {
            guard lastCommitment == nil, lastSiblings.isEmpty else { return nil }
        } else {
            guard lastCommitment != nil, lastSiblings.count == depth else { return nil }
        }
        var out: [UInt8] = []
        out.reserveCapacity(count == 0 ? Self.encodedSizeEmpty : Self.encodedSize)
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: count >> shift)) }
        for s in siblings { out.append(contentsOf: s.bigEndianBytes) }
        if let last = lastCommitment {
            out.append(contentsOf: last.bigEndianBytes)
            for s in lastSiblings { out.append(contentsOf: s.bigEndianBytes) }
        }
        return out
    }

    /// Decodes `serialized`, strictly (see the extension's documentation).
    public init(serialized bytes: [UInt8]) throws(StateError) {
        func fail(_ why: String) -> StateError { .malformed("note append proof: " + why) }
        guard bytes.count >= 4 else { throw fail("shorter than its 4-byte count") }
        let n = bytes[0 ..< 4].reduce(0) { $0 << 8 | Int($1) }
        let expected = n == 0 ? Self.encodedSizeEmpty : Self.encodedSize
        guard bytes.count == expected else { throw fail("\(bytes.count) bytes, expected \(expected) for count \(n)") }
        var offset = 4
        func field(_ what: String) throws(StateError) -> Fr {
            guard let x = Fr(bigEndian: bytes[offset ..< offset + 32]) else { throw fail("\(what) not below the field modulus") }
            offset += 32
            return x
        }
        var siblings: [Fr] = []
        siblings.reserveCapacity(NoteTree.depth)
        for h in 0 ..< NoteTree.depth { siblings.append(try field("sibling \(h)")) }
        var last: Fr?
        var lastSiblings: [Fr] = []
        if n > 0 {
            last = try field("last commitment")
            lastSiblings.reserveCapacity(NoteTree.depth)
            for h in 0 ..< NoteTree.depth { lastSiblings.append(try field("last sibling \(h)")) }
        }
        self.init(count: n, siblings: siblings, lastCommitment: last, lastSiblings: lastSiblings)
    }
}
