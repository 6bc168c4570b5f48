import RPC

/// The reflection messages (their oneofs are not in the generated sample list).
let reflectionSamples: [WireSample] = [
    WireSample("grpc.reflection.v1.ServerReflectionRequest (file_containing_extension)", ServerReflectionRequest(
        host: "host-1 ✓", messageRequest: .fileContainingExtension(containingType: "pkg.Type", extensionNumber: -123_456))),
    WireSample("grpc.reflection.v1.ServerReflectionRequest (list_services)", ServerReflectionRequest(
        host: "h", messageRequest: .listServices("*"))),
    WireSample("grpc.reflection.v1.ServerReflectionResponse (file_descriptor_response)", ServerReflectionResponse(
        validHost: "valid-host", originalRequest: ServerReflectionRequest(host: "h", messageRequest: .fileByFilename("a/b.proto")),
        messageResponse: .fileDescriptorResponse(fileDescriptorProtos: [[0x0a, 0x03, 0x61, 0x62, 0x63], [0x12, 0x00]]))),
    WireSample("grpc.reflection.v1.ServerReflectionResponse (all_extension_numbers_response)", ServerReflectionResponse(
        validHost: "v", originalRequest: ServerReflectionRequest(messageRequest: .allExtensionNumbersOfType("pkg.M")),
        messageResponse: .allExtensionNumbersResponse(baseTypeName: "pkg.M", extensionNumbers: [100, -2, 70_000]))),
    WireSample("grpc.reflection.v1.ServerReflectionResponse (list_services_response)", ServerReflectionResponse(
        validHost: "v", originalRequest: ServerReflectionRequest(messageRequest: .fileContainingSymbol("pkg.S")),
        messageResponse: .listServicesResponse(serviceNames: ["a.B", "c.D"]))),
    WireSample("grpc.reflection.v1.ServerReflectionResponse (error_response, original_request absent)",
               ServerReflectionResponse(validHost: "v", messageResponse: .errorResponse(errorCode: 5, errorMessage: "not found"))),
]
