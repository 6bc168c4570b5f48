import Foundation
@testable import GRPC
import Logging
import RPCTestSupport
@testable import SettlementAPI
import XCTest

/// A self-signed certificate for 127.0.0.1 / localhost made with the openssl CLI for this run.
enum TestCertificate {
    static let files: (cert: String, key: String) = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rpc-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cert = dir.appendingPathComponent("cert.pem").path
        let key = dir.appendingPathComponent("key.pem").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                       "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                       "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
        p.standardError = FileHandle.nullDevice
        try! p.run()
        p.waitUntilExit()
        precondition(p.terminationStatus == 0, "openssl could not make a test certificate")
        return (cert, key)
    }()
}

/// A server on a free loopback port with the given services (plus health), shut down by `stop`.
struct TestServer {
    let server: RPCServer
    let health: HealthService
    var port: Int { server.port }

    static func start(_ services: [any RPCService] = [EchoService()], tls: Bool = false,
                      configure: (inout RPCServerConfiguration) -> Void = { _ in }) throws -> TestServer {
        var config = RPCServerConfiguration(host: "127.0.0.1", port: 0)
        config.eventLoops = 2
        if tls { config.tls = .init(certificateChain: TestCertificate.files.cert, privateKey: TestCertificate.files.key) }
        configure(&config)
        let health = HealthService()
        var logger = Logger(label: "test-server")
        logger.logLevel = .critical
        let server = RPCServer(configuration: config, services: [health] + services, logger: logger)
        try server.start()
        health.setStatus(.serving, for: "")
        return TestServer(server: server, health: health)
    }

    func client(tls: Bool = false) async throws -> RPCClient {
        var c = RPCClientConfiguration(host: "127.0.0.1", port: port)
        if tls { c.tls = .init(caFile: TestCertificate.files.cert, serverName: "localhost") }
        return try await RPCClient.connect(c)
    }

    func stop() async { await server.shutdown(grace: .seconds(1)) }
}

/// Asserts that `body` fails with an RPCError of `code`, and returns it.
@discardableResult
func assertRPCError<T>(_ code: StatusCode, file: StaticString = #filePath, line: UInt = #line,
                       _ body: () async throws -> T) async -> RPCError? {
    do {
        _ = try await body()
        XCTFail("expected \(code), but the call succeeded", file: file, line: line)
    } catch let e as RPCError {
        XCTAssertEqual(e.code, code, "unexpected status: \(e)", file: file, line: line)
        return e
    } catch {
        XCTFail("expected RPCError(\(code)), got \(error)", file: file, line: line)
    }
    return nil
}

/// The generated method descriptors, under short names.
typealias SettlementMethods = SettlementV1.SettlementMethods
/// The generated method descriptors, under short names.
typealias ValidatorMethods = SettlementV1.ValidatorMethods
