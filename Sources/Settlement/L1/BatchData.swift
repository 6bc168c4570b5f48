/// The data of a range of batches as posted to L1 with a commitment: every executed transfer
/// (accepted or rejected: validators re-execute them in order, and a rejected one leaves the
/// state unchanged) with its signature, so anyone can recompute the roots from the previous one.
///
/// ## Encoding (versions 1 and 2), the "compression"
///
/// Rollup data is dominated by addresses, amounts and signatures. Addresses repeat (a sender pays
/// many times), so they are written once in a table and referred to by index; numbers are written
/// without their leading zero bytes. Signatures (65 random bytes) do not compress and are kept.
///
/// ```
/// version     1 byte   = 1 when no batch has a shielded transaction, else 2
/// chainId     varint
/// salt        32 bytes (the deployment's `SigningDomain.salt`)
/// addresses   varint n, then n × 20 bytes (in order of first use)
/// batches     varint m, then m × batch
/// batch       number varint, count varint, then count × transfer,
///             and in version 2 only: lane count varint, then lane count × (length varint ‖
///             the shielded transaction's canonical encoding, `ShieldedTransaction.encoded`)
/// transfer    from varint (address index) ‖ to varint ‖ value number ‖ fee number ‖ nonce varint ‖
///             signature: 65 bytes, none when `from` is `Address.bridge` (a deposit) or
///             `Address.inbox` (an inbox marker, see `L1InboxItem`)
/// number      1 byte length L (0…32) ‖ L bytes big-endian without leading zeros
/// varint      LEB128, at most 10 bytes, minimal
/// ```
/// Data without a shielded transaction is always version 1 (byte for byte what it was before the
/// shielded lane existed), and version 2 data whose lanes are all empty is refused, so each batch
/// range still has one encoding. A lane transaction is written whole, proof included (a Groth16
/// proof does not compress); its length (715 to `ShieldedTransaction.maxSize` bytes, by kind) is
/// checked against that maximum and the bytes left before anything is allocated, and it must
/// decode with `ShieldedTransaction(encoded:)`.
///
/// A deposit (a transfer from the bridge, nonce = the L1 deposit id) is encoded like any transfer
/// but without a signature: it has none, and a bridge transfer with a signature cannot be
/// encoded, so the data of a deposit always decodes to the exact transaction that was executed
/// (its id is the EIP-712 digest, which does not cover the signature).
///
/// Decoding is strict (every length and count checked against the bytes left before anything is
/// allocated, minimal encodings only, no address twice in the table, nothing trailing), so one
/// batch range has exactly one encoding. A commitment binds it by the Merkle root over its decoded
/// transactions (`BatchDataTree`), and carries at most `maxCommitmentBytes` of it
/// (`BatchData+Size`).
public enum BatchData {
    /// One batch's executed transactions, in execution order: the transfers, then the shielded
    /// lane (each shielded transaction as submitted, proof included).
    public struct Batch: Sendable, Equatable {
        public let number: UInt64
        public let transfers: [SignedTransfer]
        /// The batch's shielded lane, executed after `transfers` (accepted and refused alike).
        public let shielded: [ShieldedTransaction]

        public init(number: UInt64, transfers: [SignedTransfer], shielded: [ShieldedTransaction] = []) {
            self.number = number
            self.transfers = transfers
            self.shielded = shielded
        }
    }

    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Bytes one transfer takes in a plain fixed-width encoding (from, to, value, fee, nonce,
    /// its domain: chain id and salt, signature): the "before compression" size.
    public static let uncompressedTransferSize = 20 + 20 + 32 + 32 + 8 + 8 + 32 + 65

    public static func encode(_ batches: [Batch], domain: SigningDomain) -> [UInt8] {
        var index: [Address: UInt64] = [:]
        var table: [Address] = []
        func id(_ a: Address) -> UInt64 {
            if let i = index[a] { return i }
            index[a] = UInt64(table.count)
            table.append(a)
            return UInt64(table.count - 1)
        }
        let hasLane = batches.contains { !$0.shielded.isEmpty }
        var body: [UInt8] = []
        body.reserveCapacity(batches.reduce(0) { $0 + $1.transfers.count * 80 + $1.shielded.count * (ShieldedTransaction.maxSize + 2) })
        writeVarint(UInt64(batches.count), to: &body)
        for b in batches {
            writeVarint(b.number, to: &body)
            writeVarint(UInt64(b.transfers.count), to: &body)
            for t in b.transfers {
                writeVarint(id(t.transfer.from), to: &body)
                writeVarint(id(t.transfer.to), to: &body)
                writeNumber(t.transfer.value, to: &body)
                writeNumber(t.transfer.fee, to: &body)
                writeVarint(t.transfer.nonce, to: &body)
                if t.isL1Originated {
                    precondition(t.signature.isEmpty, "a deposit or inbox marker has no signature")
                } else {
                    precondition(t.signature.count == 65, "a sequenced transfer always has a 65-byte signature")
                    body.append(contentsOf: t.signature)
                }
            }
            if hasLane {
                writeVarint(UInt64(b.shielded.count), to: &body)
                for s in b.shielded {
                    let bytes = s.encoded
                    writeVarint(UInt64(bytes.count), to: &body)
                    body.append(contentsOf: bytes)
                }
            }
        }
        var out: [UInt8] = [hasLane ? 2 : 1]
        out.reserveCapacity(body.count + table.count * 20 + 48)
        writeVarint(domain.chainId, to: &out)
        out.append(contentsOf: domain.salt.bytes)
        writeVarint(UInt64(table.count), to: &out)
        for a in table { out.append(contentsOf: a.bytes) }
        out.append(contentsOf: body)
        return out
    }

    public static func decode(_ bytes: [UInt8]) throws(DecodingError) -> (domain: SigningDomain, batches: [Batch]) {
        let parsed = try parse(bytes, building: true)
        return (parsed.domain, parsed.batches)
    }

    /// The signing domain and each batch's number, transfer count and shielded lane count, without
    /// building the transfers (each with its EIP-712 id): for readers that need only the layout.
    /// (Lane transactions are still decoded, and dropped: that is what makes them valid data.) (The arbiter used it
    /// at posting while it kept the data; it now decodes in full to build the data tree, which
    /// the size limit keeps to a few thousand transfers.)
    ///
    /// The same parser as `decode` in its count-only mode, so the two accept and refuse exactly the
    /// same bytes with the same counts: a commitment whose data passes posting can always be read
    /// by a game (an earlier separate `outline` took the *last* bridge entry of the address table
    /// as the bridge and accepted data `decode` refused).
    public static func outline(_ bytes: [UInt8]) throws(DecodingError) -> (domain: SigningDomain, batches: [Outline]) {
        let parsed = try parse(bytes, building: false)
        return (parsed.domain, parsed.outline)
    }

    /// A batch's number, transfer count (`count`) and shielded lane count (`shielded`).
    public typealias Outline = (number: UInt64, count: Int, shielded: Int)

    /// The fewest bytes a lane entry takes: a 2-byte length (every encoding is over 127 bytes)
    /// and the shortest encoding (a shielded transfer's).
    static let minimumLaneEntryBytes = 2 + ShieldedTransaction.baseSize

    /// The one parser. Checks every length and count against the bytes left before allocating,
    /// minimal encodings only, no address twice in the table (one encoding per batch range),
    /// nothing trailing. With `building` false, transfers are skipped, not built (`batches` empty).
    private static func parse(_ bytes: [UInt8], building: Bool) throws(DecodingError)
        -> (domain: SigningDomain, outline: [Outline], batches: [Batch]) {
        var r = Reader(bytes: bytes)
        let version = try r.byte()
        guard version == 1 || version == 2 else { throw DecodingError(description: "batch data: unknown version \(version)") }
        let domain = SigningDomain(chainId: try r.varint(), salt: Digest32(bytes: try r.bytes(32))!)
        let n = try r.count(minimumBytesEach: 20)
        var table: [Address] = []
        table.reserveCapacity(n)
        var seen = Set<Address>(minimumCapacity: n)
        for i in 0..<n {
            let a = Address(bytes: try r.bytes(20))!
            guard seen.insert(a).inserted else {
                throw DecodingError(description: "batch data: address table entry \(i) repeats \(a)")
            }
            table.append(a)
        }
        let m = try r.count(minimumBytesEach: 2)
        var outline: [Outline] = []
        var laneTotal = 0
        outline.reserveCapacity(m)
        var batches: [Batch] = []
        if building { batches.reserveCapacity(m) }
        for _ in 0..<m {
            let number = try r.varint()
            // A deposit takes at least 5 bytes (no signature), a signed transfer 70.
            let count = try r.count(minimumBytesEach: 1 + 1 + 1 + 1 + 1)
            var transfers: [SignedTransfer] = []
            if building { transfers.reserveCapacity(count) }
            for _ in 0..<count {
                let from = try r.address(in: table), to = try r.address(in: table)
                if building {
                    let value = try r.number(), fee = try r.number(), nonce = try r.varint()
                    let signature = from == .bridge || from == .inbox ? [] : try r.bytes(65)
                    transfers.append(SignedTransfer(transfer: Transfer(from: from, to: to, value: value, fee: fee, nonce: nonce),
                                                    domain: domain, signature: signature))
                } else {
                    try r.skipNumber()
                    try r.skipNumber()
                    _ = try r.varint()
                    if from != .bridge && from != .inbox { try r.skip(65) }
                }
            }
            var lane: [ShieldedTransaction] = []
            var laneCount = 0
            if version == 2 {
                laneCount = try r.count(minimumBytesEach: minimumLaneEntryBytes)
                if building { lane.reserveCapacity(laneCount) }
                for i in 0..<laneCount {
                    let length = try r.varint()
                    guard length <= UInt64(ShieldedTransaction.maxSize) else {
                        throw DecodingError(description: "batch data: shielded transaction \(i) of batch \(number) has length \(length), more than \(ShieldedTransaction.maxSize)")
                    }
                    guard length <= UInt64(r.left) else {
                        throw DecodingError(description: "batch data: shielded transaction \(i) of batch \(number) has length \(length), more than the \(r.left) bytes left")
                    }
                    let encoded = try r.bytes(Int(length))
                    let tx: ShieldedTransaction
                    do throws(ShieldedRefusal) { tx = try ShieldedTransaction(encoded: encoded) } catch {
                        throw DecodingError(description: "batch data: shielded transaction \(i) of batch \(number) does not decode: \(error)")
                    }
                    if building { lane.append(tx) }
                }
                laneTotal += laneCount
            }
            outline.append((number, count, laneCount))
            if building { batches.append(Batch(number: number, transfers: transfers, shielded: lane)) }
        }
        if version == 2 && laneTotal == 0 {
            throw DecodingError(description: "batch data: version 2 with every shielded lane empty (such data is version 1)")
        }
        guard r.atEnd else { throw DecodingError(description: "batch data: \(bytes.count - r.offset) trailing bytes") }
        return (domain, outline, batches)
    }

    /// L1 calldata gas of `bytes` (EIP-2028: 16 per non-zero byte, 4 per zero byte).
    public static func calldataGas(_ bytes: [UInt8]) -> Int {
        bytes.reduce(0) { $0 + ($1 == 0 ? 4 : 16) }
    }

    /// Calldata gas of the uncompressed encoding of `transfers` (for the before/after figures).
    public static func uncompressedCalldataGas(_ transfers: [SignedTransfer]) -> Int {
        transfers.reduce(0) { total, t in
            var fixed: [UInt8] = t.transfer.from.bytes + t.transfer.to.bytes + t.transfer.value.bigEndianBytes
                + t.transfer.fee.bigEndianBytes
            withUnsafeBytes(of: t.transfer.nonce.bigEndian) { fixed.append(contentsOf: $0) }
            withUnsafeBytes(of: t.chainId.bigEndian) { fixed.append(contentsOf: $0) }
            fixed.append(contentsOf: t.domain.salt.bytes)
            return total + calldataGas(fixed + t.signature)
        }
    }

    // MARK: Primitives

    static func writeVarint(_ v: UInt64, to out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func writeNumber(_ v: UInt256, to out: inout [UInt8]) {
        let be = v.bigEndianBytes
        let first = be.firstIndex { $0 != 0 } ?? 32
        out.append(UInt8(32 - first))
        out.append(contentsOf: be[first...])
    }

    struct Reader {
        let bytes: [UInt8]
        var offset = 0
        var atEnd: Bool { offset == bytes.count }
        var left: Int { bytes.count - offset }

        mutating func byte() throws(DecodingError) -> UInt8 {
            guard offset < bytes.count else { throw DecodingError(description: "batch data: truncated") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func bytes(_ n: Int) throws(DecodingError) -> [UInt8] {
            guard n <= left else { throw DecodingError(description: "batch data: truncated") }
            defer { offset += n }
            return Array(bytes[offset..<offset + n])
        }

        mutating func varint() throws(DecodingError) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<10 {
                let b = try byte()
                if i == 9 && b > 1 { throw DecodingError(description: "batch data: varint overflows 64 bits") }
                v |= UInt64(b & 0x7f) << (7 * UInt64(i))
                if b & 0x80 == 0 {
                    if i > 0 && b == 0 { throw DecodingError(description: "batch data: non-minimal varint") }
                    return v
                }
            }
            throw DecodingError(description: "batch data: varint longer than 10 bytes")
        }

        /// A count whose elements take at least `minimumBytesEach` bytes: refused when the bytes
        /// left cannot hold that many (before anything is allocated).
        mutating func count(minimumBytesEach: Int) throws(DecodingError) -> Int {
            let n = try varint()
            guard n <= UInt64(left / minimumBytesEach) else {
                throw DecodingError(description: "batch data: a count of \(n) does not fit in the \(left) bytes left")
            }
            return Int(n)
        }

        mutating func number() throws(DecodingError) -> UInt256 {
            let n = Int(try byte())
            guard n <= 32 else { throw DecodingError(description: "batch data: a number longer than 32 bytes") }
            let raw = try bytes(n)
            if let first = raw.first, first == 0 { throw DecodingError(description: "batch data: a number with a leading zero") }
            return UInt256(bigEndianBytes: [UInt8](repeating: 0, count: 32 - n) + raw)!
        }

        mutating func skip(_ n: Int) throws(DecodingError) {
            guard n <= left else { throw DecodingError(description: "batch data: truncated") }
            offset += n
        }

        /// `number()` without building it.
        mutating func skipNumber() throws(DecodingError) {
            let n = Int(try byte())
            guard n <= 32 else { throw DecodingError(description: "batch data: a number longer than 32 bytes") }
            guard n <= left else { throw DecodingError(description: "batch data: truncated") }
            if n > 0 && bytes[offset] == 0 { throw DecodingError(description: "batch data: a number with a leading zero") }
            offset += n
        }

        mutating func address(in table: [Address]) throws(DecodingError) -> Address {
            let i = try varint()
            guard i < UInt64(table.count) else { throw DecodingError(description: "batch data: address index \(i) out of range") }
            return table[Int(i)]
        }
    }
}
