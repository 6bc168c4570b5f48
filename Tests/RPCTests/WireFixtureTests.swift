import Foundation
import GRPC
import RPCTestSupport
import SettlementAPI
import XCTest

/// One message instance of the wire fixture: its encoding and a decode-and-compare check.
struct WireSample: Sendable {
    let name: String
    let encode: @Sendable () -> [UInt8]
    /// Decodes `bytes` as the sample's type and says whether the result equals the sample.
    let decodesBack: @Sendable ([UInt8]) throws -> Bool

    init<M: ProtoMessage & Hashable>(_ name: String, _ message: M) {
        self.name = name
        encode = { message.protobufBytes() }
        decodesBack = { bytes in try M(protobufBytes: bytes) == message }
    }
}

/// The wire bytes of every API message are pinned: `Fixtures/wire-encodings.txt` holds the
/// encoding (hex) of a representative instance of each message type (every field set, nested,
/// repeated and enum fields included, and a variant with its message fields absent), recorded
/// from the hand-written codecs. Any codec (the generated one today) must produce the same bytes
/// and decode them back to an equal value.
///
/// `RECORD_WIRE_FIXTURE=1 swift test --filter WireFixtureTests` rewrites the file.
final class WireFixtureTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/wire-encodings.txt")

    static var samples: [WireSample] { wireSamples + reflectionSamples }

    func testEveryMessageEncodesToTheRecordedBytesAndDecodesBack() throws {
        let lines = Self.samples.map { "\($0.name)\t\(hex($0.encode()))" }
        if ProcessInfo.processInfo.environment["RECORD_WIRE_FIXTURE"] == "1" {
            try (lines.joined(separator: "\n") + "\n").write(to: Self.fixture, atomically: true, encoding: .utf8)
            return
        }
        let recorded = try String(contentsOf: Self.fixture, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(recorded.count, lines.count, "the fixture and the samples list different messages")
        var byName: [String: String] = [:]
        for line in recorded {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            byName[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        for sample in Self.samples {
            let bytes = sample.encode()
            XCTAssertEqual(hex(bytes), byName[sample.name], "\(sample.name): encoding differs from the fixture")
            XCTAssertTrue(try sample.decodesBack(bytes), "\(sample.name): does not decode back to an equal value")
        }
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
