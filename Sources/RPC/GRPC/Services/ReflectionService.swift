import CProtobufC
import CProtos

/// The gRPC server reflection service (`grpc.reflection.v1.ServerReflection` and the identical
/// `grpc.reflection.v1alpha.ServerReflection`), answering from a serialized
/// `google.protobuf.FileDescriptorSet` — by default the one embedded in CProtos by
/// Protos/generate.sh, which describes every file under Protos/ (and grpc.reflection.v1alpha).
///
/// It answers `list_services`, `file_by_filename`, `file_containing_symbol` (packages, messages,
/// nested messages, fields, enums, enum values, services and `package.Service.Method`),
/// `file_containing_extension` (NOT_FOUND: no extensions are defined) and
/// `all_extension_numbers_of_type` (an empty list for a known message type). File answers carry
/// the file first, then its transitive dependencies. Unknown names get an `error_response` with
/// NOT_FOUND (5).
public final class ReflectionService: RPCService {
    public typealias Request = ReflectionV1.ServerReflectionRequest
    public typealias Response = ReflectionV1.ServerReflectionResponse

    public static let v1ServiceName = ReflectionV1.ServerReflectionMethods.serviceName
    public static let v1alphaServiceName = "grpc.reflection.v1alpha.ServerReflection"
    /// `ServerReflectionInfo` of v1 and of v1alpha (same messages, another package).
    static let infoMethods = [
        ReflectionV1.ServerReflectionMethods.serverReflectionInfo,
        MethodDescriptor(service: v1alphaServiceName, method: ReflectionV1.ServerReflectionMethods.serverReflectionInfo.methodName,
                         kind: .bidirectionalStreaming),
    ]

    public var serviceName: String { Self.v1ServiceName }

    /// What `list_services` answers: the registered services plus both reflection services, sorted.
    public let serviceNames: [String]

    private let index: DescriptorIndex

    /// The descriptor set embedded in CProtos.
    public static var embeddedDescriptorSet: [UInt8] {
        guard let p = cprotos_descriptor_set_bytes() else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: Int(cprotos_descriptor_set_size())))
    }

    /// - Parameters:
    ///   - serviceNames: the fully-qualified names of the services the server registers; the two
    ///     reflection services are added.
    ///   - descriptorSet: a serialized `google.protobuf.FileDescriptorSet` holding those services'
    ///     files and their imports.
    public init(serviceNames: [String], descriptorSet: [UInt8] = ReflectionService.embeddedDescriptorSet)
        throws(ProtoDecodingError)
    {
        self.serviceNames = Set(serviceNames + [Self.v1ServiceName, Self.v1alphaServiceName]).sorted()
        self.index = try DescriptorIndex(descriptorSet: descriptorSet)
    }

    /// Lists the services that `services` route to (from their method paths) plus reflection itself.
    public convenience init(services: [any RPCService],
                            descriptorSet: [UInt8] = ReflectionService.embeddedDescriptorSet)
        throws(ProtoDecodingError)
    {
        var names: [String] = []
        for service in services {
            names.append(service.serviceName)
            for method in service.methods {
                if let name = method.path.split(separator: "/").first { names.append(String(name)) }
            }
        }
        try self.init(serviceNames: names, descriptorSet: descriptorSet)
    }

    public var methods: [RPCMethod] {
        Self.infoMethods.map { method in
            RPCMethod.bidirectionalStreaming(method) { requests, responses, _ in
                for try await request in requests {
                    try await responses.send(self.answer(request))
                }
            }
        }
    }

    /// The response to one request.
    public func answer(_ request: Request) -> Response {
        var response = Response(validHost: request.host, originalRequest: request)
        response.messageResponse = answer(request.messageRequest)
        return response
    }

    private func answer(_ request: Request.MessageRequest?) -> Response.MessageResponse {
        func notFound(_ what: String) -> Response.MessageResponse {
            .errorResponse(.init(errorCode: Int32(StatusCode.notFound.rawValue), errorMessage: what))
        }
        func files(_ files: [[UInt8]]) -> Response.MessageResponse {
            .fileDescriptorResponse(.init(fileDescriptorProto: files))
        }
        switch request {
        case nil:
            return .errorResponse(.init(errorCode: Int32(StatusCode.invalidArgument.rawValue),
                                        errorMessage: "no message_request set"))
        case .listServices:
            return .listServicesResponse(.init(service: serviceNames.map { .init(name: $0) }))
        case .fileByFilename(let name):
            guard let found = index.fileWithDependencies(name) else { return notFound("file not found: \(name)") }
            return files(found)
        case .fileContainingSymbol(let symbol):
            guard let file = index.file(containing: symbol), let found = index.fileWithDependencies(file) else {
                return notFound("symbol not found: \(symbol)")
            }
            return files(found)
        case .fileContainingExtension(let e):
            return notFound("extension not found: \(e.containingType) \(e.extensionNumber)")
        case .allExtensionNumbersOfType(let type):
            let name = DescriptorIndex.trimmed(type)
            guard index.messageTypes.contains(name) else { return notFound("type not found: \(type)") }
            return .allExtensionNumbersResponse(.init(baseTypeName: name))
        }
    }
}

/// Files and symbols of a FileDescriptorSet.
struct DescriptorIndex: Sendable {
    struct File: Sendable {
        /// The serialized FileDescriptorProto, exactly as in the set.
        var bytes: [UInt8]
        var dependencies: [String]
    }

    private(set) var files: [String: File] = [:]
    /// Fully-qualified symbol (no leading dot) → file name.
    private(set) var symbols: [String: String] = [:]
    /// Fully-qualified message type names.
    private(set) var messageTypes: Set<String> = []

    static func trimmed(_ symbol: String) -> String {
        symbol.hasPrefix(".") ? String(symbol.dropFirst()) : symbol
    }

    init(descriptorSet: [UInt8]) throws(ProtoDecodingError) {
        for bytes in try Self.fileProtos(in: descriptorSet) {
            try add(fileProto: bytes)
        }
    }

    /// The file defining `symbol`, if any.
    func file(containing symbol: String) -> String? {
        symbols[Self.trimmed(symbol)]
    }

    /// `name`'s serialized FileDescriptorProto followed by those of its transitive dependencies
    /// (each once); nil when the file is unknown. Unknown dependencies are skipped.
    func fileWithDependencies(_ name: String) -> [[UInt8]]? {
        guard files[name] != nil else { return nil }
        var result: [[UInt8]] = []
        var seen: Set<String> = []
        var queue = [name]
        while !queue.isEmpty {
            let next = queue.removeFirst()
            guard seen.insert(next).inserted, let file = files[next] else { continue }
            result.append(file.bytes)
            queue.append(contentsOf: file.dependencies)
        }
        return result
    }

    /// Splits a FileDescriptorSet (`repeated FileDescriptorProto file = 1`) into the exact bytes of
    /// each file.
    static func fileProtos(in set: [UInt8]) throws(ProtoDecodingError) -> [[UInt8]] {
        let error = ProtoDecodingError(messageName: "google.protobuf.FileDescriptorSet")
        var files: [[UInt8]] = []
        var i = 0
        func varint() throws(ProtoDecodingError) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard i < set.count, shift < 64 else { throw error }
                let b = set[i]
                i += 1
                value |= UInt64(b & 0x7f) << shift
                if b & 0x80 == 0 { return value }
                shift += 7
            }
        }
        while i < set.count {
            let key = try varint()
            let wireType = key & 7
            switch wireType {
            case 0: _ = try varint()
            case 1: i += 8
            case 5: i += 4
            case 2:
                let length = try varint()
                guard length <= UInt64(set.count - i) else { throw error }
                if key >> 3 == 1 { files.append(Array(set[i..<(i + Int(length))])) }
                i += Int(length)
            default: throw error
            }
            guard i <= set.count else { throw error }
        }
        return files
    }

    private mutating func add(fileProto bytes: [UInt8]) throws(ProtoDecodingError) {
        var zero = Google__Protobuf__FileDescriptorProto()
        google__protobuf__file_descriptor_proto__init(&zero)
        let descriptor = ProtobufC.descriptor(of: zero)
        let (name, dependencies, symbols, messages) = try ProtobufC.unpack(
            descriptor, bytes, as: Google__Protobuf__FileDescriptorProto.self
        ) { p in
            let f = p.pointee
            let package = ProtobufC.string(f.package)
            var collector = SymbolCollector()
            if !package.isEmpty { collector.add(package) }
            let prefix = package.isEmpty ? "" : package + "."
            for m in Self.pointers(f.message_type, f.n_message_type) { collector.addMessage(m, scope: prefix) }
            for e in Self.pointers(f.enum_type, f.n_enum_type) { collector.addEnum(e, scope: prefix) }
            for s in Self.pointers(f.service, f.n_service) {
                let service = prefix + ProtobufC.string(s.pointee.name)
                collector.add(service)
                for m in Self.pointers(s.pointee.method, s.pointee.n_method) {
                    collector.add(service + "." + ProtobufC.string(m.pointee.name))
                }
            }
            for x in Self.pointers(f.extension, f.n_extension) {
                collector.add(prefix + ProtobufC.string(x.pointee.name))
            }
            let dependencies = ProtobufC.array(f.dependency, f.n_dependency) { ProtobufC.string($0) }
            return (ProtobufC.string(f.name), dependencies, collector.symbols, collector.messages)
        }
        files[name] = File(bytes: bytes, dependencies: dependencies)
        for symbol in symbols where self.symbols[symbol] == nil { self.symbols[symbol] = name }
        messageTypes.formUnion(messages)
    }

    /// The non-NULL elements of a protobuf-c repeated message field.
    static func pointers<T>(_ p: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?, _ n: Int) -> [UnsafeMutablePointer<T>] {
        ProtobufC.array(p, n) { $0 }.compactMap { $0 }
    }
}

/// Walks message and enum descriptors collecting fully-qualified names.
private struct SymbolCollector {
    var symbols: [String] = []
    var messages: [String] = []

    mutating func add(_ symbol: String) { symbols.append(symbol) }

    mutating func addMessage(_ m: UnsafeMutablePointer<Google__Protobuf__DescriptorProto>, scope: String) {
        let name = scope + ProtobufC.string(m.pointee.name)
        add(name)
        messages.append(name)
        let inner = name + "."
        for f in DescriptorIndex.pointers(m.pointee.field, m.pointee.n_field) {
            add(inner + ProtobufC.string(f.pointee.name))
        }
        for o in DescriptorIndex.pointers(m.pointee.oneof_decl, m.pointee.n_oneof_decl) {
            add(inner + ProtobufC.string(o.pointee.name))
        }
        for x in DescriptorIndex.pointers(m.pointee.extension, m.pointee.n_extension) {
            add(inner + ProtobufC.string(x.pointee.name))
        }
        for n in DescriptorIndex.pointers(m.pointee.nested_type, m.pointee.n_nested_type) {
            addMessage(n, scope: inner)
        }
        for e in DescriptorIndex.pointers(m.pointee.enum_type, m.pointee.n_enum_type) {
            addEnum(e, scope: inner)
        }
    }

    /// An enum and its values (which protobuf scopes as siblings of the enum).
    mutating func addEnum(_ e: UnsafeMutablePointer<Google__Protobuf__EnumDescriptorProto>, scope: String) {
        add(scope + ProtobufC.string(e.pointee.name))
        for v in DescriptorIndex.pointers(e.pointee.value, e.pointee.n_value) {
            add(scope + ProtobufC.string(v.pointee.name))
        }
    }
}
