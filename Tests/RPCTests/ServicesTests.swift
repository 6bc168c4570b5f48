import Foundation
import XCTest

@testable import RPC

/// Health, reflection and the echo test service, end to end over a real server.
final class ServicesTests: XCTestCase {
    func testHealthCheckAndWatch() async throws {
        let server = try TestServer.start()
        let client = try await server.client()
        let health = server.health
        let check = "/grpc.health.v1.Health/Check"
        let overall = try await client.unary(check, HealthCheckRequest(), as: HealthCheckResponse.self)
        XCTAssertEqual(overall.status, .serving)
        await assertRPCError(.notFound) {
            try await client.unary(check, HealthCheckRequest(service: "no.Such"), as: HealthCheckResponse.self)
        }

        // Watch an unknown service: SERVICE_UNKNOWN, then its changes; cancelling removes the watcher.
        let updates = try client.serverStreaming("/grpc.health.v1.Health/Watch",
                                                 HealthCheckRequest(service: "x.Y"), as: HealthCheckResponse.self)
        var iterator = updates.makeAsyncIterator()
        let first = try await iterator.next()
        XCTAssertEqual(first?.status, .serviceUnknown)
        XCTAssertEqual(health.watcherCount, 1)
        health.setStatus(.serving, for: "x.Y")
        let second = try await iterator.next()
        XCTAssertEqual(second?.status, .serving)
        health.setStatus(.notServing, for: "x.Y")
        let third = try await iterator.next()
        XCTAssertEqual(third?.status, .notServing)
        updates.call.cancel()
        for _ in 0..<200 where health.watcherCount > 0 { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertEqual(health.watcherCount, 0, "the watcher is removed when the call is cancelled")

        health.shutdown()
        let down = try await client.unary(check, HealthCheckRequest(), as: HealthCheckResponse.self)
        XCTAssertEqual(down.status, .notServing)
        await client.close()
        await server.stop()
    }

    func testReflectionOverBothPaths() async throws {
        let echo = EchoService()
        let reflection = try ReflectionService(services: [HealthService(), echo])
        let server = try TestServer.start([echo, reflection])
        let client = try await server.client()
        for version in ["v1", "v1alpha"] {
            let path = "/grpc.reflection.\(version).ServerReflection/ServerReflectionInfo"
            let answers = try await client.bidirectionalStreaming(path, as: ServerReflectionResponse.self) {
                (w: RequestWriter<ServerReflectionRequest>, r: ResponseStream<ServerReflectionResponse>) in
                var answers: [ServerReflectionResponse] = []
                var it = r.makeAsyncIterator()
                for request: ServerReflectionRequest.MessageRequest in [
                    .listServices(""), .fileContainingSymbol("grpc.health.v1.Health.Watch"), .fileByFilename("nope.proto"),
                ] {
                    try await w.send(ServerReflectionRequest(host: "localhost", messageRequest: request))
                    if let answer = try await it.next() { answers.append(answer) }
                }
                return answers
            }
            XCTAssertEqual(answers.count, 3)
            guard answers.count == 3 else { continue }
            XCTAssertEqual(answers[0].validHost, "localhost")
            XCTAssertEqual(answers[0].messageResponse, .listServicesResponse(serviceNames: [
                "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                "grpc.reflection.v1alpha.ServerReflection", "rpctest.v1.Echo",
            ]))
            guard case .fileDescriptorResponse(let files)? = answers[1].messageResponse else {
                XCTFail("expected a file, got \(String(describing: answers[1].messageResponse))")
                continue
            }
            XCTAssertEqual(files.count, 1)
            guard case .errorResponse(5, _)? = answers[2].messageResponse else {
                XCTFail("expected NOT_FOUND, got \(String(describing: answers[2].messageResponse))")
                continue
            }
        }
        await client.close()
        await server.stop()
    }

    func testEchoOptions() async throws {
        let server = try TestServer.start()
        let client = try await server.client()
        var words: [String] = []
        for try await m in try client.serverStreaming("/rpctest.v1.Echo/Expand",
                                                      EchoRequest(text: "a b", responseCount: 2, responseSize: 3),
                                                      as: EchoResponse.self) {
            words.append(m.text)
            XCTAssertEqual(m.payload, [0, 1, 2])
        }
        XCTAssertEqual(words, ["a", "b", "a", "b"])

        let big = try await client.unary("/rpctest.v1.Echo/Get", EchoRequest(text: "big", responseSize: 300_000),
                                         as: EchoResponse.self)
        XCTAssertEqual(big.payload.count, 300_000)

        let e = await assertRPCError(.unavailable) {
            try await client.unary("/rpctest.v1.Echo/Get", EchoRequest(failWithCode: 14), as: EchoResponse.self)
        }
        XCTAssertEqual(e?.message, "requested failure")

        await assertRPCError(.deadlineExceeded) {
            try await client.unary("/rpctest.v1.Echo/Get", EchoRequest(delayMs: 2_000), timeout: .milliseconds(100),
                                   as: EchoResponse.self)
        }

        let collected = try await client.clientStreaming("/rpctest.v1.Echo/Collect", as: EchoResponse.self) {
            (w: RequestWriter<EchoRequest>) in
            try await w.send(EchoRequest(text: "x", payload: [1]))
            try await w.send(EchoRequest(text: "y", payload: [2, 3]))
        }
        XCTAssertEqual(collected, EchoResponse(text: "x y", payload: [1, 2, 3]))
        await client.close()
        await server.stop()
    }
}
