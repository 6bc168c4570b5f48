import Foundation
import XCTest

@testable import GRPC
import RPCTestSupport
@testable import SettlementAPI

/// The committed generated code (protobuf-c and Swift) matches Protos/, and the generated Swift
/// messages round-trip and agree with protoc's encoder.
final class GeneratedCodeTests: XCTestCase {
    /// The package root, from this file's path (Tests/RPCTests/GeneratedCodeTests.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `executable` with `arguments` in the package root; returns (exit status, stdout + stderr).
    static func run(_ executable: String, _ arguments: [String], stdin: Data? = nil) throws -> (Int32, Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.currentDirectoryURL = packageRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, data)
    }

    static func haveTool(_ name: String) -> Bool {
        (try? run("sh", ["-c", "command -v \(name)"]).0) == 0
    }

    // MARK: - Generated code is up to date

    func testGeneratedCodeMatchesProtos() throws {
        // Deploy/install-deps.sh test installs and checks the tools: their absence is a failure.
        XCTAssertTrue(Self.haveTool("protoc") && Self.haveTool("protoc-c") && Self.haveTool("python3"),
                      "protoc / protoc-c / python3 missing: run Deploy/install-deps.sh test")
        let script = Self.packageRoot.appendingPathComponent("Protos/generate.sh").path
        let (status, output) = try Self.run("bash", [script, "--check"])
        let text = String(decoding: output, as: UTF8.self)
        XCTAssertEqual(status, 0, "Sources/CProtos or the generated Swift does not match Protos/ (run Protos/generate.sh):\n\(text)")
    }

    func testEmbeddedDescriptorSetDescribesOurFiles() throws {
        let index = try DescriptorIndex(descriptorSet: ReflectionService.embeddedDescriptorSet)
        for file in ["grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto",
                     "grpc/reflection/v1alpha/reflection.proto", "rpctest/v1/echo.proto",
                     "settlement/v1/settlement.proto"] {
            XCTAssertNotNil(index.fileWithDependencies(file), file)
        }
        XCTAssertEqual(index.file(containing: "settlement.v1.Settlement.SubmitTransactions"),
                       "settlement/v1/settlement.proto")
        XCTAssertEqual(index.file(containing: ".grpc.health.v1.HealthCheckResponse.ServingStatus"),
                       "grpc/health/v1/health.proto")
    }

    // MARK: - Round trips

    func testHealthRoundTrip() throws {
        for request in [HealthV1.HealthCheckRequest(), HealthV1.HealthCheckRequest(service: SettlementV1.SettlementMethods.serviceName)] {
            XCTAssertEqual(try HealthV1.HealthCheckRequest(protobufBytes: request.protobufBytes()), request)
        }
        for status in HealthV1.HealthCheckResponse.ServingStatus.allCases {
            let response = HealthV1.HealthCheckResponse(status: status)
            XCTAssertEqual(try HealthV1.HealthCheckResponse(protobufBytes: response.protobufBytes()), response)
        }
        // Defaults encode to nothing.
        XCTAssertEqual(HealthV1.HealthCheckRequest().protobufBytes(), [])
        XCTAssertEqual(HealthV1.HealthCheckResponse().protobufBytes(), [])
        // Unknown enum values (proto3 enums are open) decode as UNKNOWN.
        XCTAssertEqual(try HealthV1.HealthCheckResponse(protobufBytes: [0x08, 0x09]).status, .unknown)
    }

    func testEchoRoundTrip() throws {
        let requests = [
            EchoRequest(),
            EchoRequest(text: "hello wörld", payload: [0, 1, 2, 255], responseCount: 3, responseSize: 1 << 20,
                        failWithCode: 14, delayMs: 250),
            EchoRequest(text: "", payload: Array(repeating: 7, count: 100_000), failWithCode: -1),
        ]
        for request in requests {
            XCTAssertEqual(try EchoRequest(protobufBytes: request.protobufBytes()), request)
        }
        let response = EchoResponse(text: "a b c", payload: [9, 8, 7])
        XCTAssertEqual(try EchoResponse(protobufBytes: response.protobufBytes()), response)
        XCTAssertEqual(try EchoResponse(protobufBytes: []), EchoResponse())
    }

    func testReflectionRoundTrip() throws {
        let requests: [ReflectionV1.ServerReflectionRequest] = [
            ReflectionV1.ServerReflectionRequest(),
            ReflectionV1.ServerReflectionRequest(host: "localhost", messageRequest: .fileByFilename("a/b.proto")),
            ReflectionV1.ServerReflectionRequest(messageRequest: .fileContainingSymbol("pkg.Service")),
            ReflectionV1.ServerReflectionRequest(messageRequest: .fileContainingExtension(.init(containingType: "pkg.M", extensionNumber: 100))),
            ReflectionV1.ServerReflectionRequest(messageRequest: .allExtensionNumbersOfType("pkg.M")),
            ReflectionV1.ServerReflectionRequest(messageRequest: .listServices("")),
            ReflectionV1.ServerReflectionRequest(messageRequest: .listServices("*")),
        ]
        for request in requests {
            XCTAssertEqual(try ReflectionV1.ServerReflectionRequest(protobufBytes: request.protobufBytes()), request)
        }
        let responses: [ReflectionV1.ServerReflectionResponse] = [
            ReflectionV1.ServerReflectionResponse(),
            ReflectionV1.ServerReflectionResponse(validHost: "h", originalRequest: requests[1],
                                     messageResponse: .fileDescriptorResponse(.init(fileDescriptorProto: [[1, 2, 3], [], [4]]))),
            ReflectionV1.ServerReflectionResponse(originalRequest: requests[3],
                                     messageResponse: .allExtensionNumbersResponse(.init(baseTypeName: "pkg.M", extensionNumber: [1, -2, 300]))),
            ReflectionV1.ServerReflectionResponse(messageResponse: .allExtensionNumbersResponse(.init(baseTypeName: "", extensionNumber: []))),
            ReflectionV1.ServerReflectionResponse(messageResponse: .listServicesResponse(.init(service: ["a.B", "c.D", ""].map { ReflectionV1.ServiceResponse(name: $0) }))),
            ReflectionV1.ServerReflectionResponse(messageResponse: .listServicesResponse(.init(service: []))),
            ReflectionV1.ServerReflectionResponse(messageResponse: .errorResponse(.init(errorCode: 5, errorMessage: "not found"))),
        ]
        for response in responses {
            XCTAssertEqual(try ReflectionV1.ServerReflectionResponse(protobufBytes: response.protobufBytes()), response)
        }
    }

    func testGarbageThrows() {
        let garbage: [[UInt8]] = [
            [0x0a, 0x05, 0x61],          // a length-delimited field running past the end
            [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],  // overlong varint key
            [0x0f],                      // wire type 7
            [0x08],                      // key without value
        ]
        for bytes in garbage {
            XCTAssertThrowsError(try HealthV1.HealthCheckRequest(protobufBytes: bytes), "\(bytes)")
            XCTAssertThrowsError(try EchoRequest(protobufBytes: bytes), "\(bytes)")
            XCTAssertThrowsError(try EchoResponse(protobufBytes: bytes), "\(bytes)")
            XCTAssertThrowsError(try ReflectionV1.ServerReflectionRequest(protobufBytes: bytes), "\(bytes)")
            XCTAssertThrowsError(try ReflectionV1.ServerReflectionResponse(protobufBytes: bytes), "\(bytes)")
        }
        // A nested message whose own bytes are invalid.
        XCTAssertThrowsError(try ReflectionV1.ServerReflectionResponse(protobufBytes: [0x12, 0x02, 0x0a, 0x05]))
        do {
            _ = try HealthV1.HealthCheckResponse(protobufBytes: [0x08])
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.messageName, "grpc.health.v1.HealthCheckResponse")
        }
    }

    // MARK: - Cross-checks against the wire format

    func testHandComputedBytes() throws {
        // field 1 (service), wire type 2: key 0x0a, length 3, "abc".
        XCTAssertEqual(HealthV1.HealthCheckRequest(service: "abc").protobufBytes(), [0x0a, 0x03, 0x61, 0x62, 0x63])
        // field 1 (status), varint: key 0x08, NOT_SERVING = 2.
        XCTAssertEqual(HealthV1.HealthCheckResponse(status: .notServing).protobufBytes(), [0x08, 0x02])
        // list_services = 7 (key 0x3a) with "", and host = 1.
        XCTAssertEqual(ReflectionV1.ServerReflectionRequest(host: "h", messageRequest: .listServices("")).protobufBytes(),
                       [0x0a, 0x01, 0x68, 0x3a, 0x00])
        // error_response = 7 (key 0x3a) { error_code = 1: 5 }.
        XCTAssertEqual(ReflectionV1.ServerReflectionResponse(messageResponse: .errorResponse(.init(errorCode: 5, errorMessage: "")))
            .protobufBytes(), [0x3a, 0x02, 0x08, 0x05])
        // fail_with_code = 5 (key 0x28) of -1: int32 negatives are 10-byte varints.
        XCTAssertEqual(EchoRequest(failWithCode: -1).protobufBytes(),
                       [0x28, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
    }

    /// Encodes `text` (protobuf text format) as `type` with `protoc --encode`.
    func protocEncode(_ type: String, _ file: String, _ text: String) throws -> [UInt8] {
        let (status, output) = try Self.run("protoc", ["--encode=\(type)", "-IProtos", "Protos/\(file)"],
                                            stdin: Data(text.utf8))
        XCTAssertEqual(status, 0, String(decoding: output, as: UTF8.self))
        return [UInt8](output)
    }

    func testAgainstProtocEncode() throws {
        XCTAssertTrue(Self.haveTool("protoc"), "protoc missing: run Deploy/install-deps.sh test")
        let echo = EchoRequest(text: "split these words", payload: [0x00, 0x41, 0xff], responseCount: 2,
                               responseSize: 70_000, failWithCode: 4, delayMs: 1500)
        let protocEcho = try protocEncode("rpctest.v1.EchoRequest", "rpctest/v1/echo.proto", """
            text: "split these words" payload: "\\000A\\377" response_count: 2 response_size: 70000
            fail_with_code: 4 delay_ms: 1500
            """)
        XCTAssertEqual(echo.protobufBytes(), protocEcho)
        XCTAssertEqual(try EchoRequest(protobufBytes: protocEcho), echo)

        let reflection = ReflectionV1.ServerReflectionResponse(
            validHost: "example:50051",
            originalRequest: ReflectionV1.ServerReflectionRequest(
                host: "example:50051",
                messageRequest: .fileContainingExtension(.init(containingType: "pkg.M", extensionNumber: 42))),
            messageResponse: .listServicesResponse(.init(service: ["grpc.health.v1.Health", "rpctest.v1.Echo"].map { ReflectionV1.ServiceResponse(name: $0) })))
        let protocReflection = try protocEncode(
            "grpc.reflection.v1.ServerReflectionResponse", "grpc/reflection/v1/reflection.proto", """
            valid_host: "example:50051"
            original_request { host: "example:50051" file_containing_extension { containing_type: "pkg.M" extension_number: 42 } }
            list_services_response { service { name: "grpc.health.v1.Health" } service { name: "rpctest.v1.Echo" } }
            """)
        XCTAssertEqual(reflection.protobufBytes(), protocReflection)
        XCTAssertEqual(try ReflectionV1.ServerReflectionResponse(protobufBytes: protocReflection), reflection)

        let health = try protocEncode("grpc.health.v1.HealthCheckResponse", "grpc/health/v1/health.proto",
                                      "status: SERVICE_UNKNOWN")
        XCTAssertEqual(try HealthV1.HealthCheckResponse(protobufBytes: health), HealthV1.HealthCheckResponse(status: .serviceUnknown))
    }

    // MARK: - Services (without a server)

    func testReflectionAnswers() throws {
        let health = HealthService()
        let reflection = try ReflectionService(services: [health, EchoService()])
        func ask(_ r: ReflectionV1.ServerReflectionRequest.MessageRequest) -> ReflectionV1.ServerReflectionResponse.MessageResponse? {
            let request = ReflectionV1.ServerReflectionRequest(host: "h", messageRequest: r)
            let response = reflection.answer(request)
            XCTAssertEqual(response.originalRequest, request)
            XCTAssertEqual(response.validHost, "h")
            return response.messageResponse
        }
        XCTAssertEqual(ask(.listServices("")), .listServicesResponse(.init(service: [
            "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection", "rpctest.v1.Echo",
        ].map { ReflectionV1.ServiceResponse(name: $0) })))
        guard case .fileDescriptorResponse(let found)? = ask(.fileContainingSymbol("rpctest.v1.Echo.Expand")) else {
            return XCTFail("expected a file")
        }
        let files = found.fileDescriptorProto
        XCTAssertEqual(files.count, 1)
        // The FileDescriptorProto's name (field 1) comes first.
        XCTAssertEqual(Array(files[0].prefix(2 + "rpctest/v1/echo.proto".utf8.count)),
                       [0x0a, UInt8("rpctest/v1/echo.proto".utf8.count)] + Array("rpctest/v1/echo.proto".utf8))
        guard case .fileDescriptorResponse? = ask(.fileContainingSymbol("grpc.reflection.v1alpha.ServerReflection")) else {
            return XCTFail("expected the v1alpha file")
        }
        guard case .fileDescriptorResponse? = ask(.fileByFilename("grpc/health/v1/health.proto")) else {
            return XCTFail("expected a file")
        }
        XCTAssertEqual(ask(.fileByFilename("nope.proto")), .errorResponse(.init(errorCode: 5, errorMessage: "file not found: nope.proto")))
        guard case .errorResponse(let e)? = ask(.fileContainingSymbol("rpctest.v1.Nope")), e.errorCode == 5 else { return XCTFail() }
        guard case .errorResponse(let e)? = ask(.fileContainingExtension(.init(containingType: "rpctest.v1.EchoRequest", extensionNumber: 1))), e.errorCode == 5 else {
            return XCTFail()
        }
        XCTAssertEqual(ask(.allExtensionNumbersOfType("rpctest.v1.EchoRequest")),
                       .allExtensionNumbersResponse(.init(baseTypeName: "rpctest.v1.EchoRequest", extensionNumber: [])))
        guard case .errorResponse(let e)? = ask(.allExtensionNumbersOfType("rpctest.v1.Nope")), e.errorCode == 5 else { return XCTFail() }
    }

    func testHealthRegistry() {
        let health = HealthService(serving: ["rpctest.v1.Echo"])
        XCTAssertEqual(health.status(for: ""), .serving)
        XCTAssertEqual(health.status(for: "rpctest.v1.Echo"), .serving)
        XCTAssertNil(health.status(for: "x.Y"))
        health.setStatus(.notServing, for: "x.Y")
        XCTAssertEqual(health.status(for: "x.Y"), .notServing)
        health.clearStatus(for: "x.Y")
        XCTAssertNil(health.status(for: "x.Y"))
        health.shutdown()
        XCTAssertEqual(health.status(for: ""), .notServing)
        XCTAssertEqual(health.status(for: "rpctest.v1.Echo"), .notServing)
        health.setStatus(.serving)
        XCTAssertEqual(health.status(for: ""), .notServing, "ignored after shutdown")
        health.resume()
        health.setStatus(.serving)
        XCTAssertEqual(health.status(for: ""), .serving)
    }
}
