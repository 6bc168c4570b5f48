/// The number-theoretic transform with group elements in place of field elements: the same
/// butterflies (a, b) → (a + ω^j·b, a − ω^j·b), where ω^j·b is a scalar multiplication. The
/// ceremony uses the inverse transform to turn the powers τⁱ·G into the Lagrange form Lᵢ(τ)·G
/// without knowing τ: Lᵢ(τ) = (1/N)·Σⱼ ω^(−ij)·τʲ is linear in the powers. The stages' butterflies
/// touch disjoint pairs, so each stage is split across threads like the field transform.
public enum GroupNumberTheoreticTransform {
    /// Lagrange form over the domain of size `points.count` (a power of two): from
    /// points[j] = τʲ·G (j < N) to Lᵢ(τ)·G for the Lagrange basis Lᵢ of the N-th roots of unity.
    public static func lagrange<Curve: CurveParameters>(
        fromPowers points: [AffinePoint<Curve>], threads: Int
    ) -> [AffinePoint<Curve>] {
        let n = points.count
        precondition(n > 0 && n.nonzeroBitCount == 1, "size is a power of two")
        guard let domain = EvaluationDomain(minimumSize: n) else { preconditionFailure("domain above 2^28") }
        var values = points.map(\.jacobian)
        transform(&values, twiddles: powers(of: domain.rootInverse, count: n / 2).map(\.canonical),
                  threads: threads)
        let scale = domain.sizeInverse.canonical
        let scaled = ParallelFor.flatMapChunks(count: n, threads: threads, minimumChunk: 64) { [values] range in
            JacobianPoint.batchNormalize(range.map { values[$0].multiplied(by: scale) })
        }
        return scaled
    }

    /// The odd entries of the Lagrange form over the 2N-th roots of unity, L′_{2k+1}(τ)·G for k < N,
    /// from points[j] = τʲ·G (j < 2N), with one transform of size N: writing j = j₀ + N·j₁,
    /// ω₂ₙ^(−(2k+1)j) = ωₙ^(−k·j₀)·ω₂ₙ^(−j₀)·(−1)^(j₁), so
    /// L′_{2k+1}(τ)·G = Σ_{j₀<N} ωₙ^(−k·j₀)·Qⱼ₀ with Qⱼ₀ = ω₂ₙ^(−j₀)/(2N)·(P_j₀ − P_{N+j₀}).
    public static func oddLagrange<Curve: CurveParameters>(
        fromPowers points: [AffinePoint<Curve>], threads: Int
    ) -> [AffinePoint<Curve>] {
        let n = points.count / 2
        precondition(n > 0 && n.nonzeroBitCount == 1 && points.count == 2 * n, "2N points, N a power of two")
        guard let wide = EvaluationDomain(minimumSize: 2 * n), let domain = EvaluationDomain(minimumSize: n) else {
            preconditionFailure("domain above 2^28")
        }
        let scales = powers(of: wide.rootInverse, count: n).map { ($0 * wide.sizeInverse).canonical }
        var values = ParallelFor.flatMapChunks(count: n, threads: threads, minimumChunk: 64) { range in
            range.map { j in (points[j].jacobian + points[n + j].negated.jacobian).multiplied(by: scales[j]) }
        }
        transform(&values, twiddles: powers(of: domain.rootInverse, count: n / 2).map(\.canonical), threads: threads)
        return JacobianPoint.batchNormalize(values)
    }

    /// The in-place transform with twiddles ω^j (j < N/2, canonical integers): evaluations at
    /// ω⁰ … ω^(N−1) of the "polynomial" with group-element coefficients.
    static func transform<Curve: CurveParameters>(
        _ values: inout [JacobianPoint<Curve>], twiddles: [UInt256], threads: Int
    ) {
        let n = values.count
        if n == 1 { return }
        bitReverse(&values)
        values.withUnsafeMutableBufferPointer { buffer in
            let shared = SharedPointButterflies(base: buffer.baseAddress!)
            var half = 1
            while half < n {
                let stride = n / (2 * half), h = half
                // At least 32 butterflies (64 points) per thread.
                ParallelFor.forEachChunk(count: n / 2, threads: threads, minimumChunk: 32) { range in
                    shared.butterflies(range, half: h, stride: stride, twiddles: twiddles)
                }
                half *= 2
            }
        }
    }

    static func bitReverse<T>(_ values: inout [T]) {
        let n = values.count
        var j = 0
        for i in 1..<n {
            var bit = n >> 1
            while j & bit != 0 {
                j ^= bit
                bit >>= 1
            }
            j ^= bit
            if i < j { values.swapAt(i, j) }
        }
    }
}

/// The transform's buffer shared by one stage's threads. Unchecked: butterfly k of a stage reads and
/// writes only its own two positions and each thread gets a disjoint range of k, so no position is
/// touched by two threads within a stage; the buffer outlives the `ParallelFor` calls.
private struct SharedPointButterflies<Curve: CurveParameters>: @unchecked Sendable {
    let base: UnsafeMutablePointer<JacobianPoint<Curve>>

    func butterflies(_ range: Range<Int>, half: Int, stride: Int, twiddles: [UInt256]) {
        for k in range {
            let group = k / half, j = k - group * half
            let i = group * 2 * half + j
            let a = base[i]
            let b = j == 0 ? base[i + half] : base[i + half].multiplied(by: twiddles[j * stride])
            base[i] = a + b
            base[i + half] = a - b
        }
    }
}
