/// One versioned schema change. Versions are applied in increasing order, each exactly once;
/// an applied migration must never be edited (its checksum is recorded and verified).
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// FNV-1a 64 of the SQL, as 16 hex digits: detects edits of applied migrations (not an
    /// integrity check against an adversary).
    public var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sql.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// The migrations this binary knows, in order. Add new ones at the end, in their own files.
public enum Migrations {
    public static let all: [Migration] = [
        m0001Bootstrap,
        m0002Settlement,
        m0003Replicas,
        m0004Reporting,
        m0005L1Simulator,
        m0006Finality,
        m0007ChainReverts,
        m0008Rollbacks,
        m0009Shielded,
    ]
}
