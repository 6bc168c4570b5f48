import Foundation

/// How far a commitment got on L1, as the engine records it.
public enum CommitmentStatus: String, Sendable, Hashable {
    /// Sent to L1; maybe included, not yet deep enough.
    case posted
    /// Included `l1_confirmation_depth` blocks deep.
    case l1Confirmed = "l1_confirmed"
    /// The challenge period passed with no challenge that could still succeed.
    case finalized
    /// Reverted on L1 by a lost challenge.
    case reverted

    /// The status its accepted transactions report.
    public var transactionStatus: TransactionStatus {
        switch self {
        case .posted: .posted
        case .l1Confirmed: .l1Confirmed
        case .finalized: .finalized
        case .reverted: .reverted
        }
    }
}

/// A commitment the engine posted, with its data and where it is on L1.
public struct CommitmentRecord: Sendable, Equatable {
    public let commitment: L1Commitment
    /// The compressed batch data (`BatchData`), as the L1 holds it.
    public let data: [UInt8]
    public let transactionCount: Int
    public let calldataGas: Int
    public let uncompressedCalldataGas: Int
    /// The L1 transaction that posted it (the latest re-post after a reorg).
    public var l1TransactionHash: Digest32
    public var status: CommitmentStatus
    /// The L1 block that included it, once known.
    public var l1Block: L1BlockHeader?

    public init(commitment: L1Commitment, data: [UInt8], transactionCount: Int, calldataGas: Int,
                uncompressedCalldataGas: Int, l1TransactionHash: Digest32, status: CommitmentStatus,
                l1Block: L1BlockHeader? = nil) {
        self.commitment = commitment
        self.data = data
        self.transactionCount = transactionCount
        self.calldataGas = calldataGas
        self.uncompressedCalldataGas = uncompressedCalldataGas
        self.l1TransactionHash = l1TransactionHash
        self.status = status
        self.l1Block = l1Block
    }
}

/// Storage the finality engine needs (implemented by `PostgresSettlementStore`).
public protocol FinalityStore: Sendable {
    /// The newest commitment not reverted, if any.
    func latestCommitment() async throws -> CommitmentRecord?
    /// The index the next commitment gets: one more than any posted, reverted ones included (the
    /// L1 keeps reverted commitments at their indices).
    func nextCommitmentIndex() async throws -> UInt64
    /// The oldest reverted commitment whose batches are still in the live chain (the rollback it
    /// needs has not happened yet), if any.
    func pendingRollback() async throws -> CommitmentRecord?
    /// Commitments still moving (posted or L1-confirmed), oldest first, **without their data**
    /// (`data` empty: read every step, and a commitment stays unsettled for the whole challenge
    /// period); `commitmentData(index:)` reads it when it is needed.
    func unsettledCommitments() async throws -> [CommitmentRecord]
    /// The data of the commitment with `index` as recorded (nil if there is none).
    func commitmentData(index: UInt64) async throws -> [UInt8]?
    /// The executed transfers of batches `from...to` in order, with the root before `from` and
    /// the root after `to`.
    func batchData(from: UInt64, to: UInt64) async throws -> (prevRoot: Digest32, newRoot: Digest32, batches: [BatchData.Batch])
    /// Records a commitment about to be posted (status posted, with the hash of the L1
    /// transaction that will carry it), *before* it is sent: the posting intent. With `term`,
    /// fenced by the leader's term like a batch commit (throws `LeadershipLost` when `term` is no
    /// longer the lease's), so a deposed leader cannot post. A retry of the same commitment is
    /// fine; a different commitment at the same index throws, unless that one is reverted (the
    /// caller checked that the L1 never took it: see `FinalityEngine`'s index reconciliation).
    func recordCommitment(_ record: CommitmentRecord, term: UInt64?) async throws
    /// Records a commitment's new status, L1 transaction and block, and the L1 status of its batches.
    func updateCommitment(_ record: CommitmentRecord) async throws
    /// The ids of the executed transactions of batches `from...to` that were accepted.
    func acceptedTransactionIds(from: UInt64, to: UInt64) async throws -> [(batch: UInt64, id: Digest32)]
    /// The same, only those in `among` (the ids someone subscribed to).
    func acceptedTransactionIds(from: UInt64, to: UInt64, among: Set<Digest32>) async throws -> [(batch: UInt64, id: Digest32)]
}

extension FinalityStore {
    public func acceptedTransactionIds(from: UInt64, to: UInt64, among: Set<Digest32>) async throws -> [(batch: UInt64, id: Digest32)] {
        try await acceptedTransactionIds(from: from, to: to).filter { among.contains($0.id) }
    }
}

/// A commitment's batches reached an L1 status (announced to every replica, so each can tell
/// its own subscribers).
public struct FinalityNotice: Sendable, Equatable {
    public let firstBatch: UInt64
    public let lastBatch: UInt64
    public let status: TransactionStatus
    public let root: Digest32

    public init(firstBatch: UInt64, lastBatch: UInt64, status: TransactionStatus, root: Digest32) {
        self.firstBatch = firstBatch
        self.lastBatch = lastBatch
        self.status = status
        self.root = root
    }

    /// `first:last:status:roothex`, as sent with NOTIFY.
    public var payload: String { "\(firstBatch):\(lastBatch):\(status.rawValue):\(root.bytes.map { String(format: "%02x", $0) }.joined())" }

    public init?(payload: String) {
        let parts = payload.split(separator: ":")
        guard parts.count == 4, let f = UInt64(parts[0]), let l = UInt64(parts[1]), f <= l,
              let raw = Int(parts[2]), let s = TransactionStatus(rawValue: raw), parts[3].utf8.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var i = parts[3].startIndex
        while i < parts[3].endIndex {
            let j = parts[3].index(i, offsetBy: 2)
            guard let b = UInt8(parts[3][i..<j], radix: 16) else { return nil }
            bytes.append(b)
            i = j
        }
        guard let root = Digest32(bytes: bytes) else { return nil }
        self.init(firstBatch: f, lastBatch: l, status: s, root: root)
    }
}
