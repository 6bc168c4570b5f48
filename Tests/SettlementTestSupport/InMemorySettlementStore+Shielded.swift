import Settlement
import ZK

// PLACEHOLDER (being built this session).
extension InMemorySettlementStore {
    public func shieldedNotes(from position: UInt64, limit: Int) async throws -> [StoredNote] { [] }
    public func spentNullifiers(_ nullifiers: [Fr]) async throws -> [Fr: UInt64] { [:] }
    public func latestShieldedRoots() async throws -> (batch: UInt64, roots: ShieldedRoots)? { nil }
}
