import CProtobufC
import CProtos
import Settlement

// settlement.v1 messages (Protos/settlement/v1/settlement.proto): the settlement engine's API.
//
// The wrappers live in the `SettlementV1` namespace because the domain module (`Settlement`) has
// types of the same names (`SignedTransfer`, `Account`): `SettlementV1.SignedTransfer` is the wire
// message, `Settlement.SignedTransfer` the validated domain value. Decoding a wrapper checks only
// the protobuf encoding; the `domain...` helpers at the end of this file check field lengths and
// convert wire values to domain values, throwing INVALID_ARGUMENT with the field's name.

/// The messages of the `settlement.v1` protobuf package.
public enum SettlementV1 {}

// MARK: - Enums

extension SettlementV1 {
    /// `settlement.v1.TxStatus`: the lifecycle of a transaction.
    public enum TxStatus: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case unspecified = 0
        case pending = 1
        case sequenced = 2
        case posted = 3
        case l1Confirmed = 4
        case finalized = 5
        case rejected = 6
        case reverted = 7

        /// The wire value of a domain status (same numbering).
        public init(_ status: TransactionStatus) {
            self = TxStatus(rawValue: Int32(status.rawValue)) ?? .unspecified
        }

        /// The domain status; nil for `.unspecified`.
        public var domain: TransactionStatus? { TransactionStatus(rawValue: Int(rawValue)) }

        /// Whether no later status can follow (FINALIZED, REJECTED). REVERTED is followed by
        /// SEQUENCED again, or REJECTED, once the engine has rolled its chain back.
        public var isTerminal: Bool { self == .finalized || self == .rejected }

        public var description: String {
            switch self {
            case .unspecified: "TX_STATUS_UNSPECIFIED"
            case .pending: "TX_STATUS_PENDING"
            case .sequenced: "TX_STATUS_SEQUENCED"
            case .posted: "TX_STATUS_POSTED"
            case .l1Confirmed: "TX_STATUS_L1_CONFIRMED"
            case .finalized: "TX_STATUS_FINALIZED"
            case .rejected: "TX_STATUS_REJECTED"
            case .reverted: "TX_STATUS_REVERTED"
            }
        }

        /// Unrecognised wire values decode as `.unspecified` (proto3 enums are open).
        init(wire: Settlement__V1__TxStatus) {
            self = TxStatus(rawValue: CMessage.wireValue(wire)) ?? .unspecified
        }

        var wire: Settlement__V1__TxStatus { CMessage.enumValue(rawValue, as: Settlement__V1__TxStatus.self) }
    }

    /// `settlement.v1.BatchStatus`: the lifecycle of a batch.
    public enum BatchStatus: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case unspecified = 0
        case sequenced = 1
        case posted = 2
        case l1Confirmed = 3
        case finalized = 4
        case reverted = 5

        public var description: String {
            switch self {
            case .unspecified: "BATCH_STATUS_UNSPECIFIED"
            case .sequenced: "BATCH_STATUS_SEQUENCED"
            case .posted: "BATCH_STATUS_POSTED"
            case .l1Confirmed: "BATCH_STATUS_L1_CONFIRMED"
            case .finalized: "BATCH_STATUS_FINALIZED"
            case .reverted: "BATCH_STATUS_REVERTED"
            }
        }

        /// Unrecognised wire values decode as `.unspecified`.
        init(wire: Settlement__V1__BatchStatus) {
            self = BatchStatus(rawValue: CMessage.wireValue(wire)) ?? .unspecified
        }

        var wire: Settlement__V1__BatchStatus { CMessage.enumValue(rawValue, as: Settlement__V1__BatchStatus.self) }
    }
}

// MARK: - Submission

extension SettlementV1 {
    /// `settlement.v1.SignedTransfer`: an EIP-712 signed L2 transfer, as raw wire fields. Convert it
    /// with `domainTransfer()`, which checks every length.
    public struct SignedTransfer: ProtoMessage, Hashable {
        /// Sender address (20 bytes on a valid message).
        public var from: [UInt8]
        /// Recipient address (20 bytes).
        public var to: [UInt8]
        /// Amount, big-endian uint256 (32 bytes).
        public var value: [UInt8]
        /// Fee, big-endian uint256 (32 bytes).
        public var fee: [UInt8]
        /// The sender nonce this transfer consumes.
        public var nonce: UInt64
        /// The EIP-712 domain chain id.
        public var chainId: UInt64
        /// r ‖ s ‖ v (65 bytes).
        public var signature: [UInt8]
        /// The EIP-712 domain salt (32 bytes).
        public var domainSalt: [UInt8]

        /// Creates a message from raw fields (nothing is checked).
        public init(from: [UInt8] = [], to: [UInt8] = [], value: [UInt8] = [], fee: [UInt8] = [], nonce: UInt64 = 0,
                    chainId: UInt64 = 0, signature: [UInt8] = [], domainSalt: [UInt8] = []) {
            self.from = from
            self.to = to
            self.value = value
            self.fee = fee
            self.nonce = nonce
            self.chainId = chainId
            self.signature = signature
            self.domainSalt = domainSalt
        }

        /// The wire form of a domain transfer.
        public init(_ signed: Settlement.SignedTransfer) {
            self.init(from: signed.transfer.from.bytes, to: signed.transfer.to.bytes,
                      value: signed.transfer.value.bigEndianBytes, fee: signed.transfer.fee.bigEndianBytes,
                      nonce: signed.transfer.nonce, chainId: signed.chainId, signature: signed.signature,
                      domainSalt: signed.domain.salt.bytes)
        }

        static func cMessage() -> Settlement__V1__SignedTransfer {
            CMessage.make(Settlement__V1__SignedTransfer(), settlement__v1__signed_transfer__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__SignedTransfer.self) { SignedTransfer($0.pointee) }
        }

        /// From an unpacked C struct (only valid while the struct is).
        init(_ m: Settlement__V1__SignedTransfer) {
            self.init(from: ProtobufC.bytes(m.from), to: ProtobufC.bytes(m.to), value: ProtobufC.bytes(m.value),
                      fee: ProtobufC.bytes(m.fee), nonce: m.nonce, chainId: m.chain_id,
                      signature: ProtobufC.bytes(m.signature), domainSalt: ProtobufC.bytes(m.domain_salt))
        }

        /// The C struct, its memory owned by `arena`.
        func cStruct(in arena: ProtobufCArena) -> Settlement__V1__SignedTransfer {
            var m = Self.cMessage()
            m.from = arena.bytes(from)
            m.to = arena.bytes(to)
            m.value = arena.bytes(value)
            m.fee = arena.bytes(fee)
            m.nonce = nonce
            m.chain_id = chainId
            m.signature = arena.bytes(signature)
            m.domain_salt = arena.bytes(domainSalt)
            return m
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = cStruct(in: arena)
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.SubmitTransactionsRequest`: one transfer of a `SubmitTransactions` stream.
    public struct SubmitTransactionsRequest: ProtoMessage, Hashable {
        /// Chosen by the client, echoed in the matching receipt.
        public var clientSequence: UInt64
        /// The transfer; nil when the field is absent (answered with an INVALID_ARGUMENT rejection).
        public var transfer: SignedTransfer?

        /// Creates a request.
        public init(clientSequence: UInt64 = 0, transfer: SignedTransfer? = nil) {
            self.clientSequence = clientSequence
            self.transfer = transfer
        }

        static func cMessage() -> Settlement__V1__SubmitTransactionsRequest {
            CMessage.make(Settlement__V1__SubmitTransactionsRequest(), settlement__v1__submit_transactions_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__SubmitTransactionsRequest.self) { p in
                SubmitTransactionsRequest(clientSequence: p.pointee.client_sequence,
                                          transfer: p.pointee.transfer.map { SignedTransfer($0.pointee) })
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.client_sequence = clientSequence
            if let transfer { m.transfer = arena.message(transfer.cStruct(in: arena)) }
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.TransactionReceipt`: the answer to one submitted transfer.
    public struct TransactionReceipt: ProtoMessage, Hashable {
        /// Echo of the request's `client_sequence` (0 for `SubmitTransaction`).
        public var clientSequence: UInt64
        /// The transaction id (32 bytes), or empty when it could not be computed (malformed fields).
        public var txId: [UInt8]
        /// SEQUENCED or REJECTED.
        public var status: TxStatus
        /// Why it was rejected; empty unless REJECTED.
        public var rejectionReason: String
        /// When the server received the transfer, unix milliseconds.
        public var receivedAtMs: UInt64
        /// The batch holding the transaction (0 when rejected before execution).
        public var batchNumber: UInt64
        /// The state root after that batch (32 bytes); empty unless SEQUENCED.
        public var stateRoot: [UInt8]

        /// Creates a receipt.
        public init(clientSequence: UInt64 = 0, txId: [UInt8] = [], status: TxStatus = .unspecified,
                    rejectionReason: String = "", receivedAtMs: UInt64 = 0, batchNumber: UInt64 = 0,
                    stateRoot: [UInt8] = []) {
            self.clientSequence = clientSequence
            self.txId = txId
            self.status = status
            self.rejectionReason = rejectionReason
            self.receivedAtMs = receivedAtMs
            self.batchNumber = batchNumber
            self.stateRoot = stateRoot
        }

        /// The wire form of an engine receipt.
        public init(_ receipt: Receipt, clientSequence: UInt64 = 0, receivedAtMs: UInt64) {
            let sequenced = receipt.status == .sequenced
            self.init(clientSequence: clientSequence, txId: receipt.id.bytes, status: TxStatus(receipt.status),
                      rejectionReason: receipt.reason, receivedAtMs: receivedAtMs, batchNumber: receipt.batchNumber,
                      stateRoot: sequenced ? receipt.stateRoot.bytes : [])
        }

        static func cMessage() -> Settlement__V1__TransactionReceipt {
            CMessage.make(Settlement__V1__TransactionReceipt(), settlement__v1__transaction_receipt__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__TransactionReceipt.self) { p in
                let m = p.pointee
                return TransactionReceipt(clientSequence: m.client_sequence, txId: ProtobufC.bytes(m.tx_id),
                                          status: TxStatus(wire: m.status),
                                          rejectionReason: ProtobufC.string(m.rejection_reason),
                                          receivedAtMs: m.received_at_ms, batchNumber: m.batch_number,
                                          stateRoot: ProtobufC.bytes(m.state_root))
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.client_sequence = clientSequence
            m.tx_id = arena.bytes(txId)
            m.status = status.wire
            m.rejection_reason = arena.string(rejectionReason)
            m.received_at_ms = receivedAtMs
            m.batch_number = batchNumber
            m.state_root = arena.bytes(stateRoot)
            return CMessage.pack(&m, keeping: arena)
        }
    }
}

// MARK: - Status

extension SettlementV1 {
    /// `settlement.v1.GetSettlementStatusRequest`.
    public struct GetSettlementStatusRequest: ProtoMessage, Hashable {
        /// Transaction id (32 bytes on a valid request).
        public var txId: [UInt8]

        /// Creates a request.
        public init(txId: [UInt8] = []) { self.txId = txId }

        static func cMessage() -> Settlement__V1__GetSettlementStatusRequest {
            CMessage.make(Settlement__V1__GetSettlementStatusRequest(), settlement__v1__get_settlement_status_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__GetSettlementStatusRequest.self) { p in
                GetSettlementStatusRequest(txId: ProtobufC.bytes(p.pointee.tx_id))
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.tx_id = arena.bytes(txId)
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.SettlementStatus`: where a transaction (or, in an every-batch subscription, a
    /// batch) is in its lifecycle.
    public struct SettlementStatus: ProtoMessage, Hashable {
        /// Transaction id (32 bytes); empty for a batch-level status.
        public var txId: [UInt8]
        /// The status.
        public var status: TxStatus
        /// Set when REJECTED or REVERTED.
        public var rejectionReason: String
        /// The batch holding the transaction; 0 while PENDING or when rejected before execution.
        public var batchNumber: UInt64
        /// The state root after the batch (32 bytes); empty while there is no batch.
        public var stateRoot: [UInt8]
        /// Hash of the L1 posting transaction (32 bytes); empty before POSTED.
        public var l1TxHash: [UInt8]
        /// The L1 block that included it; 0 before L1_CONFIRMED.
        public var l1BlockNumber: UInt64
        /// When the status last changed, unix milliseconds.
        public var updatedAtMs: UInt64

        /// Creates a status.
        public init(txId: [UInt8] = [], status: TxStatus = .unspecified, rejectionReason: String = "",
                    batchNumber: UInt64 = 0, stateRoot: [UInt8] = [], l1TxHash: [UInt8] = [], l1BlockNumber: UInt64 = 0,
                    updatedAtMs: UInt64 = 0) {
            self.txId = txId
            self.status = status
            self.rejectionReason = rejectionReason
            self.batchNumber = batchNumber
            self.stateRoot = stateRoot
            self.l1TxHash = l1TxHash
            self.l1BlockNumber = l1BlockNumber
            self.updatedAtMs = updatedAtMs
        }

        /// The wire form of what the store (or the pool) knows about a transaction.
        public init(_ t: StoredTransaction) {
            self.init(txId: t.id.bytes, status: TxStatus(t.status), rejectionReason: t.reason, batchNumber: t.batchNumber,
                      stateRoot: t.batchNumber == 0 || t.stateRoot == .zero ? [] : t.stateRoot.bytes,
                      updatedAtMs: t.updatedAtMs)
        }

        /// The wire form of a status event.
        public init(_ e: StatusEvent) {
            self.init(txId: e.id.bytes, status: TxStatus(e.status), rejectionReason: e.reason, batchNumber: e.batchNumber,
                      stateRoot: e.batchNumber == 0 || e.stateRoot == .zero ? [] : e.stateRoot.bytes, updatedAtMs: e.atMs)
        }

        static func cMessage() -> Settlement__V1__SettlementStatus {
            CMessage.make(Settlement__V1__SettlementStatus(), settlement__v1__settlement_status__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__SettlementStatus.self) { SettlementStatus($0.pointee) }
        }

        /// From an unpacked C struct (only valid while the struct is).
        init(_ m: Settlement__V1__SettlementStatus) {
            self.init(txId: ProtobufC.bytes(m.tx_id), status: TxStatus(wire: m.status),
                      rejectionReason: ProtobufC.string(m.rejection_reason), batchNumber: m.batch_number,
                      stateRoot: ProtobufC.bytes(m.state_root), l1TxHash: ProtobufC.bytes(m.l1_tx_hash),
                      l1BlockNumber: m.l1_block_number, updatedAtMs: m.updated_at_ms)
        }

        /// The C struct, its memory owned by `arena`.
        func cStruct(in arena: ProtobufCArena) -> Settlement__V1__SettlementStatus {
            var m = Self.cMessage()
            m.tx_id = arena.bytes(txId)
            m.status = status.wire
            m.rejection_reason = arena.string(rejectionReason)
            m.batch_number = batchNumber
            m.state_root = arena.bytes(stateRoot)
            m.l1_tx_hash = arena.bytes(l1TxHash)
            m.l1_block_number = l1BlockNumber
            m.updated_at_ms = updatedAtMs
            return m
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = cStruct(in: arena)
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.SubscribeStatusRequest`.
    public struct SubscribeStatusRequest: ProtoMessage, Hashable {
        /// Transaction ids to follow (32 bytes each); empty follows every batch.
        public var txIds: [[UInt8]]

        /// Creates a request.
        public init(txIds: [[UInt8]] = []) { self.txIds = txIds }

        static func cMessage() -> Settlement__V1__SubscribeStatusRequest {
            CMessage.make(Settlement__V1__SubscribeStatusRequest(), settlement__v1__subscribe_status_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__SubscribeStatusRequest.self) { p in
                SubscribeStatusRequest(txIds: ProtobufC.array(p.pointee.tx_ids, p.pointee.n_tx_ids, ProtobufC.bytes))
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.n_tx_ids = txIds.count
            m.tx_ids = arena.array(txIds.map { arena.bytes($0) })
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.StatusUpdate`: one change, of a transaction (`status`) or of a batch
    /// (`batch` and a batch-level `status`, in an every-batch subscription).
    public struct StatusUpdate: ProtoMessage, Hashable {
        /// The new status.
        public var status: SettlementStatus?
        /// The batch summary (every-batch subscriptions only).
        public var batch: Batch?

        /// Creates an update.
        public init(status: SettlementStatus? = nil, batch: Batch? = nil) {
            self.status = status
            self.batch = batch
        }

        static func cMessage() -> Settlement__V1__StatusUpdate {
            CMessage.make(Settlement__V1__StatusUpdate(), settlement__v1__status_update__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__StatusUpdate.self) { p in
                StatusUpdate(status: p.pointee.status.map { SettlementStatus($0.pointee) },
                             batch: p.pointee.batch.map { Batch($0.pointee) })
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            if let status { m.status = arena.message(status.cStruct(in: arena)) }
            if let batch { m.batch = arena.message(batch.cStruct(in: arena)) }
            return CMessage.pack(&m, keeping: arena)
        }
    }
}

// MARK: - Metrics

extension SettlementV1 {
    /// `settlement.v1.GetPerformanceMetricsRequest`.
    public struct GetPerformanceMetricsRequest: ProtoMessage, Hashable {
        /// Window in seconds; 0 asks for the server default.
        public var windowSeconds: UInt32

        /// Creates a request.
        public init(windowSeconds: UInt32 = 0) { self.windowSeconds = windowSeconds }

        static func cMessage() -> Settlement__V1__GetPerformanceMetricsRequest {
            CMessage.make(Settlement__V1__GetPerformanceMetricsRequest(), settlement__v1__get_performance_metrics_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__GetPerformanceMetricsRequest.self) { p in
                GetPerformanceMetricsRequest(windowSeconds: p.pointee.window_seconds)
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.window_seconds = windowSeconds
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.PerformanceMetrics`.
    public struct PerformanceMetrics: ProtoMessage, Hashable {
        /// The window used, seconds.
        public var windowSeconds: UInt32
        /// Sequenced transactions per second over the window.
        public var tps: Double
        /// Batch processing time percentiles, microseconds.
        public var batchProcessingP50Us: UInt64
        /// Batch processing time percentiles, microseconds.
        public var batchProcessingP99Us: UInt64
        /// Confirmation latency percentiles, milliseconds.
        public var confirmationLatencyP50Ms: UInt64
        /// Confirmation latency percentiles, milliseconds.
        public var confirmationLatencyP99Ms: UInt64
        /// Transactions admitted, not yet sequenced.
        public var pendingTransactions: UInt64
        /// Accounts in the state tree.
        public var stateAccounts: UInt64
        /// Approximate state size, bytes.
        public var stateSizeBytes: UInt64
        /// State growth over the window, bytes per second.
        public var stateGrowthBytesPerSecond: Double
        /// Batches committed since the engine started.
        public var batchesCommitted: UInt64
        /// When computed, unix milliseconds.
        public var computedAtMs: UInt64
        /// Transactions sequenced since the engine started.
        public var transactionsSequenced: UInt64
        /// Transactions rejected during execution since the engine started.
        public var transactionsRejected: UInt64

        /// Creates a message.
        public init(windowSeconds: UInt32 = 0, tps: Double = 0, batchProcessingP50Us: UInt64 = 0,
                    batchProcessingP99Us: UInt64 = 0, confirmationLatencyP50Ms: UInt64 = 0,
                    confirmationLatencyP99Ms: UInt64 = 0, pendingTransactions: UInt64 = 0, stateAccounts: UInt64 = 0,
                    stateSizeBytes: UInt64 = 0, stateGrowthBytesPerSecond: Double = 0, batchesCommitted: UInt64 = 0,
                    computedAtMs: UInt64 = 0, transactionsSequenced: UInt64 = 0, transactionsRejected: UInt64 = 0) {
            self.windowSeconds = windowSeconds
            self.tps = tps
            self.batchProcessingP50Us = batchProcessingP50Us
            self.batchProcessingP99Us = batchProcessingP99Us
            self.confirmationLatencyP50Ms = confirmationLatencyP50Ms
            self.confirmationLatencyP99Ms = confirmationLatencyP99Ms
            self.pendingTransactions = pendingTransactions
            self.stateAccounts = stateAccounts
            self.stateSizeBytes = stateSizeBytes
            self.stateGrowthBytesPerSecond = stateGrowthBytesPerSecond
            self.batchesCommitted = batchesCommitted
            self.computedAtMs = computedAtMs
            self.transactionsSequenced = transactionsSequenced
            self.transactionsRejected = transactionsRejected
        }

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

        static func cMessage() -> Settlement__V1__PerformanceMetrics {
            CMessage.make(Settlement__V1__PerformanceMetrics(), settlement__v1__performance_metrics__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__PerformanceMetrics.self) { p in
                let m = p.pointee
                return PerformanceMetrics(
                    windowSeconds: m.window_seconds, tps: m.tps, batchProcessingP50Us: m.batch_processing_p50_us,
                    batchProcessingP99Us: m.batch_processing_p99_us, confirmationLatencyP50Ms: m.confirmation_latency_p50_ms,
                    confirmationLatencyP99Ms: m.confirmation_latency_p99_ms, pendingTransactions: m.pending_transactions,
                    stateAccounts: m.state_accounts, stateSizeBytes: m.state_size_bytes,
                    stateGrowthBytesPerSecond: m.state_growth_bytes_per_second, batchesCommitted: m.batches_committed,
                    computedAtMs: m.computed_at_ms, transactionsSequenced: m.transactions_sequenced,
                    transactionsRejected: m.transactions_rejected)
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.window_seconds = windowSeconds
            m.tps = tps
            m.batch_processing_p50_us = batchProcessingP50Us
            m.batch_processing_p99_us = batchProcessingP99Us
            m.confirmation_latency_p50_ms = confirmationLatencyP50Ms
            m.confirmation_latency_p99_ms = confirmationLatencyP99Ms
            m.pending_transactions = pendingTransactions
            m.state_accounts = stateAccounts
            m.state_size_bytes = stateSizeBytes
            m.state_growth_bytes_per_second = stateGrowthBytesPerSecond
            m.batches_committed = batchesCommitted
            m.computed_at_ms = computedAtMs
            m.transactions_sequenced = transactionsSequenced
            m.transactions_rejected = transactionsRejected
            return CMessage.pack(&m, keeping: arena)
        }
    }
}

// MARK: - Batches

extension SettlementV1 {
    /// `settlement.v1.GetBatchRequest`.
    public struct GetBatchRequest: ProtoMessage, Hashable {
        /// The batch number (batches start at 1; 0 is the genesis allocation).
        public var batchNumber: UInt64

        /// Creates a request.
        public init(batchNumber: UInt64 = 0) { self.batchNumber = batchNumber }

        static func cMessage() -> Settlement__V1__GetBatchRequest {
            CMessage.make(Settlement__V1__GetBatchRequest(), settlement__v1__get_batch_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__GetBatchRequest.self) { p in
                GetBatchRequest(batchNumber: p.pointee.batch_number)
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.batch_number = batchNumber
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.Batch`: a batch summary.
    public struct Batch: ProtoMessage, Hashable {
        /// The batch number.
        public var batchNumber: UInt64
        /// State root before the batch (32 bytes).
        public var prevStateRoot: [UInt8]
        /// State root after the batch (32 bytes).
        public var newStateRoot: [UInt8]
        /// Transaction ids in execution order (32 bytes each).
        public var txIds: [[UInt8]]
        /// When the batch was sealed, unix milliseconds.
        public var createdAtMs: UInt64
        /// The batch's status.
        public var status: BatchStatus
        /// Hash of the L1 posting transaction (32 bytes); empty before POSTED.
        public var l1TxHash: [UInt8]

        /// Creates a batch summary.
        public init(batchNumber: UInt64 = 0, prevStateRoot: [UInt8] = [], newStateRoot: [UInt8] = [],
                    txIds: [[UInt8]] = [], createdAtMs: UInt64 = 0, status: BatchStatus = .unspecified,
                    l1TxHash: [UInt8] = []) {
            self.batchNumber = batchNumber
            self.prevStateRoot = prevStateRoot
            self.newStateRoot = newStateRoot
            self.txIds = txIds
            self.createdAtMs = createdAtMs
            self.status = status
            self.l1TxHash = l1TxHash
        }

        /// The wire form of a durable batch. The store records no L1 progress yet, so a stored batch
        /// is SEQUENCED (durable) until the finality engine tracks posting and confirmation.
        public init(_ b: StoredBatch, status: BatchStatus = .sequenced) {
            self.init(batchNumber: b.number, prevStateRoot: b.prevRoot.bytes, newStateRoot: b.newRoot.bytes,
                      txIds: b.transactionIds.map(\.bytes), createdAtMs: b.createdAtMs, status: status)
        }

        static func cMessage() -> Settlement__V1__Batch {
            CMessage.make(Settlement__V1__Batch(), settlement__v1__batch__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__Batch.self) { Batch($0.pointee) }
        }

        /// From an unpacked C struct (only valid while the struct is).
        init(_ m: Settlement__V1__Batch) {
            self.init(batchNumber: m.batch_number, prevStateRoot: ProtobufC.bytes(m.prev_state_root),
                      newStateRoot: ProtobufC.bytes(m.new_state_root),
                      txIds: ProtobufC.array(m.tx_ids, m.n_tx_ids, ProtobufC.bytes), createdAtMs: m.created_at_ms,
                      status: BatchStatus(wire: m.status), l1TxHash: ProtobufC.bytes(m.l1_tx_hash))
        }

        /// The C struct, its memory owned by `arena`.
        func cStruct(in arena: ProtobufCArena) -> Settlement__V1__Batch {
            var m = Self.cMessage()
            m.batch_number = batchNumber
            m.prev_state_root = arena.bytes(prevStateRoot)
            m.new_state_root = arena.bytes(newStateRoot)
            m.n_tx_ids = txIds.count
            m.tx_ids = arena.array(txIds.map { arena.bytes($0) })
            m.created_at_ms = createdAtMs
            m.status = status.wire
            m.l1_tx_hash = arena.bytes(l1TxHash)
            return m
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = cStruct(in: arena)
            return CMessage.pack(&m, keeping: arena)
        }
    }
}

// MARK: - Accounts

extension SettlementV1 {
    /// `settlement.v1.GetAccountRequest`.
    public struct GetAccountRequest: ProtoMessage, Hashable {
        /// Account address (20 bytes on a valid request).
        public var address: [UInt8]
        /// State root to answer against (32 bytes), or empty for the latest.
        public var stateRoot: [UInt8]

        /// Creates a request.
        public init(address: [UInt8] = [], stateRoot: [UInt8] = []) {
            self.address = address
            self.stateRoot = stateRoot
        }

        static func cMessage() -> Settlement__V1__GetAccountRequest {
            CMessage.make(Settlement__V1__GetAccountRequest(), settlement__v1__get_account_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__GetAccountRequest.self) { p in
                GetAccountRequest(address: ProtobufC.bytes(p.pointee.address), stateRoot: ProtobufC.bytes(p.pointee.state_root))
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.address = arena.bytes(address)
            m.state_root = arena.bytes(stateRoot)
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.Account`: an account with its Merkle proof against a state root.
    public struct Account: ProtoMessage, Hashable {
        /// Account address (20 bytes).
        public var address: [UInt8]
        /// Balance, big-endian uint256 (32 bytes).
        public var balance: [UInt8]
        /// The next nonce the account will use.
        public var nonce: UInt64
        /// The non-zero siblings of `proof`, root side first (compatibility field).
        public var proofSiblings: [[UInt8]]
        /// The state root the proof is against (32 bytes).
        public var stateRoot: [UInt8]
        /// The batch that produced `stateRoot`.
        public var batchNumber: UInt64
        /// The compact proof (`MerkleProof.serialized`).
        public var proof: [UInt8]
        /// Whether the account has a leaf.
        public var exists: Bool

        /// Creates a message.
        public init(address: [UInt8] = [], balance: [UInt8] = [], nonce: UInt64 = 0, proofSiblings: [[UInt8]] = [],
                    stateRoot: [UInt8] = [], batchNumber: UInt64 = 0, proof: [UInt8] = [], exists: Bool = false) {
            self.address = address
            self.balance = balance
            self.nonce = nonce
            self.proofSiblings = proofSiblings
            self.stateRoot = stateRoot
            self.batchNumber = batchNumber
            self.proof = proof
            self.exists = exists
        }

        /// The wire form of an account proof.
        public init(_ p: AccountProof) {
            self.init(address: p.address.bytes, balance: p.account.balance.bigEndianBytes, nonce: p.account.nonce,
                      proofSiblings: p.proof.siblings.filter { $0 != .zero }.map(\.bytes), stateRoot: p.root.bytes,
                      batchNumber: p.batch, proof: p.proof.serialized, exists: !p.account.isEmpty)
        }

        static func cMessage() -> Settlement__V1__Account {
            CMessage.make(Settlement__V1__Account(), settlement__v1__account__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__Account.self) { p in
                let m = p.pointee
                return Account(address: ProtobufC.bytes(m.address), balance: ProtobufC.bytes(m.balance), nonce: m.nonce,
                               proofSiblings: ProtobufC.array(m.proof_siblings, m.n_proof_siblings, ProtobufC.bytes),
                               stateRoot: ProtobufC.bytes(m.state_root), batchNumber: m.batch_number,
                               proof: ProtobufC.bytes(m.proof), exists: m.exists != 0)
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.address = arena.bytes(address)
            m.balance = arena.bytes(balance)
            m.nonce = nonce
            m.n_proof_siblings = proofSiblings.count
            m.proof_siblings = arena.array(proofSiblings.map { arena.bytes($0) })
            m.state_root = arena.bytes(stateRoot)
            m.batch_number = batchNumber
            m.proof = arena.bytes(proof)
            m.exists = exists ? 1 : 0
            return CMessage.pack(&m, keeping: arena)
        }
    }
}

// MARK: - Wire → domain validation

extension SettlementV1 {
    /// Strict checks of wire fields, throwing `RPCError(.invalidArgument, "field X must be N bytes,
    /// got M")`. Every length is checked before the bytes are used.
    public enum Validate {
        /// `bytes` unchanged when it has exactly `count` bytes.
        public static func exactly(_ count: Int, _ bytes: [UInt8], field: String) throws(RPCError) -> [UInt8] {
            guard bytes.count == count else {
                throw RPCError(.invalidArgument, "field \(field) must be \(count) bytes, got \(bytes.count)")
            }
            return bytes
        }

        /// A 20-byte address.
        public static func address(_ bytes: [UInt8], field: String) throws(RPCError) -> Address {
            Address(bytes: try exactly(20, bytes, field: field))!
        }

        /// A 32-byte big-endian uint256 (shorter encodings are refused: exactly 32 bytes).
        public static func uint256(_ bytes: [UInt8], field: String) throws(RPCError) -> UInt256 {
            UInt256(bigEndianBytes: try exactly(32, bytes, field: field))!
        }

        /// A 32-byte hash (tx id, state root).
        public static func digest(_ bytes: [UInt8], field: String) throws(RPCError) -> Digest32 {
            Digest32(bytes: try exactly(32, bytes, field: field))!
        }
    }
}

extension SettlementV1.SignedTransfer {
    /// The domain transfer, after checking every field's length: `from` and `to` 20 bytes,
    /// `value` and `fee` 32 bytes (big-endian, no shorter form), `signature` 65 bytes, `domain_salt`
    /// 32 bytes. The domain (chain id and salt) and the signature's validity are the engine's
    /// checks (a REJECTED receipt, not an error).
    /// - Parameter prefix: prepended to field names in messages (e.g. `"transfer."`).
    public func domainTransfer(fieldPrefix prefix: String = "") throws(RPCError) -> Settlement.SignedTransfer {
        let from = try SettlementV1.Validate.address(from, field: prefix + "from")
        let to = try SettlementV1.Validate.address(to, field: prefix + "to")
        let value = try SettlementV1.Validate.uint256(value, field: prefix + "value")
        let fee = try SettlementV1.Validate.uint256(fee, field: prefix + "fee")
        let signature = try SettlementV1.Validate.exactly(65, signature, field: prefix + "signature")
        let salt = try SettlementV1.Validate.digest(domainSalt, field: prefix + "domain_salt")
        return Settlement.SignedTransfer(transfer: Transfer(from: from, to: to, value: value, fee: fee, nonce: nonce),
                                         domain: SigningDomain(chainId: chainId, salt: salt), signature: signature)
    }
}
