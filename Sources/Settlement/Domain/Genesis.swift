import Foundation

/// The initial allocation, in the shape of an Ethereum genesis file so existing tooling can write
/// it: `{"config": {"chainId": 1337}, "alloc": {"0xADDRESS": {"balance": "1000000"}}}`, balances
/// in decimal or `0x` hex. Other fields of a real genesis file are ignored. See `GenesisParser`
/// for exactly what is accepted.
///
/// Held compactly (56 bytes an account, addresses inline) because a genesis can fund millions of
/// accounts; `allocations` materialises the public tuple form on demand.
public struct Genesis: Sendable, Equatable {
    /// One funded account.
    struct Allocation: Sendable, Equatable {
        var address: AddressKey
        var balance: UInt256
    }

    public let chainId: UInt64
    /// Sorted by address (the canonical order, for the genesis hash and batch 0); stable, so
    /// repeats keep their input order.
    let entries: [Allocation]

    public init(chainId: UInt64, allocations: [(Address, UInt256)]) {
        self.chainId = chainId
        var entries = allocations.map { Allocation(address: AddressKey($0.0), balance: $0.1) }
        entries.sort { $0.address < $1.address }
        self.entries = entries
    }

    /// From entries already sorted by address without repeats (the parser's output).
    init(chainId: UInt64, sortedUniqueEntries entries: [Allocation]) {
        self.chainId = chainId
        self.entries = entries
    }

    /// The allocations sorted by address (built on each call: for small geneses and tests).
    public var allocations: [(address: Address, balance: UInt256)] {
        entries.map { (address: $0.address.address, balance: $0.balance) }
    }

    /// Number of allocations.
    public var allocationCount: Int { entries.count }

    public static func == (a: Genesis, b: Genesis) -> Bool {
        a.chainId == b.chainId && a.entries == b.entries
    }

    /// A genesis file's problem, with the offending key.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Largest genesis document accepted.
    public static let maximumSize = 256 << 20

    /// Parses a genesis JSON document (at most 256 MiB).
    public static func parse(_ data: Data) throws(LoadError) -> Genesis {
        guard data.count <= maximumSize else { throw LoadError(description: "genesis file larger than 256 MiB") }
        let result = data.withUnsafeBytes { raw in
            Result { () throws(LoadError) -> Genesis in try GenesisParser.parse(raw) }
        }
        return try result.get()
    }

    /// Reads and parses the genesis file at `path`. The size is checked before reading, and the
    /// file is mapped rather than copied.
    public static func load(path: String) throws(LoadError) -> Genesis {
        let url = URL(fileURLWithPath: path)
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber,
              let data = try? Data(contentsOf: url, options: .alwaysMapped) else {
            throw LoadError(description: "cannot read genesis file \(path)")
        }
        guard size.intValue <= maximumSize else { throw LoadError(description: "genesis file larger than 256 MiB") }
        return try parse(data)
    }

    /// The genesis allocation as a state diff (batch 0), without an intermediate copy.
    public var stateDiff: StateDiff {
        let unique = entries.indices.dropFirst().allSatisfy { entries[$0 - 1].address != entries[$0].address }
        guard unique else {
            // Built through `init(chainId:allocations:)` with an address twice: the last wins.
            return StateDiff(allocations.map { ($0.address, Account(balance: $0.balance, nonce: 0)) })
        }
        return StateDiff(validated: entries.map { StateDiff.Entry(key: $0.address, account: Account(balance: $0.balance)) })
    }

    /// Identifies this genesis: keccak over chain id (8 bytes, big-endian) and the sorted
    /// allocations (address ‖ 32-byte big-endian balance each). A database made from one genesis
    /// refuses to run with another. Streamed: no preimage buffer.
    public var hash: Digest32 {
        var sponge = Keccak256Sponge()
        withUnsafeBytes(of: chainId.bigEndian) { sponge.update($0) }
        var record: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0)
        for a in entries {
            withUnsafeMutableBytes(of: &record) { raw in
                a.address.store(to: raw.baseAddress!)
                a.balance.storeBigEndian(to: raw.baseAddress! + 20)
                sponge.update(UnsafeRawBufferPointer(rebasing: raw[0 ..< 52]))
            }
        }
        return sponge.finalize()
    }
}
