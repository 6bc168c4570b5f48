/// A method of a gRPC service as the code generator describes it: its path, its call kind and
/// (as type parameters) its request and response messages. Servers register handlers and clients
/// make calls with these instead of path strings, so a handler or call with the wrong message
/// types or call kind does not compile or fails at registration.
public struct MethodDescriptor<Request: ProtoMessage, Response: ProtoMessage>: Sendable, Hashable {
    /// `package.Service`, as in the `.proto` file.
    public let serviceName: String
    /// The method's name, as in the `.proto` file.
    public let methodName: String
    /// The call kind (from the `stream` keywords of the `.proto` file).
    public let kind: CallKind

    /// A method of `service`.
    public init(service: String, method: String, kind: CallKind) {
        serviceName = service
        methodName = method
        self.kind = kind
    }

    /// `/package.Service/Method`: the HTTP/2 `:path` of its calls.
    public var path: String { "/\(serviceName)/\(methodName)" }

    /// `package.Service/Method`, for messages.
    public var fullName: String { "\(serviceName)/\(methodName)" }
}
