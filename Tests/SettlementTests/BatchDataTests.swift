import Settlement
import XCTest

/// The L1 batch data encoding: exact round trips, strict decoding, and what it saves.
final class BatchDataTests: XCTestCase {
    private func transfers(count: Int, senders: Int = 8, seed: UInt64 = 7) -> [SignedTransfer] {
        var rng = SeededGenerator(seed: seed)
        let keys = (0..<senders).map { i in try! PrivateKey(bytes: [UInt8](repeating: 0, count: 30) + [0x42, UInt8(i + 1)]) }
        var nonces = [UInt64](repeating: 0, count: senders)
        return (0..<count).map { _ in
            let i = Int(rng.next() % UInt64(senders)), j = Int(rng.next() % UInt64(senders))
            defer { nonces[i] += 1 }
            return SignedTransfer.sign(Transfer(from: keys[i].address, to: keys[j].address, value: UInt256(rng.next() % 1_000_000),
                                                fee: UInt256(rng.next() % 3), nonce: nonces[i]), domain: .test, with: keys[i])
        }
    }

    func testRoundTripKeepsEveryFieldAndTheIds() throws {
        let all = transfers(count: 300)
        let batches = [BatchData.Batch(number: 7, transfers: Array(all[0..<100])),
                       BatchData.Batch(number: 8, transfers: []),
                       BatchData.Batch(number: 9, transfers: Array(all[100...]))]
        let bytes = BatchData.encode(batches, domain: .test)
        let decoded = try BatchData.decode(bytes)
        XCTAssertEqual(decoded.domain, .test)
        XCTAssertEqual(decoded.batches, batches)
        XCTAssertEqual(decoded.batches.flatMap(\.transfers).map(\.id), all.map(\.id))
        XCTAssertEqual(BatchData.encode(decoded.batches, domain: .test), bytes, "one encoding per batch range")
    }

    func testCompressionHalvesTheBytesAndTheCalldataGas() {
        let all = transfers(count: 1_000)
        let bytes = BatchData.encode([BatchData.Batch(number: 1, transfers: all)], domain: .test)
        let perTx = Double(bytes.count) / 1_000
        XCTAssertLessThan(perTx, Double(BatchData.uncompressedTransferSize) / 2, "bytes per transfer: \(perTx)")
        XCTAssertLessThan(BatchData.calldataGas(bytes), BatchData.uncompressedCalldataGas(all))
    }

    func testEveryTruncationAndTrailingByteIsRefused() {
        let bytes = BatchData.encode([BatchData.Batch(number: 3, transfers: transfers(count: 5))], domain: .test)
        for cut in 0..<bytes.count {
            XCTAssertThrowsError(try BatchData.decode(Array(bytes[..<cut])), "a prefix of \(cut) bytes decoded")
        }
        XCTAssertThrowsError(try BatchData.decode(bytes + [0]))
    }

    func testHugeCountsAreRefusedBeforeAllocating() {
        // version 1, chain id 1, a salt, then an address count of 2^62: must fail on the count, not allocate.
        var bytes: [UInt8] = [1, 1] + [UInt8](repeating: 0, count: 32)
        var v: UInt64 = 1 << 62
        while v >= 0x80 { bytes.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
        XCTAssertThrowsError(try BatchData.decode(bytes)) { error in
            XCTAssertTrue("\(error)".contains("does not fit"), "\(error)")
        }
        XCTAssertThrowsError(try BatchData.decode([1, 0x80, 0x00]), "a non-minimal varint must be refused")
        XCTAssertThrowsError(try BatchData.decode([3]), "an unknown version must be refused")
    }

    /// `outline` (what the arbiter checks) accepts and refuses exactly what `decode` does, with the
    /// same messages, on valid data, every truncation and many corruptions.
    func testOutlineAgreesWithDecode() throws {
        // Deposits (bridge transfers, no signature) among the signed transfers.
        let all = transfers(count: 40)
        let deposits = (0..<UInt64(2)).map { L1Deposit.transaction(id: $0, recipient: all[Int($0)].transfer.to, amount: 9, domain: .test) }
        let bytes = BatchData.encode([BatchData.Batch(number: 5, transfers: Array(all[0..<25])),
                                      BatchData.Batch(number: 6, transfers: []),
                                      BatchData.Batch(number: 7, transfers: [deposits[0]] + Array(all[25...]) + [deposits[1]])],
                                     domain: .test)
        func verdict<T>(_ body: () throws -> T) -> String? {
            do { _ = try body(); return nil } catch { return "\(error)" }
        }
        let outline = try BatchData.outline(bytes)
        XCTAssertEqual(outline.domain, .test)
        XCTAssertEqual(outline.batches.map(\.number), [5, 6, 7])
        XCTAssertEqual(outline.batches.map(\.count), [25, 0, 17])
        var inputs: [[UInt8]] = (0..<bytes.count).map { Array(bytes[..<$0]) } + [bytes + [0]]
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<3_000 {
            var corrupt = bytes
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let i = Int(rng.next() % UInt64(corrupt.count))
                switch rng.next() % 4 {
                case 0: corrupt[i] = 0
                case 1: corrupt[i] = UInt8(truncatingIfNeeded: rng.next())
                case 2: corrupt[i] ^= 0x80
                default: corrupt.remove(at: i)
                }
            }
            inputs.append(corrupt)
        }
        var refused = 0
        for input in inputs {
            let decoded = verdict { try BatchData.decode(input) }
            XCTAssertEqual(verdict { try BatchData.outline(input) }, decoded)
            if decoded == nil {
                let full = try BatchData.decode(input), light = try BatchData.outline(input)
                XCTAssertEqual(light.domain, full.domain)
                XCTAssertEqual(light.batches.map(\.number), full.batches.map(\.number))
                XCTAssertEqual(light.batches.map(\.count), full.batches.map(\.transfers.count))
            } else {
                refused += 1
            }
        }
        XCTAssertGreaterThan(refused, inputs.count / 2)
    }
}
