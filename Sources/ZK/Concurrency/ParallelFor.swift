import Dispatch
import Synchronization

/// The one way the ZK module spreads a loop over threads: 0..<count is split into at most
/// `threads` contiguous chunks of nearly equal size (none smaller than `minimumChunk` elements,
/// so small loops stay on one thread), each chunk runs on its own thread, and per-chunk results
/// come back in chunk order. With one chunk the body runs on the calling thread, so a small or
/// single-threaded call spawns nothing.
///
/// Chunks are disjoint and cover 0..<count exactly; a body that writes only its own chunk's
/// positions of a shared buffer therefore needs no further synchronisation, and the call returns
/// only after every chunk has finished (it is the barrier between two stages of a transform).
enum ParallelFor {
    /// The default thread count: the processors currently online.
    static var defaultThreadCount: Int { MultiScalarMultiplication.defaultThreadCount }

    /// The chunks 0..<count is split into: k = min(threads, count / minimumChunk) of them (at
    /// least one), chunk t being t·count/k ..< (t + 1)·count/k, so the lengths differ by at most
    /// one and (for k > 1) none is shorter than `minimumChunk`; empty when count is 0.
    static func chunks(count: Int, threads: Int? = nil, minimumChunk: Int = 1) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let wanted = threads ?? defaultThreadCount
        let k = max(1, min(wanted, count / max(1, minimumChunk)))
        return (0..<k).map { t in (t * count / k)..<((t + 1) * count / k) }
    }

    /// `body` once per chunk, concurrently; returns when all have finished.
    static func forEachChunk(
        count: Int, threads: Int? = nil, minimumChunk: Int = 1, _ body: @Sendable (Range<Int>) -> Void
    ) {
        let ranges = chunks(count: count, threads: threads, minimumChunk: minimumChunk)
        if ranges.count <= 1 {
            ranges.forEach(body)
            return
        }
        DispatchQueue.concurrentPerform(iterations: ranges.count) { body(ranges[$0]) }
    }

    /// `body`'s result for each chunk, in chunk order (empty when count is 0).
    static func mapChunks<T: Sendable>(
        count: Int, threads: Int? = nil, minimumChunk: Int = 1, _ body: @Sendable (Range<Int>) -> T
    ) -> [T] {
        let ranges = chunks(count: count, threads: threads, minimumChunk: minimumChunk)
        if ranges.count <= 1 { return ranges.map(body) }
        let results = Mutex([T?](repeating: nil, count: ranges.count))
        DispatchQueue.concurrentPerform(iterations: ranges.count) { t in
            let result = body(ranges[t])
            results.withLock { $0[t] = result }
        }
        return results.withLock { $0.map { $0! } }
    }

    /// The chunks' arrays concatenated in order: for a body returning one element per index of
    /// its chunk, the same array a sequential loop over 0..<count would build.
    static func flatMapChunks<T: Sendable>(
        count: Int, threads: Int? = nil, minimumChunk: Int = 1, _ body: @Sendable (Range<Int>) -> [T]
    ) -> [T] {
        let parts = mapChunks(count: count, threads: threads, minimumChunk: minimumChunk, body)
        if parts.count == 1 { return parts[0] }
        return parts.flatMap { $0 }
    }

    /// `transform(i)` for i in 0..<count, in order.
    static func map<T: Sendable>(
        count: Int, threads: Int? = nil, minimumChunk: Int = 1, _ transform: @Sendable (Int) -> T
    ) -> [T] {
        flatMapChunks(count: count, threads: threads, minimumChunk: minimumChunk) { $0.map(transform) }
    }
}
