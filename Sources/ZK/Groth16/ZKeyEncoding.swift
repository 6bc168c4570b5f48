/// The element and point representations of snarkjs' `.zkey` (unlike `.r1cs`/`.wtns`, which are
/// canonical): a base-field coordinate is its Montgomery form x·2^256 mod p as 32 little-endian
/// bytes; G1 is x‖y (64 bytes), G2 is x.c0‖x.c1‖y.c0‖y.c1 (128 bytes, the real part first —
/// the opposite of EIP-197), infinity is all zeros (its Montgomery coordinates are (0, 0)). A
/// matrix coefficient c is stored "doubly Montgomery": the canonical 32 little-endian bytes of
/// c·R² mod r with R = 2^256.
enum ZKeyEncoding {
    static func appendFq(_ out: inout [UInt8], _ v: Fq) {
        let m = v.montgomery
        for i in 0..<4 { out.appendU64(m.limb(i)) }
    }

    static func appendG1(_ out: inout [UInt8], _ p: G1Affine) {
        if p.isInfinity { out.append(contentsOf: repeatElement(0, count: 64)); return }
        appendFq(&out, p.x); appendFq(&out, p.y)
    }

    static func appendG2(_ out: inout [UInt8], _ p: G2Affine) {
        if p.isInfinity { out.append(contentsOf: repeatElement(0, count: 128)); return }
        appendFq(&out, p.x.c0); appendFq(&out, p.x.c1); appendFq(&out, p.y.c0); appendFq(&out, p.y.c1)
    }

    /// c·R² mod r, canonical little-endian.
    static func appendCoefficient(_ out: inout [UInt8], _ c: Fr) {
        // c.montgomery is c·R mod r; that value's Montgomery form is c·R².
        let once = Fr(canonical: c.montgomery)!
        let m = once.montgomery
        for i in 0..<4 { out.appendU64(m.limb(i)) }
    }

    /// 32 little-endian bytes as an integer.
    static func uint256(_ r: inout BinaryReader, _ what: String) throws(BinaryFileError) -> UInt256 {
        UInt256(try r.u64(what), try r.u64(what), try r.u64(what), try r.u64(what))
    }

    /// A Montgomery-form coordinate; nil when ≥ p.
    static func fq(_ r: inout BinaryReader, _ what: String) throws(BinaryFileError) -> Fq? {
        let m = try uint256(&r, what)
        return m < Fq.modulus ? Fq(montgomery: m) : nil
    }

    static func g1(_ r: inout BinaryReader, _ what: String) throws(ZKeyFileError) -> G1Affine {
        let x: Fq?, y: Fq?
        do throws(BinaryFileError) { x = try fq(&r, what); y = try fq(&r, what) } catch { throw .format(error) }
        guard let x, let y else { throw .invalidPoint(what, .coordinateNotInField) }
        if x.isZero && y.isZero { return .infinity }
        guard let p = G1Affine(x: x, y: y) else { throw .invalidPoint(what, .notOnCurve) }
        return p
    }

    static func g2(_ r: inout BinaryReader, _ what: String) throws(ZKeyFileError) -> G2Affine {
        let p = try g2OnCurve(&r, what)
        guard p.isInSubgroup else { throw .invalidPoint(what, .notInSubgroup) }
        return p
    }

    /// A G2 point checked for range and the curve equation only: the caller runs the subgroup
    /// check (`firstOutsideSubgroup`, on all cores for a whole section).
    static func g2OnCurve(_ r: inout BinaryReader, _ what: String) throws(ZKeyFileError) -> G2Affine {
        var c: [Fq?] = []
        do throws(BinaryFileError) { for _ in 0..<4 { c.append(try fq(&r, what)) } } catch { throw .format(error) }
        guard let x0 = c[0], let x1 = c[1], let y0 = c[2], let y1 = c[3] else {
            throw .invalidPoint(what, .coordinateNotInField)
        }
        let x = Fq2(x0, x1), y = Fq2(y0, y1)
        if x.isZero && y.isZero { return .infinity }
        guard let p = G2Affine(x: x, y: y) else { throw .invalidPoint(what, .notOnCurve) }
        return p
    }

    /// The index of the first point outside the order-r subgroup, or nil; the ψ checks (the
    /// bulk of reading a key) are spread over `threads` threads in contiguous ranges (at least 16
    /// points each); each range reports its first such index, and the first range's report wins.
    static func firstOutsideSubgroup(_ points: [G2Affine], threads: Int) -> Int? {
        let firsts = ParallelFor.mapChunks(count: points.count, threads: threads, minimumChunk: 16) { range in
            range.first { !points[$0].isInSubgroup }
        }
        return firsts.lazy.compactMap { $0 }.first
    }

    /// A stored coefficient S (< r) → c = S·R⁻² mod r.
    static func coefficient(_ r: inout BinaryReader, _ what: String) throws(BinaryFileError) -> Fr {
        let s = try uint256(&r, what)
        guard s < Fr.modulus else { throw .invalidValue("\(what) is not below r") }
        // Fr(montgomery: S) is S·R⁻¹; its canonical value read as a Montgomery form is S·R⁻².
        return Fr(montgomery: Fr(montgomery: s).canonical)
    }
}
