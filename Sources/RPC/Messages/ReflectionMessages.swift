import CProtobufC
import CProtos

// grpc.reflection.v1 messages (Protos/grpc/reflection/v1/reflection.proto). grpc.reflection.v1alpha
// has the same wire format, so these types serve both.

/// `grpc.reflection.v1.ServerReflectionRequest`.
public struct ServerReflectionRequest: ProtoMessage, Hashable {
    /// The `message_request` oneof.
    public enum MessageRequest: Sendable, Hashable {
        /// A file by the name it is imported by, e.g. `grpc/health/v1/health.proto`.
        case fileByFilename(String)
        /// The file defining a fully-qualified symbol.
        case fileContainingSymbol(String)
        /// The file defining extension `extensionNumber` of message type `containingType`.
        case fileContainingExtension(containingType: String, extensionNumber: Int32)
        /// All extension numbers of a fully-qualified message type.
        case allExtensionNumbersOfType(String)
        /// The names of all services (the string's content is ignored by servers).
        case listServices(String)
    }

    public var host: String
    /// `nil` when no case of the oneof is set.
    public var messageRequest: MessageRequest?

    public init(host: String = "", messageRequest: MessageRequest? = nil) {
        self.host = host
        self.messageRequest = messageRequest
    }

    static func cMessage() -> Grpc__Reflection__V1__ServerReflectionRequest {
        CMessage.make(Grpc__Reflection__V1__ServerReflectionRequest(),
                      grpc__reflection__v1__server_reflection_request__init)
    }

    public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
        self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                    as: Grpc__Reflection__V1__ServerReflectionRequest.self) { p throws(ProtoDecodingError) in
            try ServerReflectionRequest(p.pointee)
        }
    }

    /// From an unpacked C struct (only valid while the struct is).
    init(_ m: Grpc__Reflection__V1__ServerReflectionRequest) throws(ProtoDecodingError) {
        host = ProtobufC.string(m.host)
        switch m.message_request_case {
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST__NOT_SET:
            messageRequest = nil
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME:
            messageRequest = .fileByFilename(ProtobufC.string(m.file_by_filename))
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL:
            messageRequest = .fileContainingSymbol(ProtobufC.string(m.file_containing_symbol))
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION:
            if let e = m.file_containing_extension {
                messageRequest = .fileContainingExtension(containingType: ProtobufC.string(e.pointee.containing_type),
                                                          extensionNumber: e.pointee.extension_number)
            } else {
                messageRequest = .fileContainingExtension(containingType: "", extensionNumber: 0)
            }
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE:
            messageRequest = .allExtensionNumbersOfType(ProtobufC.string(m.all_extension_numbers_of_type))
        case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES:
            messageRequest = .listServices(ProtobufC.string(m.list_services))
        default:
            throw ProtoDecodingError(messageName: "grpc.reflection.v1.ServerReflectionRequest",
                                     reason: "unknown message_request case")
        }
    }

    /// The C struct, its memory owned by `arena`.
    func cStruct(in arena: ProtobufCArena) -> Grpc__Reflection__V1__ServerReflectionRequest {
        var m = Self.cMessage()
        m.host = arena.string(host)
        switch messageRequest {
        case nil:
            m.message_request_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST__NOT_SET
        case .fileByFilename(let s):
            m.message_request_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME
            m.file_by_filename = arena.string(s)
        case .fileContainingSymbol(let s):
            m.message_request_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL
            m.file_containing_symbol = arena.string(s)
        case .fileContainingExtension(let containingType, let extensionNumber):
            var e = CMessage.make(Grpc__Reflection__V1__ExtensionRequest(), grpc__reflection__v1__extension_request__init)
            e.containing_type = arena.string(containingType)
            e.extension_number = extensionNumber
            m.message_request_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION
            m.file_containing_extension = arena.message(e)
        case .allExtensionNumbersOfType(let s):
            m.message_request_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE
            m.all_extension_numbers_of_type = arena.string(s)
        case .listServices(let s):
            m.message_request_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES
            m.list_services = arena.string(s)
        }
        return m
    }

    public func protobufBytes() -> [UInt8] {
        let arena = ProtobufCArena()
        var m = cStruct(in: arena)
        return CMessage.pack(&m, keeping: arena)
    }
}

/// `grpc.reflection.v1.ServerReflectionResponse`.
public struct ServerReflectionResponse: ProtoMessage, Hashable {
    /// The `message_response` oneof.
    public enum MessageResponse: Sendable, Hashable {
        /// `FileDescriptorResponse`: serialized `google.protobuf.FileDescriptorProto`s.
        case fileDescriptorResponse(fileDescriptorProtos: [[UInt8]])
        /// `ExtensionNumberResponse`.
        case allExtensionNumbersResponse(baseTypeName: String, extensionNumbers: [Int32])
        /// `ListServiceResponse`: fully-qualified service names.
        case listServicesResponse(serviceNames: [String])
        /// `ErrorResponse`: a gRPC status code and a message.
        case errorResponse(errorCode: Int32, errorMessage: String)
    }

    public var validHost: String
    /// The request this answers; `nil` when absent on the wire.
    public var originalRequest: ServerReflectionRequest?
    /// `nil` when no case of the oneof is set.
    public var messageResponse: MessageResponse?

    public init(validHost: String = "", originalRequest: ServerReflectionRequest? = nil,
                messageResponse: MessageResponse? = nil) {
        self.validHost = validHost
        self.originalRequest = originalRequest
        self.messageResponse = messageResponse
    }

    private static let name = "grpc.reflection.v1.ServerReflectionResponse"

    private static func cMessage() -> Grpc__Reflection__V1__ServerReflectionResponse {
        CMessage.make(Grpc__Reflection__V1__ServerReflectionResponse(),
                      grpc__reflection__v1__server_reflection_response__init)
    }

    public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
        self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                    as: Grpc__Reflection__V1__ServerReflectionResponse.self) { p throws(ProtoDecodingError) in
            let m = p.pointee
            var r = ServerReflectionResponse(validHost: ProtobufC.string(m.valid_host))
            if let req = m.original_request {
                r.originalRequest = try ServerReflectionRequest(req.pointee)
            }
            switch m.message_response_case {
            case GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE__NOT_SET:
                r.messageResponse = nil
            case GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE:
                let files = m.file_descriptor_response.map {
                    ProtobufC.array($0.pointee.file_descriptor_proto, $0.pointee.n_file_descriptor_proto, ProtobufC.bytes)
                } ?? []
                r.messageResponse = .fileDescriptorResponse(fileDescriptorProtos: files)
            case GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ALL_EXTENSION_NUMBERS_RESPONSE:
                let e = m.all_extension_numbers_response
                r.messageResponse = .allExtensionNumbersResponse(
                    baseTypeName: ProtobufC.string(e?.pointee.base_type_name),
                    extensionNumbers: e.map { ProtobufC.array($0.pointee.extension_number, $0.pointee.n_extension_number) { $0 } } ?? [])
            case GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE:
                let names = m.list_services_response.map {
                    ProtobufC.array($0.pointee.service, $0.pointee.n_service) { ProtobufC.string($0?.pointee.name) }
                } ?? []
                r.messageResponse = .listServicesResponse(serviceNames: names)
            case GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE:
                let e = m.error_response
                r.messageResponse = .errorResponse(errorCode: e?.pointee.error_code ?? 0,
                                                   errorMessage: ProtobufC.string(e?.pointee.error_message))
            default:
                throw ProtoDecodingError(messageName: Self.name, reason: "unknown message_response case")
            }
            return r
        }
    }

    public func protobufBytes() -> [UInt8] {
        let arena = ProtobufCArena()
        var m = Self.cMessage()
        m.valid_host = arena.string(validHost)
        if let originalRequest {
            m.original_request = arena.message(originalRequest.cStruct(in: arena))
        }
        switch messageResponse {
        case nil:
            m.message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE__NOT_SET
        case .fileDescriptorResponse(let files):
            var f = CMessage.make(Grpc__Reflection__V1__FileDescriptorResponse(),
                                  grpc__reflection__v1__file_descriptor_response__init)
            f.n_file_descriptor_proto = files.count
            f.file_descriptor_proto = arena.array(files.map { arena.bytes($0) })
            m.message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE
            m.file_descriptor_response = arena.message(f)
        case .allExtensionNumbersResponse(let baseTypeName, let numbers):
            var e = CMessage.make(Grpc__Reflection__V1__ExtensionNumberResponse(),
                                  grpc__reflection__v1__extension_number_response__init)
            e.base_type_name = arena.string(baseTypeName)
            e.n_extension_number = numbers.count
            e.extension_number = arena.array(numbers)
            m.message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ALL_EXTENSION_NUMBERS_RESPONSE
            m.all_extension_numbers_response = arena.message(e)
        case .listServicesResponse(let names):
            let services: [UnsafeMutablePointer<Grpc__Reflection__V1__ServiceResponse>?] = names.map { name in
                var s = CMessage.make(Grpc__Reflection__V1__ServiceResponse(), grpc__reflection__v1__service_response__init)
                s.name = arena.string(name)
                return arena.message(s)
            }
            var l = CMessage.make(Grpc__Reflection__V1__ListServiceResponse(),
                                  grpc__reflection__v1__list_service_response__init)
            l.n_service = services.count
            l.service = arena.array(services)
            m.message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE
            m.list_services_response = arena.message(l)
        case .errorResponse(let code, let message):
            var e = CMessage.make(Grpc__Reflection__V1__ErrorResponse(), grpc__reflection__v1__error_response__init)
            e.error_code = code
            e.error_message = arena.string(message)
            m.message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE
            m.error_response = arena.message(e)
        }
        return CMessage.pack(&m, keeping: arena)
    }
}
