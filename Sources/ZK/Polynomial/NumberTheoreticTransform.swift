/// The in-place radix-2 number-theoretic transform over Fr: bit-reversal permutation, then
/// iterative Cooley–Tukey butterflies (a, b) → (a + w·b, a − w·b). For large sizes the N/2
/// butterflies of each stage are split into contiguous ranges across threads; butterflies of one
/// stage touch disjoint pairs of indices, and the stages are separated by the barrier that
/// `ParallelFor.forEachChunk` is.
enum NumberTheoreticTransform {
    /// Below this size a transform runs on the calling thread.
    static let parallelThreshold = 1 << 13

    /// Transforms `values` (length N = `twiddles.count · 2`, a power of two) with twiddles ωʲ,
    /// j < N/2: coefficients in, evaluations at ω⁰ … ω^(N−1) out.
    static func transform(_ values: inout [Fr], twiddles: [Fr], threads: Int) {
        let n = values.count
        precondition(n.nonzeroBitCount == 1 && twiddles.count == n / 2, "size is a power of two")
        if n == 1 { return }
        bitReverse(&values)
        let threadCount = n >= parallelThreshold ? max(1, threads) : 1
        values.withUnsafeMutableBufferPointer { buffer in
            let shared = SharedButterflyBuffer(buffer)
            var half = 1
            while half < n {
                let stride = n / (2 * half), h = half
                ParallelFor.forEachChunk(count: n / 2, threads: threadCount) { range in
                    shared.butterflies(range, half: h, stride: stride, twiddles: twiddles)
                }
                half *= 2
            }
        }
    }

    /// Permutes to bit-reversed index order (j runs as i with its bits reversed, by reversed
    /// increment).
    static func bitReverse(_ values: inout [Fr]) {
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

/// The transform's buffer shared by the threads of one stage. Unchecked: each thread is given a
/// disjoint range of butterfly indices, and butterfly k of a stage reads and writes only the two
/// positions it owns (see `butterflies`), so no position is touched by two threads in one stage;
/// the buffer outlives the `ParallelFor` calls that use it.
private struct SharedButterflyBuffer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Fr>

    init(_ buffer: UnsafeMutableBufferPointer<Fr>) { base = buffer.baseAddress! }

    /// Butterflies k in `range` of the stage with half-size `half`: k = group·half + j works on
    /// positions group·2·half + j and that + half, with twiddle ω^(j·stride).
    func butterflies(_ range: Range<Int>, half: Int, stride: Int, twiddles: [Fr]) {
        twiddles.withUnsafeBufferPointer { tw in
            for k in range {
                let group = k / half, j = k - group * half
                let i = group * 2 * half + j
                let a = base[i], b = base[i + half] * tw[j * stride]
                base[i] = a + b
                base[i + half] = a - b
            }
        }
    }
}
