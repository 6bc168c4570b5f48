import XCTest
@testable import ZK

/// SHA-256 against the FIPS 180-4 / NIST example vectors, whole and fed in uneven pieces.
final class SHA256Tests: XCTestCase {
    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    func testNISTVectors() {
        let cases: [(String, String)] = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
             "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        ]
        for (message, digest) in cases {
            XCTAssertEqual(hex(SHA256.hash(Array(message.utf8))), digest, message)
            var h = SHA256()
            let bytes = Array(message.utf8)
            var i = 0, step = 1
            while i < bytes.count { h.update(bytes[i..<min(bytes.count, i + step)]); i += step; step += 7 }
            XCTAssertEqual(hex(h.finalize()), digest, "incremental \(message)")
        }
        XCTAssertEqual(hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000))),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // Lengths around the padding boundary (55, 56, 63, 64 bytes) differ from each other.
        let digests = Set([55, 56, 63, 64, 65].map { hex(SHA256.hash([UInt8](repeating: 0x61, count: $0))) })
        XCTAssertEqual(digests.count, 5)
        XCTAssertEqual(hex(SHA256.hash([UInt8](repeating: 0x61, count: 64))),
                       "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
    }
}
