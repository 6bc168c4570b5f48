import Dispatch
import Synchronization

extension Pairing {
    /// The product of the Miller functions of many (G1, G2) pairs, the G2 lines prepared on the fly,
    /// spread over the active processors in contiguous chunks (each chunk one shared accumulator).
    /// The product is the same as `millerLoop` over all pairs; the caller applies the final
    /// exponentiation. Used where one equation has many pairs: batch verification and aggregation.
    public static func parallelMillerLoop(_ pairs: [(G1Affine, G2Affine)], threads: Int? = nil) -> Fq12 {
        let n = pairs.count
        if n == 0 { return .one }
        let threadCount = max(1, min(threads ?? MultiScalarMultiplication.defaultThreadCount, n))
        if threadCount == 1 { return millerLoop(pairs.map { ($0.0, G2Prepared($0.1)) }) }
        let chunk = (n + threadCount - 1) / threadCount
        let product = Mutex(Fq12.one)
        DispatchQueue.concurrentPerform(iterations: threadCount) { t in
            let range = (t * chunk)..<min(n, (t + 1) * chunk)
            guard !range.isEmpty else { return }
            let f = millerLoop(pairs[range].map { ($0.0, G2Prepared($0.1)) })
            product.withLock { $0 = $0 * f }
        }
        return product.withLock { $0 }
    }

    /// ∏ e(Pᵢ, Qᵢ) by `parallelMillerLoop` and one final exponentiation.
    public static func parallelMultiPairing(_ pairs: [(G1Affine, G2Affine)], threads: Int? = nil) -> Fq12 {
        finalExponentiation(parallelMillerLoop(pairs, threads: threads))
    }
}
