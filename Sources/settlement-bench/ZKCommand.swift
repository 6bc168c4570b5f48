import ArgumentParser
import Foundation
import ZK

/// `settlement-bench zk`: the BN254 pairing, scalar multiplications and Poseidon of the ZK module,
/// with py_ecc's pairing measured in the same run for scale; then multi-scalar multiplications in G1
/// (one thread and all cores) and NTTs over Fr, with an arkworks Groth16 proof (groth16py) timed in
/// the same run when a Python with groth16py is given. Measured, not asserted.
struct ZKCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zk",
        abstract: "BN254 pairing, scalar multiplication, Poseidon, MSM and NTT; py_ecc and arkworks alongside.")

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 2

    @Option(help: "Python with py_ecc for the comparison (skipped when it cannot run).")
    var python: String = ".venv/bin/python"

    @Flag(help: "Print one JSON document instead of the table.")
    var json = false

    @Option(help: "log2 of the G1 multi-scalar multiplication sizes (comma-separated; empty skips).")
    var msmLogSizes = "16,20"

    @Option(help: "MSM window bits instead of the size-based choice (for comparing window sizes).")
    var msmWindowBits: Int?

    @Option(help: "log2 of the NTT sizes (comma-separated; empty skips).")
    var nttLogSizes = "16,20"

    @Option(help: "Proof counts for batch verification and SnarkPack aggregation (comma-separated; empty skips).")
    var aggregateSizes = "8,64,256"
    @Option(help: "log2 of the setup ceremony sizes (comma-separated; empty skips).")
    var ceremonyLogSizes = "10,12"

    @Flag(help: "Skip the pairing, scalar multiplication and Poseidon rates (MSM and NTT only).")
    var onlyMsm = false

    @Option(help: "Python with groth16py (arkworks) to time a Groth16 proof in the same run (skipped when unset or failing).")
    var arkworksPython: String?

    @Option(help: "Constraints of the arkworks comparison circuit (a chain of squarings).")
    var arkworksConstraints = 65_000

    @Option(help: "Circuits to prove with Groth16 (comma-separated merkleN / spend / chainN; empty skips), with arkworks on the same .zkey when --arkworks-python is given.")
    var proveCircuits = "merkle20,spend"

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        if let c = msmWindowBits, !(1...MultiScalarMultiplication.maximumWindowBits).contains(c) {
            throw ValidationError("--msm-window-bits must be 1...\(MultiScalarMultiplication.maximumWindowBits)")
        }
    }

    /// Operations per second of `body` over about `seconds` of wall time.
    static func rate(seconds: Double, _ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        var elapsed = 0.0
        repeat {
            body()
            count += 1
            let d = clock.now - start
            elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        } while elapsed < seconds
        return Double(count) / elapsed
    }

    /// py_ecc.optimized_bn128's pairing in milliseconds, or nil.
    static func pyEccPairingMilliseconds(python: String, seconds: Double) -> Double? {
        let script = """
            import time
            from py_ecc import optimized_bn128 as b
            b.pairing(b.G2, b.G1)
            n, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < \(seconds):
                b.pairing(b.G2, b.G1); n += 1
            print((time.perf_counter() - t0) / n * 1000)
            """
        return pythonMilliseconds(python: python, script: script)
    }

    func run() async throws {
        let large = largeOperations() + aggregationOperations() + (try proveTimings())
        if onlyMsm {
            if json { printJSON(["benchmark": "zk", "msmAndNtt": large.map(\.json)]) } else { printLarge(large) }
            return
        }
        let s = seconds
        let p = BN254G1.generator, q = BN254G2.generator
        let k = Fr(decimal: "9338004556049482832446909901336037801457913060025733547689000171112285148389")!
        var sink = Fq12.one
        let pairing = Self.rate(seconds: s) { sink = sink * Pairing.pairing(p, q) }
        let prepared = G2Prepared(q, normalized: true)
        let fourPairs = Array(repeating: (p, prepared), count: 4)
        let multi4 = Self.rate(seconds: s) { sink = sink * Pairing.multiPairing(fourPairs) }
        let g1 = Self.rate(seconds: s) { _ = G1Point.generator * k }
        let g2 = Self.rate(seconds: s) { _ = G2Point.generator * k }
        let subgroup = Self.rate(seconds: s) { _ = q.isInSubgroup }
        let inputs2 = [Fr(1), Fr(2)], inputs16 = (1...16).map { Fr(UInt64($0)) }
        let poseidon2 = Self.rate(seconds: s) { _ = Poseidon.hash(inputs2) }
        let poseidon16 = Self.rate(seconds: s) { _ = Poseidon.hash(inputs16) }
        var fq = Fq(7), fq2 = Fq2(Fq(7), Fq(11)), fq12 = Pairing.pairing(p, q)
        let fqMul = 1000 * Self.rate(seconds: s) { for _ in 0..<1000 { fq = fq * fq } }
        let fq2Mul = 1000 * Self.rate(seconds: s) { for _ in 0..<1000 { fq2 = fq2 * fq2 } }
        let fq12Mul = Self.rate(seconds: s) { fq12 = fq12 * fq12 }
        let miller = Self.rate(seconds: s) { sink = sink * Pairing.millerLoop([(p, prepared)]) }
        let finalExp = Self.rate(seconds: s) { sink = sink * Pairing.finalExponentiation(fq12) }
        if fq.isZero || fq2.isZero { print("") }
        let pyEcc = Self.pyEccPairingMilliseconds(python: python, seconds: s)
        if sink.isZero { print("") }  // keeps the pairings from being optimised away
        let ms = { (rate: Double) in 1000 / rate }
        if json {
            var out: [String: Any] = [
                "benchmark": "zk", "seconds": s,
                "pairingMs": ms(pairing), "multiPairing4PreparedMs": ms(multi4),
                "g1MulPerSecond": g1, "g2MulPerSecond": g2, "g2SubgroupCheckPerSecond": subgroup,
                "poseidon2PerSecond": poseidon2, "poseidon16PerSecond": poseidon16,
                "fqMulPerSecond": fqMul, "fq2MulPerSecond": fq2Mul, "fq12MulPerSecond": fq12Mul,
                "millerLoopMs": ms(miller), "finalExponentiationMs": ms(finalExp),
            ]
            if let pyEcc { out["pyEccPairingMs"] = pyEcc }
            out["msmAndNtt"] = large.map(\.json)
            printJSON(out)
            return
        }
        print(Fmt.columns([
            ["operation", "ours", "py_ecc (optimized_bn128)"],
            ["pairing e(P, Q)", String(format: "%.2f ms", ms(pairing)), pyEcc.map { String(format: "%.1f ms", $0) } ?? "-"],
            ["4-pair multi-pairing, prepared G2", String(format: "%.2f ms", ms(multi4)), "-"],
            ["G1 scalar multiplication", Fmt.rate(g1), "-"],
            ["G2 scalar multiplication", Fmt.rate(g2), "-"],
            ["G2 subgroup check (ψ)", Fmt.rate(subgroup), "-"],
            ["Poseidon, 2 inputs", Fmt.rate(poseidon2), "-"],
            ["Poseidon, 16 inputs", Fmt.rate(poseidon16), "-"],
            ["Fq multiplication (dependent chain)", String(format: "%.1f ns", 1e9 / fqMul), "-"],
            ["Fq2 multiplication (dependent chain)", String(format: "%.1f ns", 1e9 / fq2Mul), "-"],
            ["Fq12 multiplication", String(format: "%.2f µs", 1e6 / fq12Mul), "-"],
            ["Miller loop, one prepared pair", String(format: "%.2f ms", ms(miller)), "-"],
            ["final exponentiation", String(format: "%.2f ms", ms(finalExp)), "-"],
        ]))
        print("(one thread; wall time on a shared machine: figures, not targets)")
        printLarge(large)
    }
}

/// Multi-scalar multiplication, NTT and the arkworks proof: one timed run each (they take seconds).
extension ZKCommand {
    struct Timing {
        var operation: String
        var threads: Int
        var milliseconds: Double
        /// Process CPU time over the run (all threads): less sensitive to other load than wall time.
        var cpuMilliseconds: Double
        var json: [String: Any] {
            var out: [String: Any] = ["operation": operation, "threads": threads, "ms": milliseconds]
            if !cpuMilliseconds.isNaN { out["cpuMs"] = cpuMilliseconds }
            return out
        }
    }

    /// Wall and process CPU milliseconds of `body`.
    static func milliseconds(_ body: () -> Void) -> (wall: Double, cpu: Double) {
        func cpuNow() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
            return Double(t.tv_sec) * 1000 + Double(t.tv_nsec) / 1e6
        }
        let cpu0 = cpuNow()
        let d = ContinuousClock().measure(body)
        return (Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15, cpuNow() - cpu0)
    }

    /// The better (by wall time) of two timed runs after an untimed warm-up: for the short
    /// verification runs, where a first call's lazy constants and thread start-up would dominate.
    static func bestOfTwo(_ body: () -> Void) -> (wall: Double, cpu: Double) {
        body()
        let first = milliseconds(body), second = milliseconds(body)
        return first.wall <= second.wall ? first : second
    }

    static func logSizes(_ list: String) -> [Int] {
        list.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    func largeOperations() -> [Timing] {
        let all = MultiScalarMultiplication.defaultThreadCount
        let threadCounts = all > 1 ? [1, all] : [1]
        var out: [Timing] = []
        var state: UInt64 = 0x5EED
        func random() -> Fr {
            func next() -> UInt64 {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }
            return Fr(reducing: UInt256(next(), next(), next(), next() >> 3))
        }
        for k in Self.logSizes(msmLogSizes) {
            let n = 1 << k
            // Distinct bases [i·a]G by repeated addition, normalised with one inversion.
            let step = G1Point.generator * random()
            var points = [G1Point](), p = step
            points.reserveCapacity(n)
            for _ in 0..<n { points.append(p); p = p + step }
            let bases = G1Point.batchNormalize(points)
            let scalars = (0..<n).map { _ in random() }
            var results: [G1Point] = []
            for threads in threadCounts {
                let ms = Self.milliseconds {
                    results.append(G1Point.multiScalarMultiply(
                        bases: bases, scalars: scalars, threads: threads, windowBits: msmWindowBits))
                }
                let c = msmWindowBits ?? MultiScalarMultiplication.windowBits(forCount: n)
                out.append(Timing(operation: "G1 MSM 2^\(k), c = \(c)", threads: threads, milliseconds: ms.wall,
                                  cpuMilliseconds: ms.cpu))
            }
            precondition(Set(results.map(\.affine)).count == 1, "MSM results differ between thread counts")
        }
        for k in Self.logSizes(nttLogSizes) {
            for threads in threadCounts {
                guard let domain = EvaluationDomain(minimumSize: 1 << k, threads: threads) else { continue }
                var values = (0..<(1 << k)).map { _ in random() }
                let ms = Self.milliseconds { domain.ntt(&values) }
                out.append(Timing(operation: "NTT 2^\(k) over Fr", threads: threads, milliseconds: ms.wall,
                                  cpuMilliseconds: ms.cpu))
            }
        }
        out += ceremonyOperations()
        if let python = arkworksPython {
            for threads in threadCounts {
                guard let ms = Self.arkworksProofMilliseconds(
                    python: python, constraints: arkworksConstraints, threads: threads)
                else {
                    print("arkworks (groth16py) comparison skipped: \(python) could not run it")
                    break
                }
                out.append(Timing(operation: "arkworks Groth16 proof, \(arkworksConstraints) constraints",
                                  threads: threads, milliseconds: ms, cpuMilliseconds: .nan))
            }
        }
        return out
    }

    /// The better of two groth16py proofs (after a warm-up one) (witness generation included) of a chain of
    /// `constraints` squarings, with rayon limited to `threads`; nil when it cannot run.
    static func arkworksProofMilliseconds(python: String, constraints: Int, threads: Int) -> Double? {
        let script = """
            import os, sys, time, tempfile, contextlib, groth16py
            src = ('pragma circom 2.0.0; template Chain(n) { signal input x; signal output y; '
                   'signal s[n+1]; s[0] <== x; for (var i = 0; i < n; i++) { s[i+1] <== s[i] * s[i] + i; } '
                   'y <== s[n]; } component main = Chain(\(constraints));')
            d = tempfile.mkdtemp(); p = os.path.join(d, 'chain.circom'); open(p, 'w').write(src)
            with contextlib.redirect_stdout(sys.stderr):
                pk, vk = groth16py.setup_circom(p, [])
                groth16py.prove(pk, {'x': 3})
            best = None
            for _ in range(2):
                t0 = time.perf_counter(); groth16py.prove(pk, {'x': 3}); t = time.perf_counter() - t0
                best = t if best is None else min(best, t)
            print(best * 1000)
            """
        return pythonMilliseconds(python: python, script: script, environment: ["RAYON_NUM_THREADS=\(threads)"])
    }

    /// Runs `script` under `python` (through env, with `environment` assignments and `arguments`)
    /// and reads the number on its last stdout line: the benchmarks' comparison runs against
    /// Python libraries. nil when the script cannot run or fails.
    static func pythonMilliseconds(
        python: String, script: String, arguments: [String] = [], environment: [String] = []
    ) -> Double? {
        pythonLastLineNumbers(python: python, script: script, arguments: arguments, environment: environment)?.first
    }

    /// The numbers of the last line a Python script prints (space-separated); nil when it fails.
    static func pythonLastLineNumbers(
        python: String, script: String, arguments: [String] = [], environment: [String] = []
    ) -> [Double]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = environment + [python, "-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard let fields = lines.last?.split(separator: " ") else { return nil }
        let numbers = fields.compactMap { Double($0) }
        return numbers.count == fields.count && !numbers.isEmpty ? numbers : nil
    }

    func printLarge(_ timings: [Timing]) {
        guard !timings.isEmpty else { return }
        print("")
        print(Fmt.columns([["operation", "threads", "wall", "CPU (all threads)"]] + timings.map {
            [$0.operation, String($0.threads), String(format: "%.1f ms", $0.milliseconds),
             $0.cpuMilliseconds.isNaN ? "-" : String(format: "%.1f ms", $0.cpuMilliseconds)]
        }))
        print("(one run each, except: single and batch verifications and Groth16 proofs on a .zkey, best of two after "
              + "a warm-up (arkworks' verifications: best of two); MSM bases [i·a]G, random scalars; arkworks chain: best "
              + "of two proofs, witness generation included; proofs on a .zkey: the witness given)")
    }
}
