@testable import GRPC
import RPCTestSupport
@testable import SettlementAPI
import XCTest

/// The four call kinds between the Swift client and the Swift server over real loopback sockets,
/// in cleartext (h2c) and over TLS.
final class CallKindTests: XCTestCase {
    func testAllCallKindsOverH2C() async throws { try await exerciseAllCallKinds(tls: false) }
    func testAllCallKindsOverTLS() async throws { try await exerciseAllCallKinds(tls: true) }

    private func exerciseAllCallKinds(tls: Bool) async throws {
        let server = try TestServer.start(tls: tls)
        let client = try await server.client(tls: tls)

        let unary = try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(text: "hello"))
        XCTAssertEqual(unary.text, "hello")

        var words: [String] = []
        for try await m in try client.serverStreaming(RPCTestV1.EchoMethods.expand, EchoRequest(text: "one two three")) {
            words.append(m.text)
        }
        XCTAssertEqual(words, ["one", "two", "three"])

        let collected = try await client.clientStreaming(RPCTestV1.EchoMethods.collect) {
            (w: RequestWriter<EchoRequest>) in
            for t in ["a", "b", "c", "d"] { try await w.send(EchoRequest(text: t)) }
        }
        XCTAssertEqual(collected.text, "a b c d")

        let echoed = try await client.bidirectionalStreaming(RPCTestV1.EchoMethods.update) {
            (w: RequestWriter<EchoRequest>, r: ResponseStream<EchoResponse>) in
            var it = r.makeAsyncIterator()
            var got: [String] = []
            for i in 0..<50 {
                try await w.send(EchoRequest(text: "m\(i)"))
                got.append(try await it.next()?.text ?? "<end>")
            }
            w.finish()
            let end = try await it.next()
            XCTAssertNil(end)
            return got
        }
        XCTAssertEqual(echoed, (0..<50).map { "m\($0)" })

        // Many calls at once on one connection.
        try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<200 {
                group.addTask {
                    try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(text: "c\(i)")).text
                }
            }
            var seen = Set<String>()
            for try await t in group { seen.insert(t) }
            XCTAssertEqual(seen.count, 200)
        }
        await client.close()
        await server.stop()
    }

    func testUnknownMethodIsUnimplemented() async throws {
        let server = try TestServer.start()
        let client = try await server.client()
        let e = await assertRPCError(.unimplemented) {
            try await client.unary("/rpctest.v1.Echo/NoSuchMethod", EchoRequest(text: "x"), as: EchoResponse.self)
        }
        XCTAssertTrue(e?.message.contains("/rpctest.v1.Echo/NoSuchMethod") ?? false, "\(String(describing: e))")
        await assertRPCError(.unimplemented) {
            try await client.unary("/no.Such/Service", EchoRequest(text: "x"), as: EchoResponse.self)
        }
        // The connection is still good.
        let ok = try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(text: "still here"))
        XCTAssertEqual(ok.text, "still here")
        await client.close()
        await server.stop()
    }

    func testHandlerErrorStatusAndMessage() async throws {
        let server = try TestServer.start()
        let client = try await server.client()
        let e = await assertRPCError(.failedPrecondition) {
            try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(text: "x", failWithCode: 9))
        }
        XCTAssertEqual(e?.message, "requested failure")
        await client.close()
        await server.stop()
    }

    func testMetadataRoundTrip() async throws {
        let server = try TestServer.start()
        let client = try await server.client()
        var md = Metadata()
        md.add("x-request-id", "abc-123")
        md.add("x-unicode", "plain ascii")
        md.add("x-blob-bin", binary: [0, 1, 2, 3, 250, 255])
        let call = try client.makeCall(RPCTestV1.EchoMethods.get, metadata: md,
                                       firstMessage: EchoRequest(text: "md").protobufBytes(), endRequests: true)
        let initial = try await call.initialMetadata
        var messages = 0
        for try await _ in call.messages { messages += 1 }
        XCTAssertEqual(messages, 1)
        XCTAssertEqual(initial["x-request-id"], "abc-123")
        XCTAssertEqual(initial.binary("x-blob-bin"), [0, 1, 2, 3, 250, 255])
        XCTAssertEqual(call.trailingMetadata["x-request-id"], "abc-123")
        XCTAssertEqual(call.trailingMetadata.binary("x-blob-bin"), [0, 1, 2, 3, 250, 255])
        await client.close()
        await server.stop()
    }
}
