@testable import GRPC
import RPCTestSupport
@testable import SettlementAPI
import XCTest

/// Message framing across DATA frames, and the message size limits.
final class FramingAndLimitTests: XCTestCase {
    func testLargeMessagesSpanManyDataFrames() async throws {
        let server = try TestServer.start()
        let client = try await server.client()
        // 3 MiB each way: far beyond one 16 KiB DATA frame and the 1 MiB stream window.
        let payload = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let r = try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(text: "big", payload: payload))
        XCTAssertEqual(r.payload, payload)
        let sized = try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(text: "sized", responseSize: 2_500_000))
        XCTAssertEqual(sized.payload.count, 2_500_000)
        await client.close()
        await server.stop()
    }

    func testManyMessagesInOneDataFrame() async throws {
        let server = try TestServer.start()
        let client = try await server.client()
        let call = try client.makeCall(RPCTestV1.EchoMethods.collect)
        // 100 framed messages in one buffer: they leave in one DATA frame (under 16 KiB).
        let framed = MessageFramer.frame((0..<100).map { EchoRequest(text: "w\($0)").protobufBytes() })
        XCTAssertLessThan(framed.count, 16_384)
        call.sendPreframed(framed)
        call.finishRequests()
        var texts: [String] = []
        for try await m in call.messages { texts.append(try EchoResponse(protobufBytes: m).text) }
        XCTAssertEqual(texts, [(0..<100).map { "w\($0)" }.joined(separator: " ")])
        await client.close()
        await server.stop()
    }

    func testRequestOverTheServerLimitIsResourceExhausted() async throws {
        let server = try TestServer.start { $0.maxReceiveMessageSize = 64 * 1024 }
        let client = try await server.client()
        let e = await assertRPCError(.resourceExhausted) {
            try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(text: "x", payload: [UInt8](repeating: 7, count: 100_000)))
        }
        XCTAssertTrue(e?.message.contains("exceeds the limit") ?? false, "\(String(describing: e))")
        // Just under the limit still works, on the same connection.
        let ok = try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(text: "x", payload: [UInt8](repeating: 7, count: 60_000)))
        XCTAssertEqual(ok.payload.count, 60_000)
        await client.close()
        await server.stop()
    }

    func testResponseOverTheClientLimitIsResourceExhausted() async throws {
        let server = try TestServer.start()
        var config = RPCClientConfiguration(host: "127.0.0.1", port: server.port)
        config.maxReceiveMessageSize = 10_000
        let client = try await RPCClient.connect(config)
        await assertRPCError(.resourceExhausted) {
            try await client.unary(RPCTestV1.EchoMethods.get, EchoRequest(text: "x", responseSize: 20_000))
        }
        await client.close()
        await server.stop()
    }

    func testTruncatedMessageIsAnError() async throws {
        let server = try TestServer.start()
        let client = try await server.client()
        let call = try client.makeCall(RPCTestV1.EchoMethods.collect)
        call.sendPreframed([0, 0, 0, 0, 100, 1, 2, 3])  // prefix says 100 bytes, 3 follow
        call.finishRequests()
        do {
            for try await _ in call.messages {}
            XCTFail("expected an error")
        } catch let e as RPCError {
            XCTAssertEqual(e.code, .internal)
            XCTAssertTrue(e.message.contains("expected 100 bytes"), e.message)
        }
        await client.close()
        await server.stop()
    }

    func testFramerSplitsAtEveryBoundary() throws {
        let messages: [[UInt8]] = [[], [1], Array(repeating: 9, count: 300), [4, 5, 6]]
        let wire = MessageFramer.frame(messages)
        for chunk in [1, 2, 3, 5, 7, 64, wire.count] {
            var framer = MessageFramer(maxMessageSize: 1000)
            var out: [[UInt8]] = []
            var i = 0
            while i < wire.count {
                let end = min(i + chunk, wire.count)
                try wire[i..<end].withUnsafeBytes { try framer.append($0) { out.append($0) } }
                i = end
            }
            XCTAssertEqual(out, messages, "chunk size \(chunk)")
            XCTAssertNoThrow(try framer.finish())
        }
    }

    func testFramerRejectsHugePrefixWithoutAllocating() {
        var framer = MessageFramer(maxMessageSize: 4 << 20)
        XCTAssertThrowsError(try ([0, 0xff, 0xff, 0xff, 0xff] as [UInt8]).withUnsafeBytes { try framer.append($0) { _ in } }) {
            XCTAssertEqual($0 as? MessageFramer.FramingError, .tooLarge(length: 0xffff_ffff, limit: 4 << 20))
        }
    }

    func testTimeoutAndPercentEncoding() {
        XCTAssertEqual(WireHeaders.parseTimeout("100m"), .milliseconds(100))
        XCTAssertEqual(WireHeaders.parseTimeout("2S"), .seconds(2))
        XCTAssertEqual(WireHeaders.parseTimeout("1H"), .seconds(3600))
        XCTAssertNil(WireHeaders.parseTimeout("123456789S"))
        XCTAssertNil(WireHeaders.parseTimeout("10x"))
        XCTAssertEqual(WireHeaders.formatTimeout(.milliseconds(250)), "250000u")
        XCTAssertEqual(WireHeaders.percentEncode("a%b\nü"), "a%25b%0A%C3%BC")
        XCTAssertEqual(WireHeaders.percentDecode("a%25b%0A%C3%BC"), "a%b\nü")
        XCTAssertEqual(WireHeaders.percentDecode("bad%zzescape"), "bad%zzescape")
        XCTAssertEqual(Base64.decode(Base64.encode([0, 1, 2, 3, 250, 255])), [0, 1, 2, 3, 250, 255])
        XCTAssertEqual(Base64.decode("AAECA/r/"), [0, 1, 2, 3, 250, 255])
        XCTAssertEqual(Base64.decode("AAECA/r"), [0, 1, 2, 3, 250])
    }
}
