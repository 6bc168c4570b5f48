import GRPC
import Settlement

// Domain → wire: the messages the services answer with, made from the engine's values. The
// messages themselves are generated (Generated/); only these conversions are written by hand.

extension SettlementV1.TxStatus {
    /// The wire value of a domain status (same numbering).
    public init(_ status: TransactionStatus) {
        self = Self(rawValue: Int32(status.rawValue)) ?? .unspecified
    }

    /// The domain status; nil for `.unspecified`.
    public var domain: TransactionStatus? { TransactionStatus(rawValue: Int(rawValue)) }

    /// Whether no later status can follow (FINALIZED, REJECTED). REVERTED is followed by
    /// SEQUENCED again, or REJECTED, once the engine has rolled its chain back.
    public var isTerminal: Bool { self == .finalized || self == .rejected }
}

extension SettlementV1.SignedTransfer {
    /// The wire form of a domain transfer.
    public init(_ signed: Settlement.SignedTransfer) {
        self.init(from: signed.transfer.from.bytes, to: signed.transfer.to.bytes,
                  value: signed.transfer.value.bigEndianBytes, fee: signed.transfer.fee.bigEndianBytes,
                  nonce: signed.transfer.nonce, chainId: signed.chainId, signature: signed.signature,
                  domainSalt: signed.domain.salt.bytes)
    }
}

extension SettlementV1.TransactionReceipt {
    /// The wire form of an engine receipt.
    public init(_ receipt: Receipt, clientSequence: UInt64 = 0, receivedAtMs: UInt64) {
        let sequenced = receipt.status == .sequenced
        self.init(clientSequence: clientSequence, txId: receipt.id.bytes, status: SettlementV1.TxStatus(receipt.status),
                  rejectionReason: receipt.reason, receivedAtMs: receivedAtMs, batchNumber: receipt.batchNumber,
                  stateRoot: sequenced ? receipt.stateRoot.bytes : [])
    }
}

extension SettlementV1.SettlementStatus {
    /// The wire form of what the store (or the pool) knows about a transaction.
    public init(_ t: StoredTransaction) {
        self.init(txId: t.id.bytes, status: SettlementV1.TxStatus(t.status), rejectionReason: t.reason, batchNumber: t.batchNumber,
                  stateRoot: t.batchNumber == 0 || t.stateRoot == .zero ? [] : t.stateRoot.bytes,
                  updatedAtMs: t.updatedAtMs)
    }

    /// The wire form of a status event.
    public init(_ e: StatusEvent) {
        self.init(txId: e.id.bytes, status: SettlementV1.TxStatus(e.status), rejectionReason: e.reason, batchNumber: e.batchNumber,
                  stateRoot: e.batchNumber == 0 || e.stateRoot == .zero ? [] : e.stateRoot.bytes, updatedAtMs: e.atMs)
    }
}

extension SettlementV1.PerformanceMetrics {
    /// The wire form of an engine snapshot (latencies rounded up to whole milliseconds).
    public init(_ s: PerformanceSnapshot, computedAtMs: UInt64) {
        func ms(_ v: Double) -> UInt64 { v.isFinite && v > 0 ? UInt64(min(v.rounded(.up), 1e18)) : 0 }
        func count(_ v: Int) -> UInt64 { UInt64(max(0, v)) }
        self.init(windowSeconds: UInt32(clamping: s.windowSeconds), tps: s.tps,
                  batchProcessingP50Us: s.batchProcessingP50Micros, batchProcessingP99Us: s.batchProcessingP99Micros,
                  confirmationLatencyP50Ms: ms(s.confirmationLatencyP50Millis),
                  confirmationLatencyP99Ms: ms(s.confirmationLatencyP99Millis),
                  pendingTransactions: count(s.pendingTransactions), stateAccounts: count(s.stateAccounts),
                  stateSizeBytes: count(s.stateSizeBytes), stateGrowthBytesPerSecond: s.stateGrowthBytesPerSecond,
                  batchesCommitted: s.batchesCommitted, computedAtMs: computedAtMs,
                  transactionsSequenced: s.transactionsSequenced, transactionsRejected: s.transactionsRejected)
    }
}

extension SettlementV1.Batch {
    /// The wire form of a durable batch. The store records no L1 progress yet, so a stored batch
    /// is SEQUENCED (durable) until the finality engine tracks posting and confirmation.
    public init(_ b: StoredBatch, status: SettlementV1.BatchStatus = .sequenced) {
        self.init(batchNumber: b.number, prevStateRoot: b.prevRoot.bytes, newStateRoot: b.newRoot.bytes,
                  txIds: b.transactionIds.map(\.bytes), createdAtMs: b.createdAtMs, status: status)
    }
}

extension SettlementV1.Account {
    /// The wire form of an account proof.
    public init(_ p: AccountProof) {
        self.init(address: p.address.bytes, balance: p.account.balance.bigEndianBytes, nonce: p.account.nonce,
                  proofSiblings: p.proof.siblings.filter { $0 != .zero }.map(\.bytes), stateRoot: p.root.bytes,
                  batchNumber: p.batch, proof: p.proof.serialized, exists: !p.account.isEmpty,
                  accountRoot: p.shieldedRoots.isEmpty ? [] : p.accountRoot.bytes,
                  noteRoot: p.shieldedRoots.isEmpty ? [] : p.shieldedRoots.noteRoot.bigEndianBytes,
                  nullifierRoot: p.shieldedRoots.isEmpty ? [] : p.shieldedRoots.nullifierRoot.bytes)
    }
}

extension SettlementV1.ChainInfo {
    /// The message describing `domain`, made from the genesis with hash `genesisHash`.
    public init(domain: SigningDomain, genesisHash: Digest32, feeAccount: Address, maxFee: UInt256) {
        self.init(chainId: domain.chainId, domainSalt: domain.salt.bytes, genesisHash: genesisHash.bytes,
                  domainName: EIP712.domainName, domainVersion: EIP712.domainVersion,
                  feeAccount: feeAccount.bytes, maxFee: maxFee.bigEndianBytes)
    }

    /// The signing domain, after checking the salt's length.
    public func signingDomain() throws(RPCError) -> SigningDomain {
        SigningDomain(chainId: chainId, salt: try SettlementV1.Validate.digest(domainSalt, field: "domain_salt"))
    }
}

extension SettlementV1.Challenge {
    /// The wire form of an arbiter game.
    public init(_ g: L1Game) {
        let phase: SettlementV1.GamePhase
        var result = SettlementV1.GameResult.open
        var resolution = ""
        if g.voided {
            phase = .voided
            result = .voided
        } else {
            switch g.game.phase {
            case .batches: phase = .batches
            case .transactions: phase = .transactions
            case .oneStep: phase = .oneStep
            case .resolved(let winner, let by):
                phase = .resolved
                result = winner == .proposer ? .proposerWon : .challengerWon
                switch by {
                case .oneStepProof: resolution = "one-step proof"
                case .timeout: resolution = "timeout"
                case .emptyBatch: resolution = "empty batch"
                case .undecodableData: resolution = "undecodable data"
                }
            }
        }
        let turn: SettlementV1.GameParty = g.isOpen ? (g.game.turn == .proposer ? .proposer : g.game.turn == .challenger ? .challenger
                                                                                             : .unspecified) : .unspecified
        self.init(id: g.id, commitmentIndex: g.commitmentIndex, challenger: g.challenger.bytes, proposer: g.proposer.bytes,
                  phase: phase, turn: turn, deadlineMs: g.game.deadlineMs, result: result, resolution: resolution,
                  rangeLo: UInt64(max(0, g.game.lo)), rangeHi: UInt64(max(0, g.game.hi)))
    }
}
