import Foundation
import XCTest

@testable import GRPC
import RPCTestSupport
@testable import SettlementAPI

/// Health, reflection and the echo test service, end to end over a real server.
final class ServicesTests: XCTestCase {
    func testHealthCheckAndWatch() async throws {
        let server = try TestServer.start()
        let client = try await server.client()
        let health = server.health
        let healthClient = HealthV1.HealthClient(client)
        let overall = try await healthClient.check(HealthV1.HealthCheckRequest())
        XCTAssertEqual(overall.status, .serving)
        await assertRPCError(.notFound) {
            try await healthClient.check(HealthV1.HealthCheckRequest(service: "no.Such"))
        }

        // Watch an unknown service: SERVICE_UNKNOWN, then its changes; cancelling removes the watcher.
        let updates = try healthClient.watch(HealthV1.HealthCheckRequest(service: "x.Y"))
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
        let down = try await healthClient.check(HealthV1.HealthCheckRequest())
        XCTAssertEqual(down.status, .notServing)
        await client.close()
        await server.stop()
    }

    func testReflectionOverBothPaths() async throws {
        let echo = EchoService()
        let reflection = try ReflectionService(services: [HealthService(), echo])
        let server = try TestServer.start([echo, reflection])
        let client = try await server.client()
        XCTAssertEqual(ReflectionService.infoMethods.map(\.serviceName),
                       ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"])
        for method in ReflectionService.infoMethods {
            let answers = try await client.bidirectionalStreaming(method) { w, r in
                var answers: [ReflectionService.Response] = []
                var it = r.makeAsyncIterator()
                for request: ReflectionService.Request.MessageRequest in [
                    .listServices(""), .fileContainingSymbol("grpc.health.v1.Health.Watch"), .fileByFilename("nope.proto"),
                ] {
                    try await w.send(ReflectionService.Request(host: "localhost", messageRequest: request))
                    if let answer = try await it.next() { answers.append(answer) }
                }
                return answers
            }
            XCTAssertEqual(answers.count, 3)
            guard answers.count == 3 else { continue }
            XCTAssertEqual(answers[0].validHost, "localhost")
            XCTAssertEqual(answers[0].messageResponse, .listServicesResponse(.init(service: [
                "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                "grpc.reflection.v1alpha.ServerReflection", "rpctest.v1.Echo",
            ].map { ReflectionV1.ServiceResponse(name: $0) })))
            guard case .fileDescriptorResponse(let found)? = answers[1].messageResponse else {
                XCTFail("expected a file, got \(String(describing: answers[1].messageResponse))")
                continue
            }
            XCTAssertEqual(found.fileDescriptorProto.count, 1)
            guard case .errorResponse(let e)? = answers[2].messageResponse, e.errorCode == 5 else {
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
        for try await m in try client.serverStreaming(RPCTestV1.EchoMethods.expand,
                                                      EchoRequest(text: "a b", responseCount: 2, responseSize: 3)) {
            words.append(m.text)
            XCTAssertEqual(m.payload, [0, 1, 2])
        }
        XCTAssertEqual(words, ["a", "b", "a", "b"])

        let big = try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(text: "big", responseSize: 300_000))
        XCTAssertEqual(big.payload.count, 300_000)

        let e = await assertRPCError(.unavailable) {
            try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(failWithCode: 14))
        }
        XCTAssertEqual(e?.message, "requested failure")

        await assertRPCError(.deadlineExceeded) {
            try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(delayMs: 2_000), timeout: .milliseconds(100))
        }

        let collected = try await client.clientStreaming(RPCTestV1.EchoMethods.collect) {
            (w: RequestWriter<EchoRequest>) in
            try await w.send(EchoRequest(text: "x", payload: [1]))
            try await w.send(EchoRequest(text: "y", payload: [2, 3]))
        }
        XCTAssertEqual(collected, EchoResponse(text: "x y", payload: [1, 2, 3]))
        await client.close()
        await server.stop()
    }
}
