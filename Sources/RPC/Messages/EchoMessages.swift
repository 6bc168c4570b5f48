import CProtobufC
import CProtos

// rpctest.v1 messages (Protos/rpctest/v1/echo.proto): the RPC layer's test service.

/// `rpctest.v1.EchoRequest`.
public struct EchoRequest: ProtoMessage, Hashable {
    public var text: String
    /// Opaque bytes, echoed back unless `responseSize` is set.
    public var payload: [UInt8]
    /// Expand: repeat the words this many times (0 or 1: once).
    public var responseCount: UInt32
    /// If > 0, every response carries a payload of exactly this many bytes.
    public var responseSize: UInt32
    /// If nonzero, the call fails with this gRPC status code and "requested failure".
    public var failWithCode: Int32
    /// Milliseconds to sleep before answering.
    public var delayMs: UInt32

    public init(text: String = "", payload: [UInt8] = [], responseCount: UInt32 = 0, responseSize: UInt32 = 0,
                failWithCode: Int32 = 0, delayMs: UInt32 = 0) {
        self.text = text
        self.payload = payload
        self.responseCount = responseCount
        self.responseSize = responseSize
        self.failWithCode = failWithCode
        self.delayMs = delayMs
    }

    private static func cMessage() -> Rpctest__V1__EchoRequest {
        CMessage.make(Rpctest__V1__EchoRequest(), rpctest__v1__echo_request__init)
    }

    public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
        self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                    as: Rpctest__V1__EchoRequest.self) { p in
            let m = p.pointee
            return EchoRequest(text: ProtobufC.string(m.text), payload: ProtobufC.bytes(m.payload),
                               responseCount: m.response_count, responseSize: m.response_size,
                               failWithCode: m.fail_with_code, delayMs: m.delay_ms)
        }
    }

    public func protobufBytes() -> [UInt8] {
        let arena = ProtobufCArena()
        var m = Self.cMessage()
        m.text = arena.string(text)
        m.payload = arena.bytes(payload)
        m.response_count = responseCount
        m.response_size = responseSize
        m.fail_with_code = failWithCode
        m.delay_ms = delayMs
        return CMessage.pack(&m, keeping: arena)
    }
}

/// `rpctest.v1.EchoResponse`.
public struct EchoResponse: ProtoMessage, Hashable {
    public var text: String
    public var payload: [UInt8]

    public init(text: String = "", payload: [UInt8] = []) {
        self.text = text
        self.payload = payload
    }

    private static func cMessage() -> Rpctest__V1__EchoResponse {
        CMessage.make(Rpctest__V1__EchoResponse(), rpctest__v1__echo_response__init)
    }

    public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
        self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                    as: Rpctest__V1__EchoResponse.self) { p in
            EchoResponse(text: ProtobufC.string(p.pointee.text), payload: ProtobufC.bytes(p.pointee.payload))
        }
    }

    public func protobufBytes() -> [UInt8] {
        let arena = ProtobufCArena()
        var m = Self.cMessage()
        m.text = arena.string(text)
        m.payload = arena.bytes(payload)
        return CMessage.pack(&m, keeping: arena)
    }
}
