import CProtobufC
import CProtos

// grpc.health.v1 messages (Protos/grpc/health/v1/health.proto).

/// `grpc.health.v1.HealthCheckRequest`.
public struct HealthCheckRequest: ProtoMessage, Hashable {
    /// The service to check (`package.Service`); empty asks about the whole server.
    public var service: String

    public init(service: String = "") {
        self.service = service
    }

    private static func cMessage() -> Grpc__Health__V1__HealthCheckRequest {
        CMessage.make(Grpc__Health__V1__HealthCheckRequest(), grpc__health__v1__health_check_request__init)
    }

    public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
        self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                    as: Grpc__Health__V1__HealthCheckRequest.self) { m in
            HealthCheckRequest(service: ProtobufC.string(m.pointee.service))
        }
    }

    public func protobufBytes() -> [UInt8] {
        let arena = ProtobufCArena()
        var m = Self.cMessage()
        m.service = arena.string(service)
        return CMessage.pack(&m, keeping: arena)
    }
}

/// `grpc.health.v1.HealthCheckResponse`.
public struct HealthCheckResponse: ProtoMessage, Hashable {
    /// `grpc.health.v1.HealthCheckResponse.ServingStatus`.
    public enum ServingStatus: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case unknown = 0
        case serving = 1
        case notServing = 2
        /// Only sent by Watch, for a service the server does not know.
        case serviceUnknown = 3

        public var description: String {
            switch self {
            case .unknown: "UNKNOWN"
            case .serving: "SERVING"
            case .notServing: "NOT_SERVING"
            case .serviceUnknown: "SERVICE_UNKNOWN"
            }
        }
    }

    /// Unrecognised wire values decode as `.unknown`.
    public var status: ServingStatus

    public init(status: ServingStatus = .unknown) {
        self.status = status
    }

    private static func cMessage() -> Grpc__Health__V1__HealthCheckResponse {
        CMessage.make(Grpc__Health__V1__HealthCheckResponse(), grpc__health__v1__health_check_response__init)
    }

    public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
        self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                    as: Grpc__Health__V1__HealthCheckResponse.self) { m in
            HealthCheckResponse(status: ServingStatus(rawValue: CMessage.wireValue(m.pointee.status)) ?? .unknown)
        }
    }

    public func protobufBytes() -> [UInt8] {
        let arena = ProtobufCArena()
        var m = Self.cMessage()
        m.status = CMessage.enumValue(status.rawValue, as: Grpc__Health__V1__HealthCheckResponse__ServingStatus.self)
        return CMessage.pack(&m, keeping: arena)
    }
}
