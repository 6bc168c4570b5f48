import Persistence
import PostgresDriver
import Settlement

/// How the simulator derives block hashes: deterministic under the seed, different on every
/// reorg branch.
enum L1SimulatedBlock {
    /// Domain separation, so a simulator hash is never mistaken for any other keccak in the system.
    private static let domain = Array("settlement-l1-simulator-block-v1".utf8)

    /// keccak256(domain ‖ seed ‖ branch ‖ parentHash ‖ number ‖ timestampMs ‖ transactionsRoot),
    /// integers as 8 big-endian bytes.
    static func hash(seed: UInt64, branch: UInt64, parentHash: Digest32, number: UInt64, timestampMs: UInt64,
                     transactionsRoot: Digest32) -> Digest32 {
        var bytes = domain
        bytes.reserveCapacity(domain.count + 8 * 4 + 64)
        append(seed, to: &bytes)
        append(branch, to: &bytes)
        bytes.append(contentsOf: parentHash.bytes)
        append(number, to: &bytes)
        append(timestampMs, to: &bytes)
        bytes.append(contentsOf: transactionsRoot.bytes)
        return Keccak256.hash(bytes)
    }

    /// The binary keccak Merkle root of the transaction hashes in order: zero for none, a lone
    /// node paired with zero on odd levels.
    static func transactionsRoot(_ hashes: [Digest32]) -> Digest32 {
        guard !hashes.isEmpty else { return .zero }
        var level = hashes
        while level.count > 1 {
            var next: [Digest32] = []
            next.reserveCapacity((level.count + 1) / 2)
            var i = 0
            while i < level.count {
                next.append(Keccak256.hash(left: level[i], right: i + 1 < level.count ? level[i + 1] : .zero))
                i += 2
            }
            level = next
        }
        return level[0]
    }

    private static func append(_ v: UInt64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
