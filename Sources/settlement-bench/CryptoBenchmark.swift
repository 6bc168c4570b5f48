import Settlement
import CSecp256k1
import Foundation
import Synchronization

/// Measures the crypto hot path against the raw speed of what lies underneath, the physical limit
/// on this machine (the `settlement-bench` executable calls these):
///
/// - signature recovery: raw libsecp256k1 (`secp256k1_ecdsa_recover` + serialize on pre-parsed
///   signatures) vs our full `SignedTransfer.recoverSigner()` (parse, range and low-s checks,
///   recovery, Keccak of the key, address), single-threaded and on all cores;
/// - Keccak-256 on 64-byte inputs vs OpenSSL's SHA3-256 (same permutation, same rate class), as
///   reported by `openssl speed -evp sha3-256 -bytes 64`.
///
/// Every function prints its figures through `log` as it goes and returns them.
public enum CryptoBenchmark {
    /// Rates in operations per second, summed over threads, each thread's rate taken in its own
    /// CPU time (so other load on the machine does not skew the ratio); `…Wall` are wall-clock.
    public struct RecoveryResult: Sendable {
        public var threads: Int
        public var rawSingle: Double
        public var oursSingle: Double
        public var rawParallel: Double
        public var oursParallel: Double
        public var rawParallelWall: Double
        public var oursParallelWall: Double
        /// ours / raw on one thread (target ≥ 0.9).
        public var ratioSingle: Double { oursSingle / rawSingle }
        /// ours / raw on `threads` threads (target ≥ 0.9).
        public var ratioParallel: Double { oursParallel / rawParallel }
    }

    /// Rates in 64-byte hashes per second of one thread, CPU time (as `openssl speed` counts).
    public struct KeccakResult: Sendable {
        /// `Keccak256.hash(_:)` on a 64-byte buffer (the generic one-shot path).
        public var oursGeneric: Double
        /// `Keccak256.hash(left:right:)` (the Merkle node fast path).
        public var oursNode: Double
        /// The same two paths in wall-clock time (lower when the machine is shared).
        public var oursGenericWall: Double
        public var oursNodeWall: Double
        /// OpenSSL SHA3-256 via EVP, or nil when `openssl` could not be run or parsed.
        public var openssl: Double?
        /// oursGeneric / openssl (target ≥ 1.0).
        public var ratioGeneric: Double? { openssl.map { oursGeneric / $0 } }
        /// oursNode / openssl.
        public var ratioNode: Double? { openssl.map { oursNode / $0 } }
    }

    /// Runs both benchmarks.
    public static func runAll(seconds: Double = 3, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                              log: (String) -> Void = { print($0) }) -> (RecoveryResult, KeccakResult) {
        let r = recovery(seconds: seconds, threads: threads, log: log)
        let k = keccak64(seconds: seconds, log: log)
        return (r, k)
    }

    // MARK: Recovery

    /// Raw libsecp256k1 recovery vs `recoverSigner()` on 1 thread and on `threads` threads
    /// (defaults to all cores), about `seconds` each.
    ///
    /// Each thread alternates batches of 16 raw and 16 full-path recoveries and charges each
    /// batch's thread CPU time to its side: on a shared machine contention drifts, and this way it
    /// hits both sides alike. Wall-clock all-core throughput (separate runs) is reported as well.
    public static func recovery(seconds: Double = 3, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                                log: (String) -> Void = { print($0) }) -> RecoveryResult {
        let inputs = RecoveryInputs(count: 256)
        let raw: @Sendable (Int) -> UInt64 = { i in inputs.raw(i) }
        let ours: @Sendable (Int) -> UInt64 = { i in inputs.ours(i) }
        let single = interleaved(threads: 1, seconds: seconds, raw, ours)
        let parallel = interleaved(threads: threads, seconds: seconds, raw, ours)
        let rawWall = rate(threads: threads, seconds: max(seconds / 2, 0.2), raw).wall
        let oursWall = rate(threads: threads, seconds: max(seconds / 2, 0.2), ours).wall
        let r = RecoveryResult(threads: threads, rawSingle: single.a, oursSingle: single.b,
                               rawParallel: parallel.a, oursParallel: parallel.b,
                               rawParallelWall: rawWall, oursParallelWall: oursWall)
        log(String(format: "recovery 1 thread : libsecp256k1 raw %9.0f/s   recoverSigner %9.0f/s   ratio %.3f  (CPU time, interleaved)",
                   r.rawSingle, r.oursSingle, r.ratioSingle))
        log(String(format: "recovery %d threads: libsecp256k1 raw %9.0f/s   recoverSigner %9.0f/s   ratio %.3f  (CPU time, interleaved)",
                   threads, r.rawParallel, r.oursParallel, r.ratioParallel))
        log(String(format: "recovery %d threads: libsecp256k1 raw %9.0f/s   recoverSigner %9.0f/s   ratio %.3f  (wall clock, separate runs)",
                   threads, r.rawParallelWall, r.oursParallelWall, r.oursParallelWall / r.rawParallelWall))
        return r
    }

    /// `threads` threads alternate batches of 16 calls of `a` and of `b` for `seconds` of wall time;
    /// returns the summed per-thread rates of each, in operations per CPU second.
    static func interleaved(threads: Int, seconds: Double, _ a: @escaping @Sendable (Int) -> UInt64,
                            _ b: @escaping @Sendable (Int) -> UInt64) -> (a: Double, b: Double) {
        let results = Lock<[(a: Double, b: Double)]>([])
        let done = DispatchSemaphore(value: 0)
        for t in 0..<threads {
            Thread {
                var sink: UInt64 = 0
                var i = t &* 7919
                var n = 0
                var ta = 0.0, tb = 0.0
                for _ in 0..<16 { sink &+= a(i) &+ b(i) } // warm-up
                let end = wallTime() + seconds
                var aFirst = true
                repeat {
                    // Alternate which side goes first, so neither always follows the other.
                    let c0 = threadCPUTime()
                    if aFirst { for k in 0..<16 { sink &+= a(i &+ k) } } else { for k in 0..<16 { sink &+= b(i &+ k) } }
                    let c1 = threadCPUTime()
                    if aFirst { for k in 0..<16 { sink &+= b(i &+ k) } } else { for k in 0..<16 { sink &+= a(i &+ k) } }
                    let c2 = threadCPUTime()
                    if aFirst { ta += c1 - c0; tb += c2 - c1 } else { tb += c1 - c0; ta += c2 - c1 }
                    aFirst.toggle()
                    i &+= 16
                    n += 16
                } while wallTime() < end
                blackHole(sink)
                results.withLock { $0.append((Double(n) / ta, Double(n) / tb)) }
                done.signal()
            }.start()
        }
        for _ in 0..<threads { done.wait() }
        return results.withLock { r in (r.reduce(0) { $0 + $1.a }, r.reduce(0) { $0 + $1.b }) }
    }

    /// Pre-made signed transfers, and the same signatures pre-parsed for the raw library loop.
    final class RecoveryInputs: @unchecked Sendable {
        // @unchecked: filled in init, only read afterwards (libsecp256k1 reads are thread-safe).
        let signed: [SignedTransfer]
        let parsed: UnsafeMutablePointer<secp256k1_ecdsa_recoverable_signature>
        let digests: UnsafeMutablePointer<UInt8>
        let count: Int

        init(count: Int) {
            self.count = count
            var rng = SeededGenerator(seed: 0x5EED)
            let domain = SigningDomain(genesis: Genesis(chainId: 1337, allocations: []))
            signed = (0..<count).map { i in
                let key = PrivateKey.generate(using: &rng)
                let t = Transfer(from: key.address, to: PrivateKey.generate(using: &rng).address,
                                 value: UInt256(UInt64(i)), fee: 1, nonce: UInt64(i))
                return SignedTransfer.sign(t, domain: domain, with: key)
            }
            parsed = .allocate(capacity: count)
            digests = .allocate(capacity: count * 32)
            for (i, s) in signed.enumerated() {
                s.id.store(to: UnsafeMutableRawPointer(digests + 32 * i))
                parsed[i] = secp256k1_ecdsa_recoverable_signature()
                let ok = s.signature.withUnsafeBufferPointer {
                    secp256k1_ecdsa_recoverable_signature_parse_compact(
                        Secp256k1.context.raw, parsed + i, $0.baseAddress!, Int32($0[64] - 27))
                }
                precondition(ok == 1)
            }
        }

        deinit {
            parsed.deallocate()
            digests.deallocate()
        }

        /// secp256k1_ecdsa_recover + serialize, nothing else. Returns a byte of the key so the
        /// work cannot be optimised away.
        @inline(never)
        func raw(_ i: Int) -> UInt64 {
            let k = i % count
            var pub = secp256k1_pubkey()
            var out = Secp256k1.KeyBuffer()
            var len = 65
            return withUnsafeMutableBytes(of: &out) { ob in
                let o = ob.baseAddress!.assumingMemoryBound(to: UInt8.self)
                _ = secp256k1_ecdsa_recover(Secp256k1.context.raw, &pub, parsed + k, digests + 32 * k)
                _ = secp256k1_ec_pubkey_serialize(Secp256k1.context.raw, o, &len, &pub, UInt32(SECP256K1_EC_UNCOMPRESSED))
                return UInt64(o[64])
            }
        }

        /// The validation pipeline's call.
        @inline(never)
        func ours(_ i: Int) -> UInt64 {
            guard let a = try? signed[i % count].recoverSigner() else { return 0 }
            return UInt64(a.bytes[19])
        }
    }

    // MARK: Keccak

    /// Our Keccak-256 on 64-byte inputs (generic path and Merkle node path) vs OpenSSL SHA3-256,
    /// single thread. Ours is counted in thread CPU time, like `openssl speed` (user time), so a
    /// busy machine skews the ratio less; wall-clock rates are printed as well. Both sides report
    /// their best trial (ours: many short trials, OpenSSL: two runs of `seconds / 2`), the fairest
    /// estimate of each one's speed on a shared machine.
    public static func keccak64(seconds: Double = 3, log: (String) -> Void = { print($0) }) -> KeccakResult {
        var r = KeccakResult(oursGeneric: 0, oursNode: 0, oursGenericWall: 0, oursNodeWall: 0, openssl: nil)
        let trials = max(Int(seconds * 2), 2)
        for _ in 0..<trials {
            let (g, gw) = keccakGenericRate(seconds: 0.25)
            let (n, nw) = keccakNodeRate(seconds: 0.25)
            r.oursGeneric = max(r.oursGeneric, g)
            r.oursGenericWall = max(r.oursGenericWall, gw)
            r.oursNode = max(r.oursNode, n)
            r.oursNodeWall = max(r.oursNodeWall, nw)
        }
        let osSeconds = max(Int((seconds / 2).rounded()), 1)
        let runs = [opensslSHA3Rate(seconds: osSeconds), opensslSHA3Rate(seconds: osSeconds)].compactMap { $0 }
        r.openssl = runs.max()
        log(String(format: "keccak256 64 B: hash(_:) %10.0f/s (wall %10.0f/s)   hash(left:right:) %10.0f/s (wall %10.0f/s)",
                   r.oursGeneric, r.oursGenericWall, r.oursNode, r.oursNodeWall))
        if let o = r.openssl, let rg = r.ratioGeneric, let rn = r.ratioNode {
            log(String(format: "openssl speed -evp sha3-256 64 B: %10.0f/s   ratio hash(_:) %.3f   ratio hash(left:right:) %.3f", o, rg, rn))
        } else {
            log("openssl speed -evp sha3-256: not available (openssl not found or output not understood)")
        }
        return r
    }

    /// (CPU-time rate, wall rate) of the generic one-shot API on 64 bytes, chaining each output
    /// into the next input so that no call can be skipped.
    static func keccakGenericRate(seconds: Double) -> (Double, Double) {
        var buf = (Digest32.zero, Digest32(w0: 1, w1: 2, w2: 3, w3: 4))
        defer { blackHole(buf.0) }
        return timed(seconds: seconds) { n in
            withUnsafeMutableBytes(of: &buf) { b in
                let raw = UnsafeRawBufferPointer(b)
                for _ in 0..<n {
                    let h = Keccak256.hash(raw)
                    h.store(to: b.baseAddress!)
                }
            }
        }
    }

    /// (CPU-time rate, wall rate) of the Merkle node path, chained like a tree walk.
    static func keccakNodeRate(seconds: Double) -> (Double, Double) {
        var left = Digest32.zero
        let right = Digest32(w0: 1, w1: 2, w2: 3, w3: 4)
        let r = timed(seconds: seconds) { n in
            for _ in 0..<n { left = Keccak256.hash(left: left, right: right) }
        }
        blackHole(left)
        return r
    }

    /// Runs `body(batch)` until `seconds` of thread CPU time have passed; returns operations per
    /// CPU second and per wall second.
    static func timed(seconds: Double, _ body: (Int) -> Void) -> (Double, Double) {
        let batch = 4096
        body(batch) // warm-up
        let c0 = threadCPUTime(), w0 = wallTime()
        var ops = 0
        repeat {
            body(batch)
            ops += batch
        } while threadCPUTime() - c0 < seconds
        let cpu = threadCPUTime() - c0, wall = wallTime() - w0
        return (Double(ops) / cpu, Double(ops) / wall)
    }

    /// Runs `openssl speed -evp sha3-256 -bytes 64 -seconds N` and converts its "64 bytes" figure
    /// (thousands of bytes per second) to hashes per second.
    public static func opensslSHA3Rate(seconds: Int) -> Double? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["openssl", "speed", "-evp", "sha3-256", "-bytes", "64", "-seconds", String(seconds)]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return parseOpenSSLSpeed(String(decoding: data, as: UTF8.self))
    }

    /// Parses the result table of `openssl speed` (`sha3-256  158799.68k` under `type  64 bytes`).
    static func parseOpenSSLSpeed(_ text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix("sha3-256") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2 else { continue }
            var f = fields[1]
            var scale = 1.0
            if f.hasSuffix("k") { f = f.dropLast(); scale = 1000 }
            guard let v = Double(f) else { continue }
            return v * scale / 64
        }
        return nil
    }

    // MARK: Plumbing

    /// `threads` threads each call `body` for `seconds` of wall time. Returns the sum over threads
    /// of operations per CPU second of that thread, and total operations per wall second.
    static func rate(threads: Int, seconds: Double, _ body: @escaping @Sendable (Int) -> UInt64) -> (cpu: Double, wall: Double) {
        let counts = Lock<[(ops: Int, cpu: Double)]>([])
        let done = DispatchSemaphore(value: 0)
        let start = DispatchSemaphore(value: 0)
        let ready = DispatchSemaphore(value: 0)
        for t in 0..<threads {
            let th = Thread {
                var sink: UInt64 = 0
                var i = t &* 7919
                var n = 0
                ready.signal()
                start.wait()
                let c0 = threadCPUTime()
                let end = wallTime() + seconds
                repeat {
                    for _ in 0..<16 {
                        sink &+= body(i)
                        i &+= 1
                    }
                    n += 16
                } while wallTime() < end
                let cpu = threadCPUTime() - c0
                blackHole(sink)
                counts.withLock { $0.append((n, cpu)) }
                done.signal()
            }
            th.start()
        }
        for _ in 0..<threads { ready.wait() }
        let w0 = wallTime()
        for _ in 0..<threads { start.signal() }
        for _ in 0..<threads { done.wait() }
        let elapsed = wallTime() - w0
        return counts.withLock { c in
            (c.reduce(0.0) { $0 + Double($1.ops) / $1.cpu }, Double(c.reduce(0) { $0 + $1.ops }) / elapsed)
        }
    }

    static func wallTime() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static func threadCPUTime() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Keeps a value alive so the optimiser cannot drop the loop that produced it.
    @inline(never) @_optimize(none)
    static func blackHole<T>(_ x: T) {}

}
