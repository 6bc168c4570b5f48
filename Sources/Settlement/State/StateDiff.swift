/// The accounts a batch changed, each with its new value; the empty account means "now absent".
///
/// Canonical: entries are sorted by address with no address twice, so equal diffs have equal
/// encodings.
///
/// ## Byte encoding (persistence)
///
/// ```
/// count    4 bytes, big-endian
/// entries  count × 60 bytes: address (20) ‖ balance (32, big-endian) ‖ nonce (8, big-endian)
/// ```
/// Decoding checks the exact length and strictly increasing addresses.
public struct StateDiff: Sendable, Hashable {
    /// One changed account. The address is held inline (64 bytes an entry, no allocation), so
    /// a genesis diff of 1,000,000 accounts is 64 MB rather than 112 MB with an `Address` array
    /// each.
    public struct Entry: Sendable, Hashable {
        let key: AddressKey
        public let account: Account

        public var address: Address { key.address }

        public init(address: Address, account: Account) {
            self.init(key: AddressKey(address), account: account)
        }

        init(key: AddressKey, account: Account) {
            self.key = key
            self.account = account
        }
    }

    /// The entries, sorted by address, each address once.
    public let entries: [Entry]

    /// No changes.
    public static let empty = StateDiff(validated: [])

    /// Builds a diff from changes in any order; when an address appears more than once the last
    /// change wins.
    public init(_ changes: [(address: Address, account: Account)]) {
        var keyed = changes.enumerated().map { (AddressKey($0.element.address), $0.offset) }
        keyed.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        var out: [Entry] = []
        out.reserveCapacity(keyed.count)
        for (i, k) in keyed.enumerated() where i + 1 == keyed.count || keyed[i + 1].0 != k.0 {
            out.append(Entry(key: k.0, account: changes[k.1].account))
        }
        entries = out
    }

    /// Builds a diff from entries already sorted by address without repeats (not checked).
    init(validated entries: [Entry]) {
        self.entries = entries
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Size of one encoded entry.
    public static let entrySize = 20 + Account.encodedSize

    /// The canonical byte encoding (see the type's documentation).
    public var serialized: [UInt8] {
        var out = [UInt8](repeating: 0, count: 4 + entries.count * StateDiff.entrySize)
        out.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress!
            p.storeBytes(of: UInt32(entries.count).bigEndian, as: UInt32.self)
            StateDiff.encode(entries, to: p + 4)
        }
        return out
    }

    /// Decodes `serialized`, strictly.
    public init(serialized bytes: [UInt8]) throws(StateError) {
        guard bytes.count >= 4 else { throw .malformed("state diff: shorter than its 4-byte count") }
        let count = bytes.withUnsafeBytes { Int(UInt32(bigEndian: $0.loadUnaligned(as: UInt32.self))) }
        guard bytes.count == 4 + count * StateDiff.entrySize else {
            throw .malformed("state diff: \(bytes.count) bytes for \(count) entries, expected \(4 + count * StateDiff.entrySize)")
        }
        entries = try StateDiff.decode(bytes, offset: 4, count: count, allowEmpty: true, what: "state diff")
    }

    /// Writes entries back to back (60 bytes each) at `p`.
    static func encode(_ entries: [Entry], to p: UnsafeMutableRawPointer) {
        var q = p
        for e in entries {
            e.key.store(to: q)
            e.account.encode(to: q + 20)
            q += entrySize
        }
    }

    /// Reads `count` entries at `offset`, checking strictly increasing addresses (and non-empty
    /// accounts unless `allowEmpty`).
    static func decode(_ bytes: [UInt8], offset: Int, count: Int, allowEmpty: Bool,
                       what: String) throws(StateError) -> [Entry] {
        var out: [Entry] = []
        out.reserveCapacity(count)
        var previous: AddressKey?
        for i in 0 ..< count {
            let base = offset + i * entrySize
            let (key, account) = bytes.withUnsafeBytes { raw in
                (AddressKey(loading: raw.baseAddress! + base), Account(decoding: raw.baseAddress! + base + 20))
            }
            if let previous, !(previous < key) {
                throw .malformed("\(what): entry \(i) is not in strictly increasing address order")
            }
            if !allowEmpty && account.isEmpty { throw .malformed("\(what): entry \(i) has the empty account") }
            previous = key
            out.append(Entry(key: key, account: account))
        }
        return out
    }
}
