import Dispatch
import Synchronization

/// Element-wise work of the aggregation prover (G2 line preparation, folding a vector by a
/// scalar) spread over the active processors in contiguous chunks.
enum ParallelGroupOps {
    /// `transform` applied to 0..<count, in order, on all cores.
    static func map<T: Sendable>(_ count: Int, _ transform: @Sendable (Int) -> T) -> [T] {
        if count == 0 { return [] }
        let threads = max(1, min(MultiScalarMultiplication.defaultThreadCount, count))
        if threads == 1 { return (0..<count).map(transform) }
        let chunk = (count + threads - 1) / threads
        let parts = Mutex([[T]](repeating: [], count: threads))
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let range = (t * chunk)..<min(count, (t + 1) * chunk)
            let part = range.isEmpty ? [] : range.map(transform)
            parts.withLock { $0[t] = part }
        }
        return parts.withLock { $0.flatMap { $0 } }
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

extension Pairing {
    /// ∏ e(Pᵢ, Qᵢ) over prepared G2 points, the Miller loops spread over the active processors.
    static func parallelMultiPairing(prepared pairs: [(G1Affine, G2Prepared)]) -> Fq12 {
        let threads = max(1, min(MultiScalarMultiplication.defaultThreadCount, pairs.count / 4))
        if threads <= 1 { return multiPairing(pairs) }
        let chunk = (pairs.count + threads - 1) / threads
        let product = Mutex(Fq12.one)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let range = (t * chunk)..<min(pairs.count, (t + 1) * chunk)
            guard !range.isEmpty else { return }
            let f = millerLoop(Array(pairs[range]))
            product.withLock { $0 = $0 * f }
        }
        return finalExponentiation(product.withLock { $0 })
    }
}
