/// Keccak-256 over input given in pieces (same result as `Keccak256.hash` of the concatenation),
/// for hashing large structures without first copying them into one buffer — the genesis hash of
/// 1,000,000 allocations, for example, which would otherwise need a 52 MB preimage.
public struct Keccak256Sponge {
    private var state = KeccakState()
    /// Bytes of the current block not yet absorbed (`used` of them are valid).
    private var block = LastBlock()
    private var used = 0

    public init() {}

    /// Absorbs `bytes`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress else { return }
        var remaining = bytes.count
        let size = Keccak256.blockSize
        if used > 0 {
            let n = min(remaining, size - used)
            withUnsafeMutableBytes(of: &block) { $0.baseAddress!.advanced(by: used).copyMemory(from: p, byteCount: n) }
            used += n
            p += n
            remaining -= n
            if used < size { return }
            withUnsafeBytes(of: block) { Keccak256.absorbBlock(&state, $0.baseAddress!) }
            keccakF1600(&state)
            used = 0
        }
        while remaining >= size {
            Keccak256.absorbBlock(&state, p)
            keccakF1600(&state)
            p += size
            remaining -= size
        }
        if remaining > 0 {
            withUnsafeMutableBytes(of: &block) { $0.baseAddress!.copyMemory(from: p, byteCount: remaining) }
            used = remaining
        }
    }

    /// Absorbs a byte array.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Pads (Keccak's 0x01 … 0x80) and returns the digest; the sponge is spent afterwards.
    public mutating func finalize() -> Digest32 {
        withUnsafeMutableBytes(of: &block) { buf in
            for i in used ..< Keccak256.blockSize { buf[i] = 0 }
            buf[used] ^= 0x01
            buf[Keccak256.blockSize - 1] ^= 0x80
        }
        withUnsafeBytes(of: block) { Keccak256.absorbBlock(&state, $0.baseAddress!) }
        keccakF1600(&state)
        return state.digest
    }
}
