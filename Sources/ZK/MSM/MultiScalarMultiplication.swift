import Dispatch
import Synchronization

/// Multi-scalar multiplication Σ sᵢ·Pᵢ by Pippenger's bucket method.
///
/// Scalars are split into signed c-bit windows (`SignedDigits`). In each window every base is added
/// to the bucket of its digit's magnitude, negated for a negative digit; the running-sum reduction
/// then gives Σ k·bucket[k] with 2·2^(c−1) additions. The window sums are combined from the top
/// with c doublings between them. Windows are independent, so they are spread over threads
/// (`DispatchQueue.concurrentPerform`); each thread keeps its own buckets and hands its window sums
/// over once through a mutex.
///
/// From `batchAffineMinimumWindowBits` on, buckets are accumulated in affine coordinates by
/// batches sharing one inversion (`BatchAffineBuckets`, about 6 field multiplications per base
/// instead of about 11 for a mixed Jacobian addition); below it, and as the reference in tests,
/// each base is a mixed Jacobian addition into its bucket.
///
/// `compute` is generic over the curve; G1 and G2 callers use `G1Point.multiScalarMultiply` and
/// `G2Point.multiScalarMultiply`, which are specialised and compiled in this module.
public enum MultiScalarMultiplication {
    /// The largest window: 2^15 buckets per window and thread.
    public static let maximumWindowBits = 16

    /// The smallest window accumulated in affine batches: 2^9 buckets give batches of 64 bases,
    /// enough to spread the inversion; smaller windows stay Jacobian.
    public static let batchAffineMinimumWindowBits = 10

    /// How bucket additions are done.
    public enum Accumulation: Sendable {
        /// Affine batches from `batchAffineMinimumWindowBits` on, Jacobian below.
        case automatic
        /// Mixed Jacobian additions for every window size (the reference).
        case jacobian
        /// Affine batches for every window size of at least 2 bits (tests reach the batch code
        /// with small inputs).
        case batchAffine
    }

    /// The window size for n points: the c in 2...16 that minimises the estimated cost
    /// (⌊b/c⌋ + 1) · (n·a + 2^(c−1)·b'), with b the scalar bits (254, or 128 for the halves of a
    /// GLS split), a the cost of adding a base into a bucket and b' of the two reduction additions
    /// per bucket, in mixed-addition units (affine batches: a ≈ 0.6, b' ≈ 2.5; Jacobian: a = 1,
    /// b' ≈ 2.9). For 2^16 points of 254 bits this gives 12.
    public static func windowBits(forCount n: Int, scalarBits: Int = 254) -> Int {
        guard n > 1 else { return 2 }
        var best = 2, bestCost = Double.infinity
        for c in 2...maximumWindowBits {
            let affine = c >= batchAffineMinimumWindowBits
            let perBase = affine ? 0.6 : 1.0, perBucket = affine ? 2.5 : 2.9
            let cost = Double(scalarBits / c + 1) * (Double(n) * perBase + Double(1 << (c - 1)) * perBucket)
            if cost < bestCost { best = c; bestCost = cost }
        }
        return best
    }

    /// The number of threads used by default: the active processors.
    public static var defaultThreadCount: Int { max(1, activeProcessorCount()) }

    /// Σ scalars[i]·bases[i]. Empty input gives infinity; zero scalars and infinity bases contribute
    /// nothing. `threads` caps the threads (1 computes on the calling thread); `windowBits`
    /// overrides the window size and `accumulation` the bucket method (tests use both to reach
    /// every path on small inputs). Not inlinable: see the G1 and G2 entry points below.
    public static func compute<Curve: CurveParameters>(
        bases: [AffinePoint<Curve>], scalars: [Fr], threads: Int? = nil, windowBits: Int? = nil,
        accumulation: Accumulation = .automatic
    ) -> JacobianPoint<Curve> {
        precondition(bases.count == scalars.count, "one scalar per base")
        if bases.isEmpty { return .infinity }
        let c = windowBits ?? Self.windowBits(forCount: bases.count)
        return compute(bases: bases, digits: SignedDigits(scalars: scalars, windowBits: c), threads: threads,
                       accumulation: accumulation)
    }

    /// Σ dᵢ·bases[i] for scalars already split into signed digits (of any width).
    static func compute<Curve: CurveParameters>(
        bases: [AffinePoint<Curve>], digits: SignedDigits, threads: Int?, accumulation: Accumulation
    ) -> JacobianPoint<Curve> {
        precondition(bases.count == digits.count, "one scalar per base")
        if bases.isEmpty { return .infinity }
        let c = digits.windowBits
        let batchAffine = switch accumulation {
        case .automatic: c >= batchAffineMinimumWindowBits
        case .jacobian: false
        case .batchAffine: c >= 2
        }
        let windows = digits.windowCount
        let threadCount = max(1, min(threads ?? defaultThreadCount, windows))
        // Each thread sums windows t, t + threadCount, …
        @Sendable func windowSums(thread t: Int) -> [(Int, JacobianPoint<Curve>)] {
            var mine: [(Int, JacobianPoint<Curve>)] = []
            if batchAffine {
                bases.withUnsafeBufferPointer { p in
                    let buckets = BatchAffineBuckets<Curve>(windowBits: c, bases: p)
                    for w in stride(from: t, to: windows, by: threadCount) {
                        mine.append((w, batchAffineWindowSum(buckets: buckets, bases: p, digits: digits, window: w)))
                    }
                }
            } else {
                for w in stride(from: t, to: windows, by: threadCount) {
                    mine.append((w, windowSum(bases: bases, digits: digits, window: w)))
                }
            }
            return mine
        }
        var sums = [JacobianPoint<Curve>](repeating: .infinity, count: windows)
        if threadCount == 1 {
            for (w, sum) in windowSums(thread: 0) { sums[w] = sum }
        } else {
            let collected = Mutex([JacobianPoint<Curve>](repeating: .infinity, count: windows))
            DispatchQueue.concurrentPerform(iterations: threadCount) { t in
                let mine = windowSums(thread: t)
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

    /// Σᵢ dᵢ·Pᵢ for the digits dᵢ of one window with affine buckets (see `BatchAffineBuckets`).
    static func batchAffineWindowSum<Curve: CurveParameters>(
        buckets: BatchAffineBuckets<Curve>, bases: UnsafeBufferPointer<AffinePoint<Curve>>,
        digits: SignedDigits, window w: Int
    ) -> JacobianPoint<Curve> {
        let n = digits.count, offset = w * n
        // Bases are queued as signed 32-bit indices (i + 1, negated for a negative digit).
        precondition(n < Int(Int32.max), "too many bases for the batch-affine buckets")
        buckets.reset()
        digits.digits.withUnsafeBufferPointer { d in
            for i in 0..<n {
                let digit = d[offset + i]
                if digit == 0 || bases[i].isInfinity { continue }
                let signed = Int32(truncatingIfNeeded: i + 1)
                if digit > 0 {
                    buckets.add(bucket: Int(digit) - 1, point: signed)
                } else {
                    buckets.add(bucket: Int(-digit) - 1, point: -signed)
                }
            }
        }
        buckets.finish()
        return buckets.weightedSum()
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
    /// `MultiScalarMultiplication`); `windowBits` and `accumulation` override the defaults.
    public static func multiScalarMultiply(
        bases: [G1Affine], scalars: [Fr], threads: Int? = nil, windowBits: Int? = nil,
        accumulation: MultiScalarMultiplication.Accumulation = .automatic
    ) -> G1Point {
        MultiScalarMultiplication.compute(bases: bases, scalars: scalars, threads: threads, windowBits: windowBits,
                                          accumulation: accumulation)
    }
}

extension JacobianPoint where Curve == BN254G2 {
    /// Σ scalars[i]·bases[i] in G2 by Pippenger's method on all cores (see
    /// `MultiScalarMultiplication`); `windowBits` and `accumulation` override the defaults.
    ///
    /// By default the scalars are split by the GLS endomorphism (`G2Endomorphism`): the sum runs
    /// over the 2n bases Pᵢ, ψ(Pᵢ) with 128-bit halves, about half the windows.
    /// `endomorphism: false` runs the plain 254-bit sum (the reference in tests); `windowBits`
    /// then applies to that sum, otherwise to the split one.
    public static func multiScalarMultiply(
        bases: [G2Affine], scalars: [Fr], threads: Int? = nil, windowBits: Int? = nil,
        accumulation: MultiScalarMultiplication.Accumulation = .automatic, endomorphism: Bool = true
    ) -> G2Point {
        if endomorphism {
            return MultiScalarMultiplication.computeSplit(bases: bases, scalars: scalars, threads: threads,
                                                          windowBits: windowBits, accumulation: accumulation)
        }
        return MultiScalarMultiplication.compute(bases: bases, scalars: scalars, threads: threads,
                                                 windowBits: windowBits, accumulation: accumulation)
    }
}
