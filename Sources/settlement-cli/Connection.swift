import ArgumentParser
import Foundation
import GRPC
import Settlement
import SettlementAPI

/// Options shared by every subcommand that talks to an engine: where it is, how to reach it.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Engine address HOST:PORT (IPv6 as [::1]:PORT). Env: SETTLEMENT_SERVER.", valueName: "host:port"))
    var server: String = ProcessInfo.processInfo.environment["SETTLEMENT_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
        ?? "127.0.0.1:50051"

    @Option(name: .long, help: ArgumentHelp(
        "PEM bundle of trusted CAs; connects with TLS (ALPN h2). Env: SETTLEMENT_TLS_CA.", valueName: "file"))
    var tlsCa: String?

    @Flag(name: .long, help: "Connect with TLS, trusting the system's CAs (implied by --tls-ca).")
    var tls = false

    @Option(name: .long, help: ArgumentHelp("TLS server name (SNI and verification); default: the host.",
                                            valueName: "name"))
    var tlsServerName: String?

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the connection.", valueName: "seconds"))
    var connectTimeout: Int = 10

    /// `--tls-ca`, else `SETTLEMENT_TLS_CA`.
    var caFile: String? { tlsCa ?? ProcessInfo.processInfo.environment["SETTLEMENT_TLS_CA"].flatMap { $0.isEmpty ? nil : $0 } }

    func validate() throws {
        guard ServerAddress(server) != nil else {
            throw ValidationError("--server must be HOST:PORT with a port in 1...65535, got \"\(server)\"")
        }
        if let ca = caFile, !FileManager.default.isReadableFile(atPath: ca) {
            throw ValidationError("cannot read the CA file \(ca)")
        }
        guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be positive") }
    }

    /// The client configuration these options describe.
    var configuration: RPCClientConfiguration {
        let address = ServerAddress(server)!
        var c = RPCClientConfiguration(host: address.host, port: address.port)
        if tls || caFile != nil || tlsServerName != nil {
            c.tls = .init(caFile: caFile, serverName: tlsServerName)
        }
        c.connectTimeout = .seconds(connectTimeout)
        return c
    }

    /// Connects, runs `body`, and closes the connection whatever `body` does.
    func withClient<R>(_ body: (SettlementClient) async throws -> R) async throws -> R {
        let client = try await connect()
        do {
            let r = try await body(client)
            await client.close()
            return r
        } catch {
            await client.close()
            throw error
        }
    }

    /// Connects, turning a failure into `CLIError.unreachable`.
    func connect() async throws -> SettlementClient {
        let c = configuration
        do {
            return SettlementClient(try await RPCClient.connect(c), display: server)
        } catch let e as RPCError {
            throw CLIError.unreachable(server: server, tls: c.tls != nil, detail: e.message)
        }
    }
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

/// The typed calls of `settlement.v1.Settlement` over one connection.
struct SettlementClient: Sendable {
    let rpc: RPCClient
    /// The address as the user wrote it (for messages).
    let display: String

    init(_ rpc: RPCClient, display: String) {
        self.rpc = rpc
        self.display = display
    }

    /// A unary `settlement.v1.Settlement` call whose `RPCError` becomes a `CLIError` naming the method.
    func unary<Req, Resp>(_ method: MethodDescriptor<Req, Resp>, _ request: Req, timeout: Duration?) async throws -> Resp {
        do {
            return try await rpc.unary(method, request, timeout: timeout)
        } catch let e as RPCError {
            throw CLIError.rpc(method: method.methodName, server: display, error: e)
        }
    }

    /// `SubscribeStatus`: the update stream (errors surface while iterating).
    func subscribe(_ request: SettlementV1.SubscribeStatusRequest) throws -> ResponseStream<SettlementV1.StatusUpdate> {
        do {
            return try SettlementV1.SettlementClient(rpc).subscribeStatus(request)
        } catch let e as RPCError {
            throw CLIError.rpc(method: "SubscribeStatus", server: display, error: e)
        }
    }

    func close() async { await rpc.close() }
}

/// What ends a command unsuccessfully, with its exit code.
///
/// Exit codes: 1 the transaction was rejected or a proof did not verify, 2 the server answered
/// with a gRPC error, 3 the server could not be reached (or answered UNAVAILABLE), 4 bad local
/// input (key file, hex), 64 bad command-line usage (ArgumentParser).
enum CLIError: Error, CustomStringConvertible {
    case unreachable(server: String, tls: Bool, detail: String)
    case rpc(method: String, server: String, error: RPCError)
    case input(String)
    /// Already reported on standard output (a rejection, a failed proof): exit 1 quietly.
    case failed

    var exitCode: Int32 {
        switch self {
        case .failed: 1
        case .rpc(_, _, let e) where e.code == .unavailable: 3
        case .rpc: 2
        case .unreachable: 3
        case .input: 4
        }
    }

    var description: String {
        switch self {
        case .unreachable(let server, let tls, let detail):
            return "cannot reach the settlement engine at \(server)\(tls ? " (TLS)" : ""): \(detail)\n"
                + "hint: is settlement-engine running there? Set --server HOST:PORT or SETTLEMENT_SERVER"
                + (tls ? "; check --tls-ca and --tls-server-name." : "; add --tls-ca FILE if it serves TLS.")
        case .rpc(let method, let server, let e):
            var s = "\(method) failed: \(e.code) (\(e.code.rawValue))" + (e.message.isEmpty ? "" : ": \(e.message)")
            switch e.code {
            case .unimplemented:
                let full = method.contains("/") ? method : SettlementV1.SettlementMethods.serviceName + "/" + method
                s += "\nhint: the server at \(server) does not serve \(full)"
            case .unavailable:
                s += "\nhint: the engine at \(server) is not accepting work (stopping, or the connection dropped)"
            case .deadlineExceeded:
                s += "\nhint: raise --timeout"
            default: break
            }
            return s
        case .input(let s): return s
        case .failed: return ""
        }
    }
}

/// Runs a command body, reporting `CLIError`s (and any other error) on standard error with the
/// right exit code.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as CLIError {
        if case .failed = e {} else { printError(e.description) }
        throw ExitCode(e.exitCode)
    } catch let e as ExitCode {
        throw e
    } catch is CancellationError {
        throw ExitCode(130)
    } catch let e as RPCError {
        printError("\(e.code) (\(e.code.rawValue)): \(e.message)")
        throw ExitCode(e.code == .unavailable ? 3 : 2)
    } catch {
        printError("\(error)")
        throw ExitCode(2)
    }
}

/// `settlement: error: ...` on standard error, one prefix per line.
func printError(_ message: String) {
    let lines = message.split(separator: "\n", omittingEmptySubsequences: false)
    var out = ""
    for (i, l) in lines.enumerated() { out += (i == 0 ? "settlement: error: " : "settlement: ") + l + "\n" }
    FileHandle.standardError.write(Data(out.utf8))
}

/// `settlement: ...` on standard error: progress and notes that are not errors (standard output
/// stays for results).
func printNote(_ message: String) {
    FileHandle.standardError.write(Data(("settlement: " + message + "\n").utf8))
}

/// The generated method descriptors of the two services the CLI calls.
typealias SettlementMethods = SettlementV1.SettlementMethods
/// The generated method descriptors of the two services the CLI calls.
typealias ValidatorMethods = SettlementV1.ValidatorMethods
