import Settlement
import ZK

// PLACEHOLDER (being built this session): the shielded tables.
extension PostgresSettlementStore {
    public func shieldedNotes(from position: UInt64, limit: Int) async throws -> [StoredNote] {
        throw SettlementStoreError.corrupt("shielded notes: not built yet")
    }
    public func spentNullifiers(_ nullifiers: [Fr]) async throws -> [Fr: UInt64] {
        throw SettlementStoreError.corrupt("shielded nullifiers: not built yet")
    }
    public func latestShieldedRoots() async throws -> (batch: UInt64, roots: ShieldedRoots)? { nil }
}
