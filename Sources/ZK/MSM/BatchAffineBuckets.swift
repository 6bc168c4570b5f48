/// The buckets of one Pippenger window kept in affine coordinates, filled by batches of
/// independent affine additions that share one field inversion (Montgomery's trick).
///
/// An affine addition P + Q costs λ = (y_Q − y_P)/(x_Q − x_P), x = λ² − x_P − x_Q,
/// y = λ(x_P − x) − y_P: two multiplications and a squaring once the inverse is known, and the
/// batch inversion adds three multiplications per element, against about eleven for a mixed
/// Jacobian addition. A batch may touch each bucket once (its addition reads the bucket's current
/// value), so a base whose bucket is already in the batch waits in a queue for the next batch; when
/// that queue is full (many bases in one bucket, as when many scalars are 1) the base goes into a
/// Jacobian overflow bucket instead, added to the affine one in the final reduction.
///
/// Edge cases of an addition, decided from the coordinates: x_P = x_Q with y_P = y_Q is a doubling
/// (λ = 3x²/2y), x_P = x_Q otherwise gives infinity (P = −Q), which empties the bucket; an empty
/// bucket takes the base as it is. Infinity bases and zero digits never reach the buckets.
///
/// One instance per thread (it owns its memory and is not shared); `reset` prepares it for the
/// next window.
final class BatchAffineBuckets<Curve: CurveParameters> {
    typealias F = Curve.Field

    let bucketCount: Int
    let batchCapacity: Int
    let queueCapacity: Int
    private let bx: UnsafeMutablePointer<F>
    private let by: UnsafeMutablePointer<F>
    private let filled: UnsafeMutablePointer<Bool>
    /// `busy[b] == epoch` while bucket b has an addition in the current batch.
    private let busy: UnsafeMutablePointer<UInt32>
    private var epoch: UInt32 = 1
    private let overflow: UnsafeMutablePointer<JacobianPoint<Curve>>
    private var overflowUsed = false
    private let batchBucket: UnsafeMutablePointer<Int32>
    /// ±(i + 1): base i, negated when negative.
    private let batchPoint: UnsafeMutablePointer<Int32>
    private let denominators: UnsafeMutablePointer<F>
    private let prefix: UnsafeMutablePointer<F>
    private var batchCount = 0
    private let queueBucket: UnsafeMutablePointer<Int32>
    private let queuePoint: UnsafeMutablePointer<Int32>
    private var queueCount = 0
    private let bases: UnsafeBufferPointer<AffinePoint<Curve>>

    /// Buckets for c-bit signed digits (2^(c−1) of them) over `bases`, which must stay valid for
    /// the instance's lifetime.
    init(windowBits c: Int, bases: UnsafeBufferPointer<AffinePoint<Curve>>) {
        bucketCount = 1 << (c - 1)
        // About K²/2B bases of a batch of K collide in B buckets: K ≤ B/4 keeps that near K/8,
        // and K up to 512 spreads the inversion (7.6% of a 2^16 MSM's samples at K = 256).
        batchCapacity = max(16, min(512, bucketCount / 4))
        queueCapacity = batchCapacity / 2
        self.bases = bases
        bx = .allocate(capacity: bucketCount)
        bx.initialize(repeating: .zero, count: bucketCount)
        by = .allocate(capacity: bucketCount)
        by.initialize(repeating: .zero, count: bucketCount)
        filled = .allocate(capacity: bucketCount)
        filled.initialize(repeating: false, count: bucketCount)
        busy = .allocate(capacity: bucketCount)
        busy.initialize(repeating: 0, count: bucketCount)
        overflow = .allocate(capacity: bucketCount)
        overflow.initialize(repeating: .infinity, count: bucketCount)
        batchBucket = .allocate(capacity: batchCapacity)
        batchPoint = .allocate(capacity: batchCapacity)
        denominators = .allocate(capacity: batchCapacity)
        denominators.initialize(repeating: .zero, count: batchCapacity)
        prefix = .allocate(capacity: batchCapacity)
        prefix.initialize(repeating: .zero, count: batchCapacity)
        queueBucket = .allocate(capacity: queueCapacity)
        queuePoint = .allocate(capacity: queueCapacity)
    }

    deinit {
        bx.deinitialize(count: bucketCount); bx.deallocate()
        by.deinitialize(count: bucketCount); by.deallocate()
        filled.deallocate()
        busy.deallocate()
        overflow.deinitialize(count: bucketCount); overflow.deallocate()
        batchBucket.deallocate(); batchPoint.deallocate()
        denominators.deinitialize(count: batchCapacity); denominators.deallocate()
        prefix.deinitialize(count: batchCapacity); prefix.deallocate()
        queueBucket.deallocate(); queuePoint.deallocate()
    }

    /// Empties every bucket.
    func reset() {
        filled.update(repeating: false, count: bucketCount)
        if overflowUsed { overflow.update(repeating: .infinity, count: bucketCount) }
        overflowUsed = false
        epoch &+= 1
        batchCount = 0
        queueCount = 0
    }

    /// The coordinates of base ±(i + 1).
    @inline(__always)
    private func point(_ signed: Int32) -> (x: F, y: F) {
        if signed > 0 {
            let p = bases[Int(signed) - 1]
            return (p.x, p.y)
        }
        let p = bases[Int(-signed) - 1]
        return (p.x, -p.y)
    }

    /// Adds base ±(i + 1) (not infinity) to bucket b, now or in a later batch.
    @inline(__always)
    func add(bucket b: Int, point signed: Int32) {
        if busy[b] == epoch {
            if queueCount < queueCapacity {
                queueBucket[queueCount] = Int32(truncatingIfNeeded: b)
                queuePoint[queueCount] = signed
                queueCount += 1
            } else {
                let (x, y) = point(signed)
                overflow[b] = overflow[b].adding(AffinePoint(uncheckedX: x, y: y))
                overflowUsed = true
            }
            return
        }
        if !filled[b] {
            let (x, y) = point(signed)
            bx[b] = x; by[b] = y; filled[b] = true
            return
        }
        busy[b] = epoch
        batchBucket[batchCount] = Int32(truncatingIfNeeded: b)
        batchPoint[batchCount] = signed
        batchCount += 1
        if batchCount == batchCapacity { flush() }
    }

    /// Performs the pending batch, then moves the queue into the next one. The queue is shorter
    /// than a batch, so that cannot fill the batch (no recursion); queued bases that meet each
    /// other again stay queued, compacted in place (the write index never passes the read index).
    private func flush() {
        performBatch()
        batchCount = 0
        epoch &+= 1
        let pending = queueCount
        queueCount = 0
        for j in 0..<pending { add(bucket: Int(queueBucket[j]), point: queuePoint[j]) }
    }

    /// Completes every pending and queued addition.
    func finish() {
        while batchCount > 0 || queueCount > 0 { flush() }
    }

    /// The batch's additions with one inversion: denominators and their prefix products forward,
    /// then each inverse from the running inverse backward.
    private func performBatch() {
        var product = F.one
        for j in 0..<batchCount {
            let b = Int(batchBucket[j])
            let (x, y) = point(batchPoint[j])
            var d = x - bx[b]
            if d.isZero {
                // Doubling when the y agree (d = 2y), infinity when they differ or y = 0 (no inversion).
                d = y == by[b] && !y.isZero ? y.doubled() : .one
            }
            denominators[j] = d
            prefix[j] = product
            product = product * d
        }
        guard var inverse = product.inverse() else { preconditionFailure("a product of non-zero elements") }
        for j in stride(from: batchCount - 1, through: 0, by: -1) {
            let b = Int(batchBucket[j])
            let (x, y) = point(batchPoint[j])
            let dInverse = inverse * prefix[j]
            inverse = inverse * denominators[j]
            let x1 = bx[b], y1 = by[b]
            let lambda: F
            if x == x1 {
                guard y == y1, !y.isZero else {
                    filled[b] = false
                    continue
                }
                let xx = x1.squared()
                lambda = (xx.doubled() + xx) * dInverse
            } else {
                lambda = (y - y1) * dInverse
            }
            let x3 = lambda.squared() - x1 - x
            bx[b] = x3
            by[b] = lambda * (x1 - x3) - y1
        }
    }

    /// Σ k·bucket[k−1] by the running sum from the top, in Jacobian coordinates.
    func weightedSum() -> JacobianPoint<Curve> {
        var running = JacobianPoint<Curve>.infinity
        var sum = JacobianPoint<Curve>.infinity
        for k in stride(from: bucketCount - 1, through: 0, by: -1) {
            if filled[k] { running = running.adding(AffinePoint(uncheckedX: bx[k], y: by[k])) }
            if overflowUsed { running = running + overflow[k] }
            sum = sum + running
        }
        return sum
    }
}
