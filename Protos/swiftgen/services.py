"""Swift for protobuf services: typed method descriptors and a typed client."""
from descriptors import camel, swift_ident

KIND = {(False, False): "unary", (False, True): "serverStreaming", (True, False): "clientStreaming",
        (True, True): "bidirectionalStreaming"}


def gen_service(ctx, w, s, source_path):
    full = ctx.full_name([s["name"]])
    methods = s["method"]
    w.raw(ctx.doc(source_path, "`%s`." % full, "    "))
    w(1, "/// The methods of `%s`: their paths, kinds and message types." % full)
    w(1, "public enum %sMethods {" % s["name"])
    w(2, "/// `%s`." % full)
    w(2, 'public static let serviceName = "%s"' % full)
    for k, meth in enumerate(methods):
        w(0)
        w.raw(ctx.doc(source_path + [2, k], "`%s/%s`." % (full, meth["name"]), "        "))
        kind = KIND[(bool(meth.get("client_streaming")), bool(meth.get("server_streaming")))]
        w(2, "public static let %s = MethodDescriptor<%s, %s>(" % (
            swift_ident(camel(meth["name"])), ctx.swift_type_name(meth["input_type"]),
            ctx.swift_type_name(meth["output_type"])))
        w(3, 'service: serviceName, method: "%s", kind: .%s)' % (meth["name"], kind))
    w(0)
    w(2, "/// Every method's path, in the order of the `.proto` file.")
    w(2, "public static let paths: [String] = [")
    for meth in methods:
        w(3, "%s.path," % swift_ident(camel(meth["name"])))
    w(2, "]")
    w(1, "}")
    w(0)
    w(1, "/// A typed client of `%s`: one method per RPC over an `RPCClient` connection." % full)
    w(1, "public struct %sClient: Sendable {" % s["name"])
    w(2, "/// The connection the calls go on.")
    w(2, "public let connection: RPCClient")
    w(0)
    w(2, "/// Calls `%s` on `connection`." % full)
    w(2, "public init(_ connection: RPCClient) { self.connection = connection }")
    for k, meth in enumerate(methods):
        w(0)
        w.raw(ctx.doc(source_path + [2, k], "`%s/%s`." % (full, meth["name"]), "        "))
        name = swift_ident(camel(meth["name"]))
        req = ctx.swift_type_name(meth["input_type"])
        resp = ctx.swift_type_name(meth["output_type"])
        kind = KIND[(bool(meth.get("client_streaming")), bool(meth.get("server_streaming")))]
        desc = "%sMethods.%s" % (s["name"], name)
        common = "metadata: Metadata = Metadata(), timeout: Duration? = nil"
        if kind == "unary":
            w(2, "public func %s(_ request: %s, %s) async throws -> %s {" % (name, req, common, resp))
            w(3, "try await connection.unary(%s, request, metadata: metadata, timeout: timeout)" % desc)
        elif kind == "serverStreaming":
            w(2, "public func %s(_ request: %s, %s) throws -> ResponseStream<%s> {" % (name, req, common, resp))
            w(3, "try connection.serverStreaming(%s, request, metadata: metadata, timeout: timeout)" % desc)
        elif kind == "clientStreaming":
            w(2, "public func %s(%s, requests body: (RequestWriter<%s>) async throws -> Void) async throws -> %s {"
              % (name, common, req, resp))
            w(3, "try await connection.clientStreaming(%s, metadata: metadata, timeout: timeout, requests: body)" % desc)
        else:
            w(2, "public func %s<R: Sendable>(" % name)
            w(3, "%s, _ body: (RequestWriter<%s>, ResponseStream<%s>) async throws -> R" % (common, req, resp))
            w(2, ") async throws -> R {")
            w(3, "try await connection.bidirectionalStreaming(%s, metadata: metadata, timeout: timeout, body)" % desc)
        w(2, "}")
    w(1, "}")
    w(0)
    gen_server_protocol(ctx, w, s, source_path)


def gen_server_protocol(ctx, w, s, source_path):
    """The server side: one requirement per RPC, and `methods` registering each by its kind.

    A service type conforms and implements the handlers; its `methods` come from the extension
    (a service may still declare its own `methods`, e.g. to answer a method inline)."""
    full = ctx.full_name([s["name"]])
    methods = s["method"]
    proto = "%sServiceProtocol" % s["name"]
    w(1, "/// The server side of `%s`: implement one handler per RPC; `methods` registers them." % full)
    w(1, "public protocol %s: RPCService {" % proto)
    for k, meth in enumerate(methods):
        name = swift_ident(camel(meth["name"]))
        req = ctx.swift_type_name(meth["input_type"])
        resp = ctx.swift_type_name(meth["output_type"])
        kind = KIND[(bool(meth.get("client_streaming")), bool(meth.get("server_streaming")))]
        w.raw(ctx.doc(source_path + [2, k], "`%s/%s`." % (full, meth["name"]), "        "))
        if kind == "unary":
            w(2, "func %s(request: %s, context: ServerContext) async throws -> %s" % (name, req, resp))
        elif kind == "serverStreaming":
            w(2, "func %s(request: %s, response: ResponseWriter<%s>, context: ServerContext) async throws"
              % (name, req, resp))
        elif kind == "clientStreaming":
            w(2, "func %s(request: RequestStream<%s>, context: ServerContext) async throws -> %s" % (name, req, resp))
        else:
            w(2, "func %s(request: RequestStream<%s>, response: ResponseWriter<%s>, context: ServerContext) async throws"
              % (name, req, resp))
    w(1, "}")


def gen_server_extensions(ctx, w, s, namespace):
    """File-scope extensions (Swift allows no extension inside a type): the protocol's
    `serviceName` and `methods`, and `<Service>Methods.registered(_:)`."""
    full = ctx.full_name([s["name"]])
    methods = s["method"]
    proto = "%s.%sServiceProtocol" % (namespace, s["name"])
    w(0, "extension %s {" % proto)
    w(1, "/// `%s`." % full)
    w(1, "public var serviceName: String { %s.%sMethods.serviceName }" % (namespace, s["name"]))
    w(0)
    w(1, "/// Every RPC of the service, each registered under its call kind.")
    w(1, "public var methods: [RPCMethod] { %s.%sMethods.registered(self) }" % (namespace, s["name"]))
    w(0, "}")
    w(0)
    w(0, "extension %s.%sMethods {" % (namespace, s["name"]))
    w(1, "/// Every RPC of `%s` served by `service`, each under its call kind." % full)
    w(1, "public static func registered(_ service: some %s) -> [RPCMethod] {" % proto)
    w(2, "[")
    for meth in methods:
        name = swift_ident(camel(meth["name"]))
        kind = KIND[(bool(meth.get("client_streaming")), bool(meth.get("server_streaming")))]
        if kind in ("unary", "clientStreaming"):
            w(3, "RPCMethod.%s(%s) { request, context in try await service.%s(request: request, context: context) },"
              % (kind, name, name))
        else:
            w(3, "RPCMethod.%s(%s) { request, response, context in" % (kind, name))
            w(4, "try await service.%s(request: request, response: response, context: context)" % name)
            w(3, "},")
    w(2, "]")
    w(1, "}")
    w(0, "}")
