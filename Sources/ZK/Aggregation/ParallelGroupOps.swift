/// Element-wise work of the aggregation prover (G2 line preparation, folding a vector by a
/// scalar) spread over the active processors in contiguous chunks (`ParallelFor`).
enum ParallelGroupOps {
    /// `transform` applied to 0..<count, in order, on all cores.
    static func map<T: Sendable>(_ count: Int, _ transform: @Sendable (Int) -> T) -> [T] {
        ParallelFor.map(count: count, transform)
    }

    static func prepare(_ points: [G2Affine]) -> [G2Prepared] {
        map(points.count) { G2Prepared(points[$0]) }
    }

    /// left[i] + x·right[i] in G1, normalized together.
    static func fold(_ left: ArraySlice<G1Affine>, _ right: ArraySlice<G1Affine>, _ x: Fr) -> [G1Affine] {
        let l = Array(left), r = Array(right)
        return G1Point.batchNormalize(map(l.count) { r[$0].jacobian * x + l[$0].jacobian })
    }

    /// left[i] + x·right[i] in G2, normalized together.
    static func fold(_ left: ArraySlice<G2Affine>, _ right: ArraySlice<G2Affine>, _ x: Fr) -> [G2Affine] {
        let l = Array(left), r = Array(right)
        return G2Point.batchNormalize(map(l.count) { r[$0].jacobian * x + l[$0].jacobian })
    }

    /// points[i]·scalars[i] in G1 or G2, normalized together.
    static func scale(_ points: [G1Affine], _ scalars: [Fr]) -> [G1Affine] {
        G1Point.batchNormalize(map(points.count) { points[$0].jacobian * scalars[$0] })
    }

    static func scale(_ points: [G2Affine], _ scalars: [Fr]) -> [G2Affine] {
        G2Point.batchNormalize(map(points.count) { points[$0].jacobian * scalars[$0] })
    }
}
