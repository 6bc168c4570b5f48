/// The ceremony's point-by-point work (multiplying thousands of points by their own scalars),
/// independent per point, so spread over threads in contiguous ranges.
extension AffinePoint {
    /// points[i]·(c·xⁱ) for every i: how a contribution multiplies a vector of powers by the
    /// powers of its secret (c = 1 for τⁱ, c = α′ for α·τⁱ). Each thread starts its range at c·x^start.
    static func scaledByPowers(_ points: [AffinePoint], first c: Fr, ratio x: Fr, threads: Int) -> [AffinePoint] {
        ParallelFor.flatMapChunks(count: points.count, threads: threads, minimumChunk: 64) { range in
            var scalar = c * x.pow(UInt256(UInt64(range.lowerBound)))
            var out = [JacobianPoint<Curve>]()
            out.reserveCapacity(range.count)
            for i in range {
                out.append(points[i].jacobian.multiplied(by: scalar.canonical))
                scalar *= x
            }
            return JacobianPoint.batchNormalize(out)
        }
    }

    /// Every point times the same scalar (a phase-2 contribution's d⁻¹ on c and h).
    static func scaled(_ points: [AffinePoint], by k: Fr, threads: Int) -> [AffinePoint] {
        let canonical = k.canonical
        return ParallelFor.flatMapChunks(count: points.count, threads: threads, minimumChunk: 64) { range in
            JacobianPoint.batchNormalize(range.map { points[$0].jacobian.multiplied(by: canonical) })
        }
    }
}
