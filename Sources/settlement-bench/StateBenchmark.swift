import Foundation
import Settlement
#if canImport(Glibc)
import Glibc
#endif

/// Measures the state tree on the hot path against the raw speed of the hash underneath.
///
/// Builds a `StateManager` with `accounts` funded accounts (batch 0), then applies batches of
/// random transfers (each touching a sender and a receiver) and reports, per batch, the time of
/// `apply(diff:)` and the node hashes per second achieved inside it, next to the raw rate of
/// `Keccak256.hash(left:right:)` (64-byte, one permutation — the node hash itself) measured in a
/// tight loop in the same process, and the process's resident memory.
///
/// Run it in release mode (the numbers of a debug build mean nothing).
public enum StateBenchmark {
    /// What to run.
    public struct Configuration: Sendable {
        /// Funded accounts in the genesis batch.
        public var accounts = 1_000_000
        /// Transfer batches to apply after genesis.
        public var batches = 20
        /// Transfers per batch (each touches two accounts).
        public var transfersPerBatch = 1_000
        /// Batches of history the manager retains.
        public var retainedBatches = 64
        /// PRNG seed for addresses and transfers.
        public var seed: UInt64 = 1
        /// Raw Keccak iterations per measurement.
        public var rawHashIterations = 2_000_000

        public init() {}
    }

    /// The figures of one run.
    public struct Report: Sendable {
        /// Seconds to build the genesis tree.
        public var genesisSeconds: Double = 0
        /// Median seconds (thread CPU time) of one `apply(diff:)` of a transfer batch.
        public var medianBatchSeconds: Double = 0
        /// Mean node hashes per transfer batch.
        public var nodeHashesPerBatch: Double = 0
        /// Node hashes per second inside `apply(diff:)` (all batches' node hashes / their time).
        public var nodeHashesPerSecond: Double = 0
        /// All Keccak calls (node, leaf, path) per second inside `apply(diff:)`.
        public var treeHashesPerSecond: Double = 0
        /// Raw `Keccak256.hash(left:right:)` calls per second (best of the measurements).
        public var rawHashesPerSecond: Double = 0
        /// `nodeHashesPerSecond / rawHashesPerSecond` over the whole run.
        public var ratio: Double { rawHashesPerSecond > 0 ? nodeHashesPerSecond / rawHashesPerSecond : 0 }
        /// Median over batches of (node hashes/s in the batch) / (raw rate measured right before
        /// and after it): the figure robust to a busy host (target ≥ 0.7).
        public var medianInterleavedRatio: Double = 0
        /// Resident set size after the run, bytes (VmRSS), and its peak (VmHWM).
        public var residentBytes: Int = 0
        public var peakResidentBytes: Int = 0
        /// The tree's own estimate of its storage, bytes.
        public var treeBytes: Int = 0
    }

    /// Runs the benchmark, writing one line per step to `log`.
    @discardableResult
    public static func run(_ config: Configuration = Configuration(), log: (String) -> Void = { print($0) }) -> Report {
        var report = Report()
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double {
            Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

        var raw = [measureRawKeccak(iterations: config.rawHashIterations)]
        log(String(format: "raw keccak256(64 B): %.3f M hashes/s", raw[0] / 1e6))

        // Addresses: 20 bytes each in one buffer (no per-address allocation in the benchmark).
        var rng = SeededGenerator(seed: config.seed)
        let n = config.accounts
        var addressBytes = [UInt8](repeating: 0, count: n * 20)
        addressBytes.withUnsafeMutableBytes { raw in
            for i in 0 ..< n {
                let p = raw.baseAddress! + i * 20
                p.storeBytes(of: rng.next(), toByteOffset: 0, as: UInt64.self)
                p.storeBytes(of: rng.next(), toByteOffset: 8, as: UInt64.self)
                p.storeBytes(of: UInt32(truncatingIfNeeded: rng.next()), toByteOffset: 16, as: UInt32.self)
            }
        }
        func address(_ i: Int) -> Address { Address(bytes: Array(addressBytes[i * 20 ..< i * 20 + 20]))! }

        let manager = StateManager(retainedBatches: config.retainedBatches)
        do {
            let genesis = StateDiff((0 ..< n).map { (address: address($0), account: Account(balance: 1_000_000_000)) })
            let t0 = clock.now
            manager.apply(diff: genesis)
            report.genesisSeconds = seconds(clock.now - t0)
        }
        let s0 = manager.tree.statistics
        log(String(format: "genesis: %d accounts in %.2f s (%d node, %d leaf, %d path hashes), tree storage %@, RSS %@",
                   manager.accountCount, report.genesisSeconds, s0.nodeHashes, s0.leafHashes, s0.pathHashes,
                   mib(manager.tree.memoryFootprint), mib(residentMemory().rss)))

        var times: [Double] = []
        var totalTime = 0.0, totalNodes = 0, totalAll = 0
        var ratios: [Double] = []
        for b in 1 ... max(config.batches, 1) {
            // Random transfers; the diff is what the executor would hand over (not timed).
            var changed: [Int: Account] = [:]
            for _ in 0 ..< config.transfersPerBatch {
                let from = Int(rng.next() % UInt64(n)), to = Int(rng.next() % UInt64(n))
                guard from != to else { continue }
                var sender = changed[from] ?? manager.account(address(from))
                var receiver = changed[to] ?? manager.account(address(to))
                let amount = UInt256(1 + rng.next() % 1_000)
                guard let debited = sender.balance.checkedSub(amount) else { continue }
                sender.balance = debited
                sender.nonce += 1
                changed[from] = sender
                receiver.balance = receiver.balance.checkedAdd(amount)!
                if to != from { changed[to] = receiver }
            }
            let diff = StateDiff(changed.map { (address: address($0.key), account: $0.value) })
            // The raw rate right before and after the batch, over about as many hashes: the
            // machine's load changes slowly compared with this, so the ratio stays meaningful
            // on a busy host.
            let rawBefore = measureRawKeccak(iterations: 20_000)
            let before = manager.tree.statistics
            let t0 = threadCPUTime()
            manager.apply(diff: diff)
            let dt = threadCPUTime() - t0
            let rawAfter = measureRawKeccak(iterations: 20_000)
            let after = manager.tree.statistics
            let nodes = after.nodeHashes - before.nodeHashes
            let all = nodes + (after.leafHashes - before.leafHashes) + (after.pathHashes - before.pathHashes)
            times.append(dt)
            totalTime += dt
            totalNodes += nodes
            totalAll += all
            let localRaw = (rawBefore + rawAfter) / 2
            ratios.append(Double(nodes) / dt / localRaw)
            log(String(format: "batch %3d: %d accounts, %.2f ms, %d node hashes, %.3f M node hashes/s (%.3f M all hashes/s), "
                           + "raw %.3f M/s around it, ratio %.2f",
                       b, diff.count, dt * 1e3, nodes, Double(nodes) / dt / 1e6, Double(all) / dt / 1e6,
                       localRaw / 1e6, ratios.last!))
        }
        raw.append(measureRawKeccak(iterations: config.rawHashIterations))

        // Proof costs: at the latest root, and at the oldest retained root (roll back and forward).
        let probe = address(Int(rng.next() % UInt64(n)))
        var t0 = clock.now
        let latestProof = try? manager.proof(probe)
        let latestProofSeconds = seconds(clock.now - t0)
        let oldest = manager.retainedBatches!.lowerBound
        t0 = clock.now
        let oldProof = try? manager.proof(probe, atBatch: oldest)
        let oldProofSeconds = seconds(clock.now - t0)
        log(String(format: "proof at latest root: %.1f µs, %d bytes, verifies: %@; at batch %llu (%llu back): %.1f ms, verifies: %@",
                   latestProofSeconds * 1e6, latestProof?.proof.serialized.count ?? 0, String(latestProof?.verify() ?? false),
                   oldest, manager.latestBatch! - oldest, oldProofSeconds * 1e3, String(oldProof?.verify() ?? false)))

        times.sort()
        ratios.sort()
        report.medianInterleavedRatio = ratios[ratios.count / 2]
        report.medianBatchSeconds = times[times.count / 2]
        report.nodeHashesPerBatch = Double(totalNodes) / Double(times.count)
        report.nodeHashesPerSecond = Double(totalNodes) / totalTime
        report.treeHashesPerSecond = Double(totalAll) / totalTime
        report.rawHashesPerSecond = raw.max()!
        let memory = residentMemory()
        report.residentBytes = memory.rss
        report.peakResidentBytes = memory.peak
        report.treeBytes = manager.tree.memoryFootprint
        log(String(format: "raw keccak256(64 B) again: %.3f M hashes/s", raw[1] / 1e6))
        log(String(format: "summary: %d accounts; batch of %d transfers: median %.2f ms, %.0f node hashes; "
                       + "tree %.3f M node hashes/s (%.3f M all hashes/s) vs raw %.3f M/s: ratio %.2f (all hashes %.2f), "
                       + "median interleaved ratio %.2f; "
                       + "RSS %@ (peak %@), tree storage %@, manager %@",
                   n, config.transfersPerBatch, report.medianBatchSeconds * 1e3, report.nodeHashesPerBatch,
                   report.nodeHashesPerSecond / 1e6, report.treeHashesPerSecond / 1e6, report.rawHashesPerSecond / 1e6,
                   report.ratio, report.treeHashesPerSecond / report.rawHashesPerSecond, report.medianInterleavedRatio,
                   mib(report.residentBytes), mib(report.peakResidentBytes), mib(report.treeBytes),
                   mib(manager.memoryFootprint)))
        return report
    }

    /// Calls of `Keccak256.hash(left:right:)` per second of thread CPU time, each input depending
    /// on the previous output so nothing can be skipped or overlapped.
    public static func measureRawKeccak(iterations: Int) -> Double {
        var a = Digest32(w0: 1, w1: 2, w2: 3, w3: 4)
        let b = Digest32(w0: 5, w1: 6, w2: 7, w3: 8)
        let t0 = threadCPUTime()
        for _ in 0 ..< iterations { a = Keccak256.hash(left: a, right: b) }
        let s = threadCPUTime() - t0
        // Keep the result observable.
        if a == .zero { print("unlikely: zero digest") }
        return Double(iterations) / s
    }

    /// CPU time of the calling thread in seconds. Both the
    /// raw rate and the batches are timed this way, so time the scheduler gives to other
    /// processes on a shared host counts against neither.
    public static func threadCPUTime() -> Double {
        #if canImport(Glibc)
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
        #else
        return Double(clock_gettime_nsec_np(CLOCK_THREAD_CPUTIME_ID)) * 1e-9
        #endif
    }

    /// VmRSS and VmHWM of this process in bytes (0 where /proc is unavailable).
    public static func residentMemory() -> (rss: Int, peak: Int) {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func field(_ name: String) -> Int {
            for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
                let digits = line.dropFirst(name.count + 1).filter(\.isNumber)
                return (Int(digits) ?? 0) * 1024 // reported in kB
            }
            return 0
        }
        return (field("VmRSS"), field("VmHWM"))
    }

}
