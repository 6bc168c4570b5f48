import CProtobufC
import CProtos
import Settlement

// settlement.v1.Validator messages for deposits and L1 reorg injection
// (Protos/settlement/v1/validator.proto): Swift values over the protobuf-c structs.
extension SettlementV1 {
    /// `settlement.v1.DepositRequest`: deposit `amount` on L1 from `from` for `recipient` on L2.
    public struct DepositRequest: ProtoMessage, Hashable {
        /// The paying L1 account (20 bytes).
        public var from: [UInt8]
        /// The credited L2 account (20 bytes).
        public var recipient: [UInt8]
        /// 32 bytes, big-endian.
        public var amount: [UInt8]

        /// Creates a request (nothing is checked).
        public init(from: [UInt8] = [], recipient: [UInt8] = [], amount: [UInt8] = []) {
            self.from = from
            self.recipient = recipient
            self.amount = amount
        }

        static func cMessage() -> Settlement__V1__DepositRequest {
            CMessage.make(Settlement__V1__DepositRequest(), settlement__v1__deposit_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes, as: Settlement__V1__DepositRequest.self) { p in
                let m = p.pointee
                return DepositRequest(from: ProtobufC.bytes(m.from), recipient: ProtobufC.bytes(m.recipient),
                                      amount: ProtobufC.bytes(m.amount))
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.from = arena.bytes(from)
            m.recipient = arena.bytes(recipient)
            m.amount = arena.bytes(amount)
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.DepositResult`: the L1 deposit and the L2 transaction that will credit it.
    public struct DepositResult: ProtoMessage, Hashable {
        /// The L1 transaction hash (32 bytes).
        public var l1TxHash: [UInt8]
        /// The including block; 0 when not included yet.
        public var l1BlockNumber: UInt64
        /// The arbiter's events, one line each.
        public var events: [String]
        /// The arbiter's deposit id (meaningful when `l2TxId` is set).
        public var depositId: UInt64
        /// The crediting L2 transaction's id (32 bytes); empty when not included yet.
        public var l2TxId: [UInt8]
        /// Blocks deep the deposit's block must be before the L2 credits it.
        public var confirmationDepth: UInt32

        /// Creates a result.
        public init(l1TxHash: [UInt8] = [], l1BlockNumber: UInt64 = 0, events: [String] = [], depositId: UInt64 = 0,
                    l2TxId: [UInt8] = [], confirmationDepth: UInt32 = 0) {
            self.l1TxHash = l1TxHash
            self.l1BlockNumber = l1BlockNumber
            self.events = events
            self.depositId = depositId
            self.l2TxId = l2TxId
            self.confirmationDepth = confirmationDepth
        }

        static func cMessage() -> Settlement__V1__DepositResult {
            CMessage.make(Settlement__V1__DepositResult(), settlement__v1__deposit_result__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes, as: Settlement__V1__DepositResult.self) { p in
                let m = p.pointee
                return DepositResult(l1TxHash: ProtobufC.bytes(m.l1_tx_hash), l1BlockNumber: m.l1_block_number,
                                     events: ProtobufC.array(m.events, m.n_events, ProtobufC.string), depositId: m.deposit_id,
                                     l2TxId: ProtobufC.bytes(m.l2_tx_id), confirmationDepth: m.confirmation_depth)
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.l1_tx_hash = arena.bytes(l1TxHash)
            m.l1_block_number = l1BlockNumber
            m.n_events = events.count
            m.events = arena.array(events.map { Optional(arena.string($0)) })
            m.deposit_id = depositId
            m.l2_tx_id = arena.bytes(l2TxId)
            m.confirmation_depth = confirmationDepth
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.InjectL1ReorgRequest` (test and demo only).
    public struct InjectL1ReorgRequest: ProtoMessage, Hashable {
        /// Newest canonical blocks replaced.
        public var depth: UInt32
        /// Whether the dropped blocks' transactions vanish instead of returning to the mempool.
        public var dropTransactions: Bool
        /// Extra empty blocks on the new branch.
        public var extraBlocks: UInt32

        /// Creates a request (nothing is checked).
        public init(depth: UInt32 = 0, dropTransactions: Bool = false, extraBlocks: UInt32 = 0) {
            self.depth = depth
            self.dropTransactions = dropTransactions
            self.extraBlocks = extraBlocks
        }

        static func cMessage() -> Settlement__V1__InjectL1ReorgRequest {
            CMessage.make(Settlement__V1__InjectL1ReorgRequest(), settlement__v1__inject_l1_reorg_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__InjectL1ReorgRequest.self) { p in
                let m = p.pointee
                return InjectL1ReorgRequest(depth: m.depth, dropTransactions: m.drop_transactions != 0, extraBlocks: m.extra_blocks)
            }
        }

        public func protobufBytes() -> [UInt8] {
            var m = Self.cMessage()
            m.depth = depth
            m.drop_transactions = dropTransactions ? 1 : 0
            m.extra_blocks = extraBlocks
            return CMessage.pack(&m, keeping: ProtobufCArena())
        }
    }

    /// `settlement.v1.InjectL1ReorgResult`: the new L1 head.
    public struct InjectL1ReorgResult: ProtoMessage, Hashable {
        public var l1BlockNumber: UInt64
        /// 32 bytes.
        public var l1BlockHash: [UInt8]

        /// Creates a result.
        public init(l1BlockNumber: UInt64 = 0, l1BlockHash: [UInt8] = []) {
            self.l1BlockNumber = l1BlockNumber
            self.l1BlockHash = l1BlockHash
        }

        static func cMessage() -> Settlement__V1__InjectL1ReorgResult {
            CMessage.make(Settlement__V1__InjectL1ReorgResult(), settlement__v1__inject_l1_reorg_result__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__InjectL1ReorgResult.self) { p in
                InjectL1ReorgResult(l1BlockNumber: p.pointee.l1_block_number, l1BlockHash: ProtobufC.bytes(p.pointee.l1_block_hash))
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.l1_block_number = l1BlockNumber
            m.l1_block_hash = arena.bytes(l1BlockHash)
            return CMessage.pack(&m, keeping: arena)
        }
    }
}
