import GRPC

/// The reflection messages, one per case of their oneofs (the generated sample list sets only one
/// case per oneof).
let reflectionSamples: [WireSample] = {
    typealias Request = ReflectionV1.ServerReflectionRequest
    typealias Response = ReflectionV1.ServerReflectionResponse
    return [
        WireSample("grpc.reflection.v1.ServerReflectionRequest (file_containing_extension)", Request(
            host: "host-1 ✓",
            messageRequest: .fileContainingExtension(.init(containingType: "pkg.Type", extensionNumber: -123_456)))),
        WireSample("grpc.reflection.v1.ServerReflectionRequest (list_services)", Request(
            host: "h", messageRequest: .listServices("*"))),
        WireSample("grpc.reflection.v1.ServerReflectionResponse (file_descriptor_response)", Response(
            validHost: "valid-host", originalRequest: Request(host: "h", messageRequest: .fileByFilename("a/b.proto")),
            messageResponse: .fileDescriptorResponse(.init(fileDescriptorProto: [[0x0a, 0x03, 0x61, 0x62, 0x63], [0x12, 0x00]])))),
        WireSample("grpc.reflection.v1.ServerReflectionResponse (all_extension_numbers_response)", Response(
            validHost: "v", originalRequest: Request(messageRequest: .allExtensionNumbersOfType("pkg.M")),
            messageResponse: .allExtensionNumbersResponse(.init(baseTypeName: "pkg.M", extensionNumber: [100, -2, 70_000])))),
        WireSample("grpc.reflection.v1.ServerReflectionResponse (list_services_response)", Response(
            validHost: "v", originalRequest: Request(messageRequest: .fileContainingSymbol("pkg.S")),
            messageResponse: .listServicesResponse(.init(service: [.init(name: "a.B"), .init(name: "c.D")])))),
        WireSample("grpc.reflection.v1.ServerReflectionResponse (error_response, original_request absent)",
                   Response(validHost: "v", messageResponse: .errorResponse(.init(errorCode: 5, errorMessage: "not found")))),
    ]
}()
