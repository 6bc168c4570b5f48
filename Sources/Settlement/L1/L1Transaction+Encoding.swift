/// Why bytes are not an `L1Transaction`.
public enum L1CodecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Too short, too long, an unknown version or call tag, or a length field over its limit.
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed L1 transaction: \(why)"
        }
    }
}

/// The byte encoding of an L1 transaction: what the simulator stores and hashes (a real chain
/// would use RLP and ABI encoding; this one only has to be exact and strict).
///
/// ```
/// version 1 (1) ‖ sender (20) ‖ nonce (8, big-endian) ‖ call tag (1) ‖ call fields
/// ```
/// Call fields, in declaration order: integers big-endian (u64: 8 bytes, amounts: 32), digests
/// and addresses raw, byte strings as a 4-byte big-endian length then the bytes (at most
/// `maxPayloadBytes`). Decoding requires the exact length: nothing may follow the last field.
///
/// `postCommitment` has two tags, so that each value has one encoding and the transactions stored
/// before lane aggregates existed read the same: tag 1 when its aggregate is empty (the fields up
/// to the data), tag 13 when it is not (the same fields, then the aggregate as a byte string of at
/// most `LaneAggregate.maxBytes`, its length checked before anything is read; an empty one under
/// tag 13 is refused).
extension L1Transaction {
    /// The encoding's version byte.
    public static let encodingVersion: UInt8 = 1
    /// Upper bound of a byte-string field (commitment data, proofs): 8 MiB.
    public static let maxPayloadBytes = 8 << 20
    /// Upper bound of a whole encoded transaction.
    public static let maxEncodedBytes = maxPayloadBytes + LaneAggregate.maxBytes + 512

    /// keccak256 of `encoded`: the transaction hash.
    public var hash: Digest32 { Keccak256.hash(encoded) }

    /// The canonical encoding (see the extension's documentation).
    public var encoded: [UInt8] {
        var w = L1ByteWriter()
        w.bytes([Self.encodingVersion])
        w.bytes(sender.bytes)
        w.u64(nonce)
        switch call {
        case .postCommitment(let c, let data, let bond, let aggregate):
            w.bytes([aggregate.isEmpty ? 1 : 13]); w.u64(c.index); w.u64(c.firstBatch); w.u64(c.lastBatch)
            w.digest(c.prevRoot); w.digest(c.newRoot); w.digest(c.dataRoot); w.amount(bond); w.payload(data)
            if !aggregate.isEmpty { w.payload(aggregate) }
        case .registerValidator(let stake): w.bytes([2]); w.amount(stake)
        case .addStake(let amount): w.bytes([3]); w.amount(amount)
        case .requestUnstake(let amount): w.bytes([4]); w.amount(amount)
        case .withdrawStake: w.bytes([5])
        case .openChallenge(let commitment, let claimedRoot, let bond):
            w.bytes([6]); w.u64(commitment); w.digest(claimedRoot); w.amount(bond)
        case .bisect(let game, let midpointRoot, let bond): w.bytes([7]); w.u64(game); w.digest(midpointRoot); w.amount(bond)
        case .proveOneStep(let game, let proof): w.bytes([8]); w.u64(game); w.payload(proof)
        case .claimTimeout(let game): w.bytes([9]); w.u64(game)
        case .deposit(let recipient, let amount): w.bytes([10]); w.bytes(recipient.bytes); w.amount(amount)
        case .claimWithdrawal(let proof): w.bytes([11]); w.payload(proof)
        case .submitToInbox(let t):
            w.bytes([12]); w.bytes(t.transfer.from.bytes); w.bytes(t.transfer.to.bytes); w.amount(t.transfer.value)
            w.amount(t.transfer.fee); w.u64(t.transfer.nonce); w.u64(t.chainId); w.digest(t.domain.salt)
            w.payload(t.signature)
        }
        return w.out
    }

    /// Decodes `encoded` strictly: version, exact length, payload limits.
    public init(encoded bytes: [UInt8]) throws(L1CodecError) {
        guard bytes.count <= Self.maxEncodedBytes else {
            throw .malformed("\(bytes.count) bytes, more than \(Self.maxEncodedBytes)")
        }
        var r = L1ByteReader(bytes)
        let version = try r.byte()
        guard version == Self.encodingVersion else { throw .malformed("unknown version \(version)") }
        let sender = try r.address()
        let nonce = try r.u64()
        let tag = try r.byte()
        let call: Call
        switch tag {
        case 1, 13:
            let index = try r.u64(), first = try r.u64(), last = try r.u64()
            let prev = try r.digest(), new = try r.digest(), dataRoot = try r.digest()
            let bond = try r.amount()
            let data = try r.payload()
            let aggregate = tag == 13 ? try r.payload(limit: LaneAggregate.maxBytes) : []
            guard tag == 1 || !aggregate.isEmpty else { throw .malformed("an empty aggregate under tag 13 (tag 1 has none)") }
            call = .postCommitment(L1Commitment(index: index, firstBatch: first, lastBatch: last, prevRoot: prev,
                                                newRoot: new, dataRoot: dataRoot), data: data, bond: bond, aggregate: aggregate)
        case 2: call = .registerValidator(stake: try r.amount())
        case 3: call = .addStake(try r.amount())
        case 4: call = .requestUnstake(try r.amount())
        case 5: call = .withdrawStake
        case 6:
            let commitment = try r.u64(), root = try r.digest()
            call = .openChallenge(commitment: commitment, claimedRoot: root, bond: try r.amount())
        case 7:
            let game = try r.u64(), root = try r.digest()
            call = .bisect(game: game, midpointRoot: root, bond: try r.amount())
        case 8:
            let game = try r.u64()
            call = .proveOneStep(game: game, proof: try r.payload())
        case 9: call = .claimTimeout(game: try r.u64())
        case 10:
            let recipient = try r.address()
            call = .deposit(l2Recipient: recipient, amount: try r.amount())
        case 11: call = .claimWithdrawal(proof: try r.payload())
        case 12:
            let from = try r.address(), to = try r.address(), value = try r.amount(), fee = try r.amount()
            let nonce = try r.u64(), domain = SigningDomain(chainId: try r.u64(), salt: try r.digest())
            call = .submitToInbox(SignedTransfer(transfer: Transfer(from: from, to: to, value: value, fee: fee, nonce: nonce),
                                                 domain: domain, signature: try r.payload()))
        default: throw .malformed("unknown call tag \(tag)")
        }
        guard r.atEnd else { throw .malformed("\(r.remaining) trailing bytes") }
        self.init(sender: sender, call: call, nonce: nonce)
    }
}

/// Appends big-endian fields.
struct L1ByteWriter {
    var out: [UInt8] = []

    mutating func bytes(_ b: [UInt8]) { out.append(contentsOf: b) }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) } }
    mutating func digest(_ d: Digest32) { out.append(contentsOf: d.bytes) }
    mutating func amount(_ a: UInt256) { out.append(contentsOf: a.bigEndianBytes) }
    mutating func payload(_ b: [UInt8]) {
        u32(UInt32(b.count))
        out.append(contentsOf: b)
    }
}

/// Reads big-endian fields, throwing on truncation and on payloads over the limit.
struct L1ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { offset == bytes.count }
    var remaining: Int { bytes.count - offset }

    private mutating func take(_ n: Int, _ what: String) throws(L1CodecError) -> ArraySlice<UInt8> {
        guard n <= remaining else { throw .malformed("truncated \(what): needs \(n) bytes, \(remaining) left") }
        defer { offset += n }
        return bytes[offset ..< offset + n]
    }

    mutating func byte() throws(L1CodecError) -> UInt8 { try take(1, "byte").first! }

    mutating func u64() throws(L1CodecError) -> UInt64 {
        try take(8, "integer").reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func digest() throws(L1CodecError) -> Digest32 { Digest32(bytes: try take(32, "digest"))! }
    mutating func address() throws(L1CodecError) -> Address { Address(bytes: Array(try take(20, "address")))! }
    mutating func amount() throws(L1CodecError) -> UInt256 { UInt256(bigEndianBytes: try take(32, "amount"))! }

    /// A length-prefixed byte string of at most `limit` bytes (checked before it is read).
    mutating func payload(limit: Int = L1Transaction.maxPayloadBytes) throws(L1CodecError) -> [UInt8] {
        let n = Int(try take(4, "length").reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard n <= limit else {
            throw .malformed("byte string of \(n) bytes, more than \(limit)")
        }
        return Array(try take(n, "byte string"))
    }
}
