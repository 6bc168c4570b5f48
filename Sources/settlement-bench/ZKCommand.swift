import ArgumentParser
import Foundation
import ZK

/// `settlement-bench zk`: the BN254 pairing, scalar multiplications and Poseidon of the ZK module,
/// with py_ecc's pairing measured in the same run for scale. Measured, not asserted.
struct ZKCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zk",
        abstract: "BN254 pairing, G1/G2 scalar multiplication and Poseidon; py_ecc's pairing alongside.")

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 2

    @Option(help: "Python with py_ecc for the comparison (skipped when it cannot run).")
    var python: String = ".venv/bin/python"

    @Flag(help: "Print one JSON document instead of the table.")
    var json = false

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func run() async throws {
        let s = seconds
        let p = BN254G1.generator, q = BN254G2.generator
        let k = Fr(decimal: "9338004556049482832446909901336037801457913060025733547689000171112285148389")!
        var sink = Fq12.one
        let pairing = Self.rate(seconds: s) { sink = sink * Pairing.pairing(p, q) }
        let prepared = G2Prepared(q)
        let fourPairs = Array(repeating: (p, prepared), count: 4)
        let multi4 = Self.rate(seconds: s) { sink = sink * Pairing.multiPairing(fourPairs) }
        let g1 = Self.rate(seconds: s) { _ = G1Point.generator * k }
        let g2 = Self.rate(seconds: s) { _ = G2Point.generator * k }
        let subgroup = Self.rate(seconds: s) { _ = q.isInSubgroup }
        let inputs2 = [Fr(1), Fr(2)], inputs16 = (1...16).map { Fr(UInt64($0)) }
        let poseidon2 = Self.rate(seconds: s) { _ = Poseidon.hash(inputs2) }
        let poseidon16 = Self.rate(seconds: s) { _ = Poseidon.hash(inputs16) }
        let pyEcc = Self.pyEccPairingMilliseconds(python: python, seconds: s)
        if sink.isZero { print("") }  // keeps the pairings from being optimised away
        let ms = { (rate: Double) in 1000 / rate }
        if json {
            var out: [String: Any] = [
                "benchmark": "zk", "seconds": s,
                "pairingMs": ms(pairing), "multiPairing4PreparedMs": ms(multi4),
                "g1MulPerSecond": g1, "g2MulPerSecond": g2, "g2SubgroupCheckPerSecond": subgroup,
                "poseidon2PerSecond": poseidon2, "poseidon16PerSecond": poseidon16,
            ]
            if let pyEcc { out["pyEccPairingMs"] = pyEcc }
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
        ]))
        print("(one thread; wall time on a shared machine: figures, not targets)")
    }
}
