import ArgumentParser
import Foundation
import GRPC
import PostgresDriver
import SettlementAPI

/// `settlement-bench`: the end-to-end load generator (`load`) and the microbenchmarks that compare
/// the hot paths with the raw speed of the libraries underneath (`crypto`, `state`, `copy`,
/// `store`). Every subcommand prints human-readable figures, or one JSON document with `--json`
/// (for the BENCHMARKS.md tooling). Build in release mode: debug figures mean nothing.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settlement-bench",
        abstract: "Load generator and microbenchmarks of the settlement engine.",
        discussion: """
            load: end-to-end; funds senders, pre-signs transfers, streams them to a running engine, and reports \
            sustained TPS and submit → SEQUENCED latency.

            crypto: signature recovery vs raw libsecp256k1; Keccak-256 vs OpenSSL SHA3-256.

            state: sparse Merkle tree updates vs the raw Keccak node hash.

            copy: binary COPY through our libpq client vs the server loading the same file (and psql \\copy).

            store: PostgresSettlementStore.commit vs raw COPY of the same rows.

            zk: the BN254 pairing, G1/G2 scalar multiplication and Poseidon of the ZK module; py_ecc's pairing alongside.

            genesis: writes a reproducible genesis file with many funded accounts (for the 1,000,000-account runs).

            copy and store start a temporary PostgreSQL (EmbeddedPostgres) unless --database-url is given; with \
            --database-url, copy needs a server on this machine (it loads a file by server-side COPY).
            """,
        subcommands: [LoadCommand.self, CryptoCommand.self, StateCommand.self, CopyCommand.self, StoreCommand.self, ShieldedVerifyCommand.self,
                      GenesisCommand.self, ZKCommand.self, ShieldedTreesCommand.self])
}

/// HOST:PORT with IPv6 hosts in brackets.
struct ServerAddress {
    let host: String
    let port: Int

    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var h = String(text[..<colon])
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        guard !h.isEmpty, let p = Int(text[text.index(after: colon)...]), (1...65535).contains(p) else { return nil }
        host = h
        port = p
    }
}

/// A failure reported as `settlement-bench: error: ...` with exit code 1.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command body; errors are printed on standard error and end the process with code 1
/// (3 when the engine could not be reached).
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as ExitCode {
        throw e
    } catch let e as BenchError {
        printError(e.description)
        throw ExitCode(1)
    } catch let e as RPCError {
        printError("\(e.code) (\(e.code.rawValue))" + (e.message.isEmpty ? "" : ": \(e.message)"))
        throw ExitCode(e.code == .unavailable ? 3 : 1)
    } catch {
        printError("\(error)")
        throw ExitCode(1)
    }
}

/// `settlement-bench: error: ...` on standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data(("settlement-bench: error: " + message + "\n").utf8))
}

/// A line on standard error (progress and phase notes, kept off standard output so that `--json`
/// output stays parseable).
func note(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Prints a JSON object (keys sorted, pretty) on standard output.
func printJSON(_ object: [String: Any]) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]) else {
        printError("internal: value not representable as JSON")
        return
    }
    print(String(decoding: data, as: UTF8.self))
}

/// Number formatting for the reports.
enum Fmt {
    /// `12,345,678/s`-style rate with thousands separators.
    static func rate(_ v: Double) -> String { grouped(v) + "/s" }

    /// An integer with thousands separators.
    static func grouped(_ v: Double) -> String {
        guard v.isFinite else { return "-" }
        let n = Int(v.rounded())
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// Aligned columns; the first row is the header.
    static func columns(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: first.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            r.enumerated().map { i, c in
                i == r.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count + 2)
            }.joined()
        }.joined(separator: "\n")
    }

    /// `0.973`.
    static func ratio(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "-" }
}

/// Monotonic nanoseconds.
@inline(__always)
func nowNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
