import ArgumentParser
import Foundation
import Settlement

/// `settlement-bench genesis`: writes a large genesis file for the 1,000,000-account runs in
/// BENCHMARKS.md, reproducibly: the same options give the same bytes.
///
/// The file starts with the dev genesis's accounts (so `settlement-bench load` finds its funder
/// keys) and its chain id, then `--accounts` random addresses from a SplitMix64 stream seeded
/// with `--seed`, each with a balance of 1 to 1,000 ether in wei; every fourth balance is written
/// in `0x` hex, the rest in decimal, so both forms are exercised. Written in a streaming way
/// (constant memory), then read back with `Genesis.load` as a check unless `--no-verify`.
struct GenesisCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genesis",
        abstract: "Write a reproducible genesis file with many funded accounts (plus the dev accounts).")

    @Option(help: "Random funded accounts to add after the dev genesis's.")
    var accounts = 1_000_000

    @Option(help: "Output file.")
    var out: String

    @Option(help: "Seed of the address and balance stream.")
    var seed: UInt64 = 1

    @Option(help: "Genesis whose chain id and accounts come first.")
    var devGenesis = "Deploy/genesis.dev.json"

    @Flag(help: "Skip reading the file back.")
    var noVerify = false

    func validate() throws {
        guard accounts >= 0 else { throw ValidationError("--accounts must not be negative") }
    }

    func run() throws {
        let dev: Genesis
        do { dev = try Genesis.load(path: devGenesis) } catch { throw BenchError("\(devGenesis): \(error)") }
        guard FileManager.default.createFile(atPath: out, contents: nil),
              let file = FileHandle(forWritingAtPath: out) else { throw BenchError("cannot create \(out)") }
        defer { try? file.close() }

        var writer = ChunkedWriter(file: file)
        writer.append("{\n  \"config\": {\"chainId\": \(dev.chainId)},\n  \"alloc\": {\n")
        var first = true
        func entry(_ address: String, _ balance: String) {
            writer.append(first ? "    \"" : ",\n    \"")
            first = false
            writer.append(address)
            writer.append("\": {\"balance\": \"")
            writer.append(balance)
            writer.append("\"}")
        }
        for a in dev.allocations { entry(a.address.description, a.balance.description) }
        var rng = SeededGenerator(seed: seed)
        let wei = UInt256(1_000_000_000_000_000_000)
        var bytes = [UInt8](repeating: 0, count: 20)
        for i in 0 ..< accounts {
            for k in 0 ..< 20 { bytes[k] = UInt8(truncatingIfNeeded: rng.next()) }
            let balance = wei.checkedMul(1 + rng.next() % 1_000)!
            entry("0x" + Hex.encode(bytes), i % 4 == 3 ? balance.hexDescription : balance.description)
        }
        writer.append("\n  }\n}\n")
        try writer.flush()
        note("wrote \(out): \(dev.allocationCount + accounts) accounts (\(dev.allocationCount) from \(devGenesis)), "
             + "\(writer.written) bytes, chain id \(dev.chainId)")
        if !noVerify {
            let t0 = Date()
            let g: Genesis
            do { g = try Genesis.load(path: out) } catch { throw BenchError("read back: \(error)") }
            guard g.allocationCount == dev.allocationCount + accounts else {
                throw BenchError("read back \(g.allocationCount) accounts, expected \(dev.allocationCount + accounts)")
            }
            note(String(format: "read back with Genesis.load in %.2f s; genesis hash %@", Date().timeIntervalSince(t0),
                        g.hash.description))
        }
    }
}

/// Appends text to a 1 MiB buffer written to `file` when full.
private struct ChunkedWriter {
    let file: FileHandle
    var buffer: [UInt8] = []
    var written = 0
    var failure: Error?

    init(file: FileHandle) {
        self.file = file
        buffer.reserveCapacity(1 << 20)
    }

    mutating func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { try? flush() }
    }

    mutating func flush() throws {
        if let failure { throw failure }
        do { try file.write(contentsOf: buffer) } catch { failure = error; throw error }
        written += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
