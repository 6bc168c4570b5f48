import CProtobufC
import CProtos
import Settlement

// settlement.v1.Validator message for the forced-inclusion inbox
// (Protos/settlement/v1/validator.proto): a Swift value over the protobuf-c struct.
extension SettlementV1 {
    /// `settlement.v1.SubmitToInboxRequest`: put `transfer` in the L1 inbox, sent as `from`.
    public struct SubmitToInboxRequest: ProtoMessage, Hashable {
        /// The L1 account that sends the inbox transaction (20 bytes).
        public var from: [UInt8]
        /// The forced transfer, signed by its own `from`; nil when the field is absent.
        public var transfer: SignedTransfer?

        /// Creates a request (nothing is checked).
        public init(from: [UInt8] = [], transfer: SignedTransfer? = nil) {
            self.from = from
            self.transfer = transfer
        }

        static func cMessage() -> Settlement__V1__SubmitToInboxRequest {
            CMessage.make(Settlement__V1__SubmitToInboxRequest(), settlement__v1__submit_to_inbox_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__SubmitToInboxRequest.self) { p in
                SubmitToInboxRequest(from: ProtobufC.bytes(p.pointee.from), transfer: p.pointee.transfer.map { SignedTransfer($0.pointee) })
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.from = arena.bytes(from)
            if let transfer { m.transfer = arena.message(transfer.cStruct(in: arena)) }
            return CMessage.pack(&m, keeping: arena)
        }
    }
}
