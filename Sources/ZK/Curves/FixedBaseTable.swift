/// Many multiples k·P of one fixed point P, as a setup needs (every key point is a multiple of a
/// generator): a table of d·2^(8w)·P for each byte position w < 32 and byte value d = 1…255,
/// normalised once, so a multiple costs at most 32 mixed additions instead of about 254
/// doublings and 64 additions.
struct FixedBaseTable<Curve: CurveParameters>: Sendable {
    /// rows[w][d − 1] = d·2^(8w)·P.
    let rows: [[AffinePoint<Curve>]]

    init(base: AffinePoint<Curve>) {
        var all: [JacobianPoint<Curve>] = []
        all.reserveCapacity(32 * 255)
        var windowBase = base.jacobian
        for _ in 0..<32 {
            var multiple = windowBase
            for _ in 1...255 {
                all.append(multiple)
                multiple = multiple + windowBase
            }
            windowBase = multiple  // 256 times the previous window's base
        }
        let affine = JacobianPoint<Curve>.batchNormalize(all)
        rows = (0..<32).map { Array(affine[($0 * 255)..<(($0 + 1) * 255)]) }
    }

    /// k·P.
    func multiply(_ k: Fr) -> JacobianPoint<Curve> {
        let value = k.canonical
        var acc = JacobianPoint<Curve>.infinity
        for w in 0..<32 {
            let digit = Int((value.limb(w >> 3) >> UInt64((w & 7) * 8)) & 0xFF)
            if digit != 0 { acc = acc.adding(rows[w][digit - 1]) }
        }
        return acc
    }

    /// k·P for every k, in affine form, spread over `threads` threads (at least 64 scalars each).
    func multiplyAll(_ scalars: [Fr], threads: Int) -> [AffinePoint<Curve>] {
        ParallelFor.flatMapChunks(count: scalars.count, threads: threads, minimumChunk: 64) { range in
            JacobianPoint<Curve>.batchNormalize(range.map { multiply(scalars[$0]) })
        }
    }
}
