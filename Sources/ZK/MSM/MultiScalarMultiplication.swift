import Dispatch
import Synchronization

/// Multi-scalar multiplication Σ sᵢ·Pᵢ by Pippenger's bucket method.
///
/// Scalars are split into signed c-bit windows (`SignedDigits`). In each window every base is added
/// (mixed addition, affine base) to the bucket of its digit's magnitude, negated for a negative
/// digit; the running-sum reduction then gives Σ k·bucket[k] with 2·2^(c−1) additions. The window
/// sums are combined from the top with c doublings between them. Windows are independent, so they
/// are spread over threads (`DispatchQueue.concurrentPerform`); each thread keeps its own buckets and
/// hands its window sums over once through a mutex.
///
/// `compute` is generic over the curve; G1 and G2 callers use `G1Point.multiScalarMultiply` and
/// `G2Point.multiScalarMultiply`, which are specialised and compiled in this module.
public enum MultiScalarMultiplication {
    /// The largest window: 2^15 buckets per window and thread.
    public static let maximumWindowBits = 16

    /// The window size for n points: about log2(n) − 2, within 2...16. Per window the method costs
    /// n mixed additions plus 2^c bucket additions, and there are ⌊254/c⌋ + 1 windows, so c near
    /// log2(n) balances the two terms; the signed digits halve the buckets, hence the smaller c.
    @inlinable
    public static func windowBits(forCount n: Int) -> Int {
        guard n > 1 else { return 2 }
        let log2n = Int.bitWidth - 1 - n.leadingZeroBitCount
        return min(maximumWindowBits, max(2, log2n - 2))
    }

    /// The number of threads used by default: the active processors.
    public static var defaultThreadCount: Int { max(1, activeProcessorCount()) }

    /// Σ scalars[i]·bases[i]. Empty input gives infinity; zero scalars and infinity bases contribute
    /// nothing. `threads` caps the threads (1 computes on the calling thread); `windowBits`
    /// overrides the window size (tests use it to reach every window size on small inputs).
    /// Not inlinable: see the G1 and G2 entry points below.
    public static func compute<Curve: CurveParameters>(
        bases: [AffinePoint<Curve>], scalars: [Fr], threads: Int? = nil, windowBits: Int? = nil
    ) -> JacobianPoint<Curve> {
        precondition(bases.count == scalars.count, "one scalar per base")
        let n = bases.count
        if n == 0 { return .infinity }
        let c = windowBits ?? Self.windowBits(forCount: n)
        let digits = SignedDigits(scalars: scalars, windowBits: c)
        let windows = digits.windowCount
        let threadCount = max(1, min(threads ?? defaultThreadCount, windows))
        var sums = [JacobianPoint<Curve>](repeating: .infinity, count: windows)
        if threadCount == 1 {
            for w in 0..<windows { sums[w] = windowSum(bases: bases, digits: digits, window: w) }
        } else {
            let collected = Mutex([JacobianPoint<Curve>](repeating: .infinity, count: windows))
            DispatchQueue.concurrentPerform(iterations: threadCount) { t in
                var mine: [(Int, JacobianPoint<Curve>)] = []
                for w in stride(from: t, to: windows, by: threadCount) {
                    mine.append((w, windowSum(bases: bases, digits: digits, window: w)))
                }
                collected.withLock { all in
                    for (w, sum) in mine { all[w] = sum }
                }
            }
            sums = collected.withLock { $0 }
        }
        var result = sums[windows - 1]
        for w in stride(from: windows - 2, through: 0, by: -1) {
            for _ in 0..<c { result = result.doubled() }
            result = result + sums[w]
        }
        return result
    }

    /// Σᵢ dᵢ·Pᵢ for the digits dᵢ of one window: bucket accumulation, then the running sum.
    static func windowSum<Curve: CurveParameters>(
        bases: [AffinePoint<Curve>], digits: SignedDigits, window w: Int
    ) -> JacobianPoint<Curve> {
        let n = digits.count
        var buckets = [JacobianPoint<Curve>](repeating: .infinity, count: 1 << (digits.windowBits - 1))
        let offset = w * n
        digits.digits.withUnsafeBufferPointer { d in
            bases.withUnsafeBufferPointer { p in
                buckets.withUnsafeMutableBufferPointer { b in
                    for i in 0..<n {
                        let digit = Int(d[offset + i])
                        if digit > 0 {
                            b[digit - 1] = b[digit - 1].adding(p[i])
                        } else if digit < 0 {
                            b[-digit - 1] = b[-digit - 1].adding(p[i].negated)
                        }
                    }
                }
            }
        }
        // Σ k·bucket[k−1] = Σₖ (bucket[k−1] + … + bucket[top]) summed from the top.
        var running = JacobianPoint<Curve>.infinity
        var sum = JacobianPoint<Curve>.infinity
        for k in stride(from: buckets.count - 1, through: 0, by: -1) {
            running = running + buckets[k]
            sum = sum + running
        }
        return sum
    }
}

// The entry points for the two curves are concrete and not inlinable on purpose: compiled here, the
// generic code is specialised inside the module with the field arithmetic inlined; specialised in
// a client module through `@inlinable` it ran about 2.7 times slower (measured, settlement-bench).
extension JacobianPoint where Curve == BN254G1 {
    /// Σ scalars[i]·bases[i] in G1 by Pippenger's method on all cores (see
    /// `MultiScalarMultiplication`); `windowBits` overrides the size-based window.
    public static func multiScalarMultiply(
        bases: [G1Affine], scalars: [Fr], threads: Int? = nil, windowBits: Int? = nil
    ) -> G1Point {
        MultiScalarMultiplication.compute(bases: bases, scalars: scalars, threads: threads, windowBits: windowBits)
    }
}

extension JacobianPoint where Curve == BN254G2 {
    /// Σ scalars[i]·bases[i] in G2 by Pippenger's method on all cores (see
    /// `MultiScalarMultiplication`); `windowBits` overrides the size-based window.
    public static func multiScalarMultiply(
        bases: [G2Affine], scalars: [Fr], threads: Int? = nil, windowBits: Int? = nil
    ) -> G2Point {
        MultiScalarMultiplication.compute(bases: bases, scalars: scalars, threads: threads, windowBits: windowBits)
    }
}
