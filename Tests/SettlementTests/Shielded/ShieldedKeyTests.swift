import XCTest
import ZK
@testable import Settlement

/// Spending keys and the keys derived from them (docs/shielded.md, "Keys and addresses").
final class ShieldedKeyTests: XCTestCase {

    /// Every derived key, and the address text, are what an independent implementation computes.
    func testDerivedKeysMatchTheIndependentVector() throws {
        let key = try SpendingKey(hex: ShieldedVectors.sk)
        XCTAssertEqual(key.ownerKey, ShieldedVectors.fr(ShieldedVectors.pk))
        XCTAssertEqual(key.incomingViewingKey.bytes, ShieldedVectors.bytes(ShieldedVectors.ivk))
        XCTAssertEqual(key.transmissionKey.bytes, ShieldedVectors.bytes(ShieldedVectors.tk))
        XCTAssertEqual(key.address.text, ShieldedVectors.address)
        XCTAssertEqual(key.bytes, ShieldedVectors.bytes(ShieldedVectors.sk))
        // The viewing key alone gives the same transmission key (an auditor's view).
        let ivk = try IncomingViewingKey(hex: ShieldedVectors.ivk)
        XCTAssertEqual(ivk.transmissionKey, key.transmissionKey)
    }

    /// Zero, values ≥ r, wrong lengths and non-hex are refused, each with its reason.
    func testInvalidSpendingKeysAreRefused() {
        func error(_ make: () throws(ShieldedKeyError) -> SpendingKey) -> ShieldedKeyError? {
            do { _ = try make(); return nil } catch { return error }
        }
        XCTAssertEqual(error { () throws(ShieldedKeyError) in try SpendingKey(Fr.zero) }, .zeroSpendingKey)
        XCTAssertEqual(error { () throws(ShieldedKeyError) in try SpendingKey(bytes: [UInt8](repeating: 0, count: 32)) },
                       .zeroSpendingKey)
        XCTAssertEqual(error { () throws(ShieldedKeyError) in try SpendingKey(bytes: Fr.modulus.bigEndianBytes) },
                       .spendingKeyOutOfField)
        XCTAssertEqual(error { () throws(ShieldedKeyError) in try SpendingKey(bytes: [UInt8](repeating: 0xff, count: 32)) },
                       .spendingKeyOutOfField)
        XCTAssertEqual(error { () throws(ShieldedKeyError) in try SpendingKey(bytes: [UInt8](repeating: 1, count: 31)) },
                       .spendingKeyLength(31))
        XCTAssertEqual(error { () throws(ShieldedKeyError) in try SpendingKey(hex: "0xzz") }, .notHex(what: "a spending key"))
        // r - 1 is the largest key.
        let largest = Fr.modulus.subtractingReportingOverflow(.one).partialValue.bigEndianBytes
        XCTAssertNil(error { () throws(ShieldedKeyError) in try SpendingKey(bytes: largest) })
        XCTAssertThrowsError(try IncomingViewingKey(bytes: [UInt8](repeating: 1, count: 33))) {
            XCTAssertEqual($0 as? ShieldedKeyError, .viewingKeyLength(33))
        }
    }

    /// Generated keys are distinct and non-zero, and their owner keys differ.
    func testGeneratedKeysAreFreshAndNonZero() throws {
        var owners = Set<Fr>()
        for _ in 0..<32 {
            let key = try SpendingKey.generate()
            XCTAssertFalse(key.value.isZero)
            owners.insert(key.ownerKey)
        }
        XCTAssertEqual(owners.count, 32)
        var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7)
        XCTAssertEqual(try SpendingKey.generate(using: &a), try SpendingKey.generate(using: &b))
    }

    /// Neither printing, interpolating nor dumping a key shows its bytes.
    func testKeysAreNeverPrinted() throws {
        let key = try SpendingKey(hex: ShieldedVectors.sk)
        var dumped = ""
        dump(key, to: &dumped)
        dump(key.incomingViewingKey, to: &dumped)
        for text in ["\(key)", String(describing: key), String(reflecting: key), "\(key.incomingViewingKey)",
                     String(reflecting: key.incomingViewingKey), dumped] {
            XCTAssertFalse(text.contains(ShieldedVectors.sk), text)
            XCTAssertFalse(text.contains(ShieldedVectors.ivk), text)
            XCTAssertFalse(text.contains(key.value.decimalString), text)
        }
    }

    /// A note's nullifier is its owner's only: another key gets none, and it depends on the position.
    func testNullifierNeedsTheOwnersKeyAndDependsOnPosition() throws {
        let owner = try SpendingKey(hex: ShieldedVectors.sk)
        let thief = try SpendingKey(Fr(5))
        let note = Note(value: 10, to: owner.address)
        let nf0 = try XCTUnwrap(note.nullifier(spendingKey: owner, position: 0))
        XCTAssertEqual(nf0, NoteHashes.nullifier(spendingKey: owner.value, commitment: note.commitment, position: 0))
        XCTAssertNotEqual(nf0, note.nullifier(spendingKey: owner, position: 1))
        XCTAssertNil(note.nullifier(spendingKey: thief, position: 0))
        XCTAssertEqual(note.commitment, NoteHashes.commitment(value: 10, owner: owner.ownerKey, randomness: note.randomness))
        // Fresh randomness: the same value to the same owner is another commitment.
        XCTAssertNotEqual(note.commitment, Note(value: 10, to: owner.address).commitment)
    }
}
