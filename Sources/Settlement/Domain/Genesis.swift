import Foundation

/// The initial allocation, in the shape of an Ethereum genesis file so existing tooling can write
/// it: `{"config": {"chainId": 1337}, "alloc": {"0xADDRESS": {"balance": "1000000"}}}`, balances
/// in decimal or `0x` hex. Other fields of a real genesis file are ignored.
public struct Genesis: Sendable, Equatable {
    public let chainId: UInt64
    /// Sorted by address: the canonical order (for the genesis hash and batch 0).
    public let allocations: [(address: Address, balance: UInt256)]

    public init(chainId: UInt64, allocations: [(Address, UInt256)]) {
        self.chainId = chainId
        self.allocations = allocations.sorted { $0.0 < $1.0 }.map { (address: $0.0, balance: $0.1) }
    }

    public static func == (a: Genesis, b: Genesis) -> Bool {
        a.chainId == b.chainId && a.allocations.count == b.allocations.count
            && zip(a.allocations, b.allocations).allSatisfy { $0.address == $1.address && $0.balance == $1.balance }
    }

    /// A genesis file's problem, with the offending key.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Parses a genesis JSON document (at most 256 MiB).
    public static func parse(_ data: Data) throws(LoadError) -> Genesis {
        guard data.count <= 256 << 20 else { throw LoadError(description: "genesis file larger than 256 MiB") }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data) } catch {
            throw LoadError(description: "genesis is not valid JSON: \(error.localizedDescription)")
        }
        guard let root = json as? [String: Any] else { throw LoadError(description: "genesis must be a JSON object") }
        guard let config = root["config"] as? [String: Any], let chain = config["chainId"] else {
            throw LoadError(description: "genesis has no config.chainId")
        }
        let chainId: UInt64
        if let n = chain as? NSNumber, n.int64Value > 0 { chainId = n.uint64Value }
        else if let s = chain as? String, let n = UInt64(s), n > 0 { chainId = n }
        else { throw LoadError(description: "config.chainId must be a positive integer") }
        guard let alloc = root["alloc"] as? [String: Any] else { throw LoadError(description: "genesis has no alloc object") }
        var out: [(Address, UInt256)] = []
        out.reserveCapacity(alloc.count)
        for (key, value) in alloc {
            guard let address = Address(hex: key) else { throw LoadError(description: "alloc key \"\(key)\" is not a 20-byte hex address") }
            guard let entry = value as? [String: Any], let raw = entry["balance"] else {
                throw LoadError(description: "alloc[\(key)] has no balance")
            }
            let text: String
            if let s = raw as? String { text = s } else if let n = raw as? NSNumber, n.int64Value >= 0 { text = n.stringValue }
            else { throw LoadError(description: "alloc[\(key)].balance must be a string or a non-negative number") }
            guard let balance = UInt256(parsing: text) else {
                throw LoadError(description: "alloc[\(key)].balance \"\(text)\" is not a 256-bit unsigned decimal or 0x hex number")
            }
            out.append((address, balance))
        }
        if Set(out.map(\.0)).count != out.count { throw LoadError(description: "alloc lists an address twice (case-insensitively)") }
        return Genesis(chainId: chainId, allocations: out)
    }

    public static func load(path: String) throws(LoadError) -> Genesis {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "cannot read genesis file \(path)")
        }
        return try parse(data)
    }

    /// Identifies this genesis: keccak over chain id and the sorted allocations. A database made
    /// from one genesis refuses to run with another.
    public var hash: Digest32 {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + allocations.count * 52)
        withUnsafeBytes(of: chainId.bigEndian) { bytes.append(contentsOf: $0) }
        for a in allocations {
            bytes.append(contentsOf: a.address.bytes)
            bytes.append(contentsOf: a.balance.bigEndianBytes)
        }
        return Keccak256.hash(bytes)
    }
}
