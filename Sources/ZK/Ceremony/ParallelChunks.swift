import Dispatch
import Synchronization

/// Splits 0..<count into contiguous ranges, computes each range's results on its own thread
/// (`concurrentPerform`) and concatenates them in order. The ceremony's point-by-point work
/// (multiplying thousands of points by their own scalars) is independent per point.
enum ParallelChunks {
    static func map<T: Sendable>(count: Int, threads: Int, _ body: @Sendable (Range<Int>) -> [T]) -> [T] {
        let threadCount = max(1, min(threads, count / 64))
        if threadCount == 1 { return body(0..<count) }
        let chunk = (count + threadCount - 1) / threadCount
        let results = Mutex<[Int: [T]]>([:])
        DispatchQueue.concurrentPerform(iterations: threadCount) { t in
            let range = (t * chunk)..<min(count, (t + 1) * chunk)
            let part = body(range)
            results.withLock { $0[t] = part }
        }
        return results.withLock { parts in (0..<threadCount).flatMap { parts[$0] ?? [] } }
    }
}

extension AffinePoint {
    /// points[i]·(c·xⁱ) for every i: how a contribution multiplies a vector of powers by the
    /// powers of its secret (c = 1 for τⁱ, c = α′ for α·τⁱ). Each thread starts its range at c·x^start.
    static func scaledByPowers(_ points: [AffinePoint], first c: Fr, ratio x: Fr, threads: Int) -> [AffinePoint] {
        ParallelChunks.map(count: points.count, threads: threads) { range in
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
        return ParallelChunks.map(count: points.count, threads: threads) { range in
            JacobianPoint.batchNormalize(range.map { points[$0].jacobian.multiplied(by: canonical) })
        }
    }
}
