import Foundation
import XCTest
@testable import Settlement

/// secp256k1 keys, signing and recovery beyond the fixed vectors: round trips with random keys,
/// key validation, low-s, thread safety of the shared context.
final class SignatureTests: XCTestCase {

    func testSignRecoverRoundTripWithRandomKeys() throws {
        var rng = SeededGenerator(seed: 42)
        for i in 0..<50 {
            let key = PrivateKey.generate(using: &rng)
            let to = PrivateKey.generate(using: &rng).address
            let t = Transfer(from: key.address, to: to, value: UInt256(UInt64(i) * 1000), fee: 1, nonce: UInt64(i))
            let signed = SignedTransfer.sign(t, domain: .test, with: key)
            XCTAssertEqual(signed.signature.count, 65)
            XCTAssertTrue(signed.signature[64] == 27 || signed.signature[64] == 28)
            // libsecp256k1 emits low-s only.
            let s = UInt256(bigEndianBytes: signed.signature[32..<64])!
            XCTAssertLessThanOrEqual(s, Secp256k1.halfOrder)
            XCTAssertEqual(try signed.recoverSigner(), key.address)
            XCTAssertNoThrow(try signed.verify())
            XCTAssertEqual(signed.id, EIP712.digest(t, domain: .test))
        }
    }

    func testHighSTwinIsRejected() throws {
        let key = try PrivateKey(hex: "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
        let d = Keccak256.hash(utf8: "high-s")
        var sig = key.sign(digest: d)
        let s = UInt256(bigEndianBytes: sig[32..<64])!
        let twin = try Secp256k1.order.subtracting(s)
        sig.replaceSubrange(32..<64, with: twin.bigEndianBytes)
        sig[64] = sig[64] == 27 ? 28 : 27
        XCTAssertThrowsError(try Secp256k1.recoverAddress(digest: d, signature: sig)) { e in
            XCTAssertEqual(e as? SignatureError, .highS)
        }
        // s = n/2 exactly is still low; n/2 + 1 is high.
        sig.replaceSubrange(32..<64, with: Secp256k1.halfOrder.bigEndianBytes)
        XCTAssertNotEqual(Result { () throws(SignatureError) in try Secp256k1.recoverAddress(digest: d, signature: sig) }.errorValue, .highS)
        sig.replaceSubrange(32..<64, with: Secp256k1.halfOrder.checkedAdd(.one)!.bigEndianBytes)
        XCTAssertEqual(Result { () throws(SignatureError) in try Secp256k1.recoverAddress(digest: d, signature: sig) }.errorValue, .highS)
    }

    func testPrivateKeyValidation() throws {
        let n = Secp256k1.order
        XCTAssertThrowsError(try PrivateKey(bytes: [UInt8](repeating: 0, count: 32)))
        XCTAssertThrowsError(try PrivateKey(bytes: n.bigEndianBytes))
        XCTAssertThrowsError(try PrivateKey(bytes: UInt256.max.bigEndianBytes))
        XCTAssertThrowsError(try PrivateKey(bytes: [UInt8](repeating: 1, count: 31)))
        XCTAssertThrowsError(try PrivateKey(hex: "zz"))
        XCTAssertNoThrow(try PrivateKey(bytes: try n.subtracting(.one).bigEndianBytes))
        // Private key 1: its public key is the generator G; the address is well known.
        let one = try PrivateKey(bytes: UInt256.one.bigEndianBytes)
        XCTAssertEqual(one.address, Address(hex: "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"))
        XCTAssertEqual(Hex.encode(one.publicKey.prefix(32)),
                       "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
        // The description must not leak the key.
        let key = PrivateKey.generate()
        XCTAssertFalse(key.description.contains(Hex.encode(key.bytes)))
        XCTAssertEqual(Secp256k1.address(ofPublicKey: key.publicKey), key.address)
        XCTAssertNil(Secp256k1.address(ofPublicKey: [1, 2, 3]))
    }

    func testErrorsDescribeTheProblem() {
        XCTAssertTrue(SignatureError.highS.description.contains("n/2"))
        XCTAssertTrue(SignatureError.invalidSignatureLength(64).description.contains("65"))
        XCTAssertTrue(SignatureError.invalidRecoveryID(29).description.contains("29"))
        let m = SignatureError.signerMismatch(expected: .zero, recovered: Address(hex: "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf")!)
        XCTAssertTrue(m.description.contains("0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"))
    }

    func testConcurrentRecoveryOnSharedContext() throws {
        var rng = SeededGenerator(seed: 7)
        let signed: [SignedTransfer] = (0..<64).map { i in
            let key = PrivateKey.generate(using: &rng)
            let t = Transfer(from: key.address, to: .zero, value: UInt256(UInt64(i)), fee: .zero, nonce: 0)
            return SignedTransfer.sign(t, domain: .test, with: key)
        }
        DispatchQueue.concurrentPerform(iterations: 256) { i in
            let s = signed[i % signed.count]
            XCTAssertEqual(try? s.recoverSigner(), s.transfer.from)
        }
    }
}

private extension Result {
    var errorValue: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
