#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import XCTest
@testable import ZK

/// The module's parallel-for: the chunks cover 0..<n exactly, contiguous and in order, at most
/// `threads` of them and none shorter than the minimum (but one); results come back in chunk order
/// whatever thread finishes first; a single chunk runs on the calling thread.
final class ParallelForTests: XCTestCase {
    func testChunksCoverTheRangeInOrder() {
        for n in [0, 1, 2, 3, 7, 63, 64, 65, 127, 128, 1000, 4097] {
            for threads in [1, 2, 3, 4, 7, 16] {
                for minimum in [1, 4, 16, 64] {
                    let chunks = ParallelFor.chunks(count: n, threads: threads, minimumChunk: minimum)
                    let label = "n \(n), threads \(threads), minimum \(minimum)"
                    XCTAssertEqual(chunks.flatMap { Array($0) }, Array(0..<n), label)
                    XCTAssertFalse(chunks.contains(where: \.isEmpty), label)
                    XCTAssertLessThanOrEqual(chunks.count, max(1, threads), label)
                    if chunks.count > 1 {
                        XCTAssertTrue(chunks.allSatisfy { $0.count >= minimum }, label)
                        XCTAssertEqual(chunks.count, min(threads, n / minimum), label)
                    }
                }
            }
        }
    }

    func testResultsComeBackInChunkOrder() {
        let n = 5000
        // Early chunks do the most work, so later ones tend to finish first.
        let squares = ParallelFor.map(count: n, threads: 4) { i -> Int in
            var x = i
            for _ in 0..<((n - i) % 97) { x = (x &* 31) &+ 1 }
            _ = x
            return i * i
        }
        XCTAssertEqual(squares, (0..<n).map { $0 * $0 })
        let sums = ParallelFor.mapChunks(count: n, threads: 4) { $0.reduce(0, +) }
        XCTAssertEqual(sums.count, 4)
        XCTAssertEqual(sums.reduce(0, +), n * (n - 1) / 2)
        XCTAssertEqual(ParallelFor.flatMapChunks(count: 0, threads: 4) { Array($0) }, [])
        let seen = Mutex([Int](repeating: 0, count: n))
        ParallelFor.forEachChunk(count: n, threads: 3) { range in
            seen.withLock { for i in range { $0[i] += 1 } }
        }
        XCTAssertEqual(seen.withLock { $0 }, [Int](repeating: 1, count: n))
    }

    func testOneChunkRunsOnTheCallingThread() {
        let caller = UInt(bitPattern: Int(bitPattern: pthread_self()))
        let threads = ParallelFor.mapChunks(count: 100, threads: 8, minimumChunk: 64) { _ in
            UInt(bitPattern: Int(bitPattern: pthread_self()))
        }
        XCTAssertEqual(threads, [caller])
        XCTAssertEqual(ParallelFor.mapChunks(count: 10, threads: 1) { $0 }, [0..<10])
    }

    /// The parallel Miller loop gives the same value for every thread count (the chunk products
    /// are multiplied in a fixed order) and equals the single loop.
    func testParallelMillerLoopIndependentOfThreads() {
        let pairs = (1...5).map { k in
            (G1Point.generator.multiplied(by: UInt256(UInt64(k))).affine,
             G2Point.generator.multiplied(by: UInt256(UInt64(7 * k))).affine)
        }
        let single = Pairing.millerLoop(pairs.map { ($0.0, G2Prepared($0.1)) })
        for threads in 1...6 {
            XCTAssertEqual(Pairing.parallelMillerLoop(pairs, threads: threads), single, "threads \(threads)")
        }
    }
}
