import XCTest
import ZK
@testable import Settlement

/// Shielded addresses' text form: a mistyped, truncated, altered or unusable address is refused
/// with its reason before anything is paid to it (docs/shielded.md, "Keys and addresses").
final class ShieldedAddressTests: XCTestCase {
    let address = ShieldedVectors.address

    private func refusal(_ text: String) -> ShieldedKeyError? {
        do { _ = try ShieldedAddress(text: text); return nil } catch { return error }
    }

    /// The text of 64 bytes with a correct checksum (to reach the checks after the checksum).
    private func checksummed(_ payload: [UInt8]) throws -> String {
        "zs" + Hex.encode(payload + (try ShieldedAddress.checksum(payload)))
    }

    func testRoundTrip() throws {
        let parsed = try ShieldedAddress(text: address)
        XCTAssertEqual(parsed.text, address)
        XCTAssertEqual(parsed, try SpendingKey(hex: ShieldedVectors.sk).address)
        XCTAssertEqual(try ShieldedAddress(bytes: parsed.bytes), parsed)
        XCTAssertEqual(address.count, ShieldedAddress.textLength)
    }

    /// Every single-character typo after the prefix is refused: by the checksum, or as non-hex.
    func testEveryTypoIsRefused() {
        let chars = Array(address)
        for i in 2..<chars.count {
            for replacement in ["0", "7", "f", "g", "A"] where Character(replacement) != chars[i] {
                var typo = chars
                typo[i] = Character(replacement)
                let e = refusal(String(typo))
                let expected: ShieldedKeyError = replacement == "g" || replacement == "A" ? .addressNotHex : .addressChecksum
                XCTAssertEqual(e, expected, "position \(i) → \(replacement)")
            }
        }
        // Two adjacent digits swapped.
        var swapped = chars
        if let i = (2..<chars.count - 1).first(where: { chars[$0] != chars[$0 + 1] }) {
            swapped.swapAt(i, i + 1)
            XCTAssertEqual(refusal(String(swapped)), .addressChecksum)
        }
    }

    func testLengthPrefixAndCaseAreStrict() {
        XCTAssertEqual(refusal(String(address.dropLast())), .addressLength(137))
        XCTAssertEqual(refusal(String(address.dropLast(2))), .addressLength(136))
        XCTAssertEqual(refusal(address + "00"), .addressLength(140))
        XCTAssertEqual(refusal(""), .addressPrefix)
        XCTAssertEqual(refusal("zt" + address.dropFirst(2)), .addressPrefix)
        XCTAssertEqual(refusal("ZS" + address.dropFirst(2)), .addressPrefix)
        XCTAssertEqual(refusal(" " + address), .addressPrefix)
        XCTAssertEqual(refusal("zs" + address.dropFirst(2).uppercased()), .addressNotHex)
        XCTAssertEqual(refusal(address + "\n"), .addressLength(139))
    }

    /// An owner key ≥ r is refused even under a correct checksum (it names no note owner).
    func testOwnerKeyOutsideTheFieldIsRefused() throws {
        let tk = ShieldedVectors.bytes(ShieldedVectors.tk)
        XCTAssertEqual(refusal(try checksummed(Fr.modulus.bigEndianBytes + tk)), .ownerKeyOutOfField)
        XCTAssertEqual(refusal(try checksummed([UInt8](repeating: 0xff, count: 32) + tk)), .ownerKeyOutOfField)
    }

    /// Low-order transmission keys (every sender's secret would be zero, refused by X25519) and
    /// non-canonical encodings (a second text for one key) are refused under a correct checksum.
    func testUnusableTransmissionKeysAreRefused() throws {
        let pk = ShieldedVectors.bytes(ShieldedVectors.pk)
        let lowOrder = [
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0100000000000000000000000000000000000000000000000000000000000000",
            "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
            "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        ]
        for tk in lowOrder {
            XCTAssertEqual(refusal(try checksummed(pk + ShieldedVectors.bytes(tk))), .lowOrderTransmissionKey, tk)
        }
        var topBit = ShieldedVectors.bytes(ShieldedVectors.tk)
        topBit[31] |= 0x80
        let nonCanonical = [
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p + 1
            Hex.encode(topBit),  // the vector's key with the ignored top bit set
        ]
        for tk in nonCanonical {
            XCTAssertEqual(refusal(try checksummed(pk + ShieldedVectors.bytes(tk))), .nonCanonicalTransmissionKey, tk)
        }
        // p - 20 is canonical and not of low order.
        XCTAssertNil(refusal(try checksummed(pk + ShieldedVectors.bytes(
            "d9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"))))
    }

    func testBinaryFormLength() {
        XCTAssertThrowsError(try ShieldedAddress(bytes: [UInt8](repeating: 0, count: 63))) {
            XCTAssertEqual($0 as? ShieldedKeyError, .addressByteLength(63))
        }
    }
}
