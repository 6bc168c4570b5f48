#!/usr/bin/env python3
"""Generates the Swift side of the API from a FileDescriptorSet (Python 3 standard library only).

Protos/generate.sh runs it; see docs/RPC.md ("Generated code") for what it produces.

  swift_codegen.py DESCRIPTOR_SET PROTO NAMESPACE OUTPUT [IMPORT ...]
      writes OUTPUT: the Swift code of one .proto file (PROTO, as named in the descriptor set),
      inside `extension NAMESPACE` (an enum declared by the file of the package's first .proto).
  swift_codegen.py --samples DESCRIPTOR_SET OUTPUT PROTO=NAMESPACE ... [IMPORT ...]
      writes OUTPUT: a representative instance of every message of the named files (every field
      set, nested and repeated ones too) and one with its message fields absent, for the wire
      fixture test.

The descriptor set must carry source info (protoc --include_source_info): proto comments become
doc comments. Per message the output has a struct (fields, a memberwise init with proto3
defaults, `init(protobufBytes:)`, `protobufBytes()` and the conversions to and from the
protobuf-c struct that Protos/generate.sh also generates into CProtos); per enum a Swift enum;
per service typed `MethodDescriptor`s and a typed client over `RPCClient`.
"""
import sys

# --- protobuf wire decoding (just what descriptor.proto needs) -------------------------------


def varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def fields(buf):
    """(field number, wire type, value) triples; value is an int or a bytes slice."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 1:
            value, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif wire == 2:
            n, i = varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        yield number, wire, value


def parse(buf, spec):
    """A dict from a message: spec maps field number -> (name, kind, repeated); kind is 'str',
    'int', 'bool' or a nested spec (dict). Packed repeated ints are unpacked."""
    out = {name: [] for (name, _, rep) in spec.values() if rep}
    for number, wire, value in fields(buf):
        if number not in spec:
            continue
        name, kind, rep = spec[number]
        if kind == "str":
            v = [bytes(value).decode()]
        elif kind in ("int", "bool"):
            if wire == 2:
                v, j = [], 0
                while j < len(value):
                    x, j = varint(value, j)
                    v.append(x)
            else:
                v = [value]
            if kind == "bool":
                v = [bool(x) for x in v]
        else:
            v = [parse(value, kind)]
        if rep:
            out[name].extend(v)
        else:
            out[name] = v[-1]
    return out


LOCATION = {1: ("path", "int", True), 3: ("leading", "str", False)}
SOURCE_INFO = {1: ("location", LOCATION, True)}
ENUM_VALUE = {1: ("name", "str", False), 2: ("number", "int", False)}
ENUM = {1: ("name", "str", False), 2: ("value", ENUM_VALUE, True)}
FIELD = {1: ("name", "str", False), 3: ("number", "int", False), 4: ("label", "int", False),
         5: ("type", "int", False), 6: ("type_name", "str", False), 9: ("oneof_index", "int", False),
         17: ("proto3_optional", "bool", False)}
ONEOF = {1: ("name", "str", False)}
MESSAGE = {1: ("name", "str", False), 2: ("field", FIELD, True), 4: ("enum_type", ENUM, True),
           8: ("oneof_decl", ONEOF, True)}
MESSAGE[3] = ("nested_type", MESSAGE, True)
METHOD = {1: ("name", "str", False), 2: ("input_type", "str", False), 3: ("output_type", "str", False),
          5: ("client_streaming", "bool", False), 6: ("server_streaming", "bool", False)}
SERVICE = {1: ("name", "str", False), 2: ("method", METHOD, True)}
FILE = {1: ("name", "str", False), 2: ("package", "str", False), 4: ("message_type", MESSAGE, True),
        5: ("enum_type", ENUM, True), 6: ("service", SERVICE, True), 9: ("source_code_info", SOURCE_INFO, False)}
FILE_SET = {1: ("file", FILE, True)}

# FieldDescriptorProto.Type
DOUBLE, FLOAT, INT64, UINT64, INT32, FIXED64, FIXED32, BOOL, STRING, GROUP, MESSAGE_T, BYTES, UINT32, ENUM_T, \
    SFIXED32, SFIXED64, SINT32, SINT64 = range(1, 19)
REPEATED = 3
SWIFT_SCALAR = {DOUBLE: "Double", FLOAT: "Float", INT64: "Int64", UINT64: "UInt64", INT32: "Int32",
                FIXED64: "UInt64", FIXED32: "UInt32", BOOL: "Bool", STRING: "String", BYTES: "[UInt8]",
                UINT32: "UInt32", SFIXED32: "Int32", SFIXED64: "Int64", SINT32: "Int32", SINT64: "Int64"}
SWIFT_KEYWORDS = {"associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import",
                  "init", "inout", "internal", "let", "operator", "private", "protocol", "public", "rethrows",
                  "static", "struct", "subscript", "typealias", "var", "break", "case", "continue", "default",
                  "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "switch",
                  "where", "while", "as", "catch", "false", "is", "nil", "super", "self", "Self", "throw",
                  "throws", "true", "try", "Type", "Protocol"}

# --- names ---------------------------------------------------------------------------------


def camel(snake, upper_first=False):
    parts = [p for p in snake.split("_") if p]
    s = "".join(p[:1].upper() + p[1:] for p in parts)
    if not upper_first:
        s = s[:1].lower() + s[1:]
    return s


def swift_ident(name):
    if name[:1].isdigit():
        name = "_" + name
    return "`%s`" % name if name in SWIFT_KEYWORDS else name


def camel_to_lower(name):
    """protobuf-c's CamelToLower: '_' before every upper-case letter but the first."""
    out = []
    for i, c in enumerate(name):
        if c.isupper():
            if i != 0:
                out.append("_")
            out.append(c.lower())
        else:
            out.append(c)
    return "".join(out)


class Names:
    """protobuf-c's C names of one package's types."""

    def __init__(self, package):
        self.package = package
        parts = package.split(".") if package else []
        self.c_prefix = "".join(p[:1].upper() + p[1:] + "__" for p in parts)
        self.c_lower_prefix = "".join(p.lower() + "__" for p in parts)

    def c_type(self, path):  # path: ["HealthCheckResponse", "ServingStatus"]
        return self.c_prefix + "__".join(path)

    def c_lower(self, path):
        return self.c_lower_prefix + "__".join(camel_to_lower(p) for p in path)

    def c_upper(self, path):
        return self.c_lower(path).upper()


# --- model ---------------------------------------------------------------------------------


class Context:
    def __init__(self, file_set, proto):
        self.files = {f["name"]: f for f in file_set["file"]}
        if proto not in self.files:
            sys.exit("error: %s is not in the descriptor set" % proto)
        self.file = self.files[proto]
        self.package = self.file.get("package", "")
        self.names = Names(self.package)
        self.comments = {}
        for loc in self.file.get("source_code_info", {}).get("location", []):
            if loc.get("leading"):
                self.comments[tuple(loc["path"])] = loc["leading"]
        # Every type of the package (from any of its files): full name -> (kind, path in package).
        self.types = {}
        for f in self.files.values():
            if f.get("package", "") != self.package:
                continue
            for m in f["message_type"]:
                self._collect(m, [], "message")
            for e in f["enum_type"]:
                self.types[self._full([e["name"]])] = ("enum", [e["name"]], e)

    def _full(self, path):
        return "." + ".".join(([self.package] if self.package else []) + path)

    def _collect(self, m, outer, kind):
        path = outer + [m["name"]]
        self.types[self._full(path)] = ("message", path, m)
        for n in m["nested_type"]:
            self._collect(n, path, "message")
        for e in m["enum_type"]:
            self.types[self._full(path + [e["name"]])] = ("enum", path + [e["name"]], e)

    def lookup(self, type_name):
        if type_name not in self.types:
            sys.exit("error: %s is outside package %s (not supported)" % (type_name, self.package))
        return self.types[type_name]

    def swift_type_name(self, type_name):
        return ".".join(self.lookup(type_name)[1])

    def full_name(self, path):
        return self._full(path)[1:]

    def doc(self, source_path, fallback, indent):
        text = self.comments.get(tuple(source_path))
        lines = [line[1:] if line.startswith(" ") else line for line in text.rstrip("\n").split("\n")] \
            if text else [fallback]
        while lines and not lines[-1].strip():
            lines.pop()
        return "".join(indent + ("/// " + line).rstrip() + "\n" for line in lines)


# --- code ----------------------------------------------------------------------------------


class Writer:
    def __init__(self):
        self.lines = []

    def __call__(self, indent, text=""):
        self.lines.append(("    " * indent + text).rstrip())

    def raw(self, text):
        self.lines.append(text.rstrip("\n"))

    def text(self):
        return "\n".join(self.lines) + "\n"


def field_swift_type(ctx, f):
    t = f["type"]
    base = ctx.swift_type_name(f["type_name"]) if t in (MESSAGE_T, ENUM_T) else SWIFT_SCALAR.get(t)
    if base is None:
        sys.exit("error: field %s has an unsupported type %d" % (f["name"], t))
    if f.get("label") == REPEATED:
        return "[%s]" % base
    if t == MESSAGE_T:
        return base + "?"
    return base


def default_value(f):
    if f.get("label") == REPEATED:
        return "[]"
    return {MESSAGE_T: "nil", STRING: '""', BYTES: "[]", BOOL: "false", ENUM_T: ".init()",
            DOUBLE: "0", FLOAT: "0"}.get(f["type"], "0")


def c_to_swift(ctx, f, expr):
    """A Swift expression for the value of a non-repeated, non-message field of a C struct."""
    t = f["type"]
    if t == STRING:
        return "ProtobufC.string(%s)" % expr
    if t == BYTES:
        return "ProtobufC.bytes(%s)" % expr
    if t == BOOL:
        return "%s != 0" % expr
    if t == ENUM_T:
        return "%s(cValue: %s)" % (ctx.swift_type_name(f["type_name"]), expr)
    return expr


def swift_to_c(ctx, f, expr):
    t = f["type"]
    if t == STRING:
        return "arena.string(%s)" % expr
    if t == BYTES:
        return "arena.bytes(%s)" % expr
    if t == BOOL:
        return "%s ? 1 : 0" % expr
    if t == ENUM_T:
        return "%s.cValue" % expr
    if t == MESSAGE_T:
        return "arena.message(%s.cStruct(in: arena))" % expr
    return expr


def repeated_element_to_c(ctx, f):
    t = f["type"]
    return {STRING: "Optional(arena.string($0))", BYTES: "arena.bytes($0)", BOOL: "$0 ? 1 : 0",
            ENUM_T: "$0.cValue", MESSAGE_T: "Optional(arena.message($0.cStruct(in: arena)))"}.get(t)


def repeated_c_to_swift(ctx, f, expr, count):
    t = f["type"]
    if t == STRING:
        return "ProtobufC.array(%s, %s, ProtobufC.string)" % (expr, count)
    if t == BYTES:
        return "ProtobufC.array(%s, %s, ProtobufC.bytes)" % (expr, count)
    if t == BOOL:
        return "ProtobufC.array(%s, %s) { $0 != 0 }" % (expr, count)
    if t == ENUM_T:
        return "ProtobufC.array(%s, %s) { %s(cValue: $0) }" % (expr, count, ctx.swift_type_name(f["type_name"]))
    return "ProtobufC.array(%s, %s) { $0 }" % (expr, count)


def enum_case_names(e):
    prefix = camel_to_lower(e["name"]).upper() + "_"
    values = e["value"]
    strip = all(v["name"].startswith(prefix) for v in values)
    return [swift_ident(camel((v["name"][len(prefix):] if strip else v["name"]).lower())) for v in values]


def gen_enum(ctx, w, e, path, source_path, indent):
    full = ctx.full_name(path)
    c_type = ctx.names.c_type(path)
    cases = enum_case_names(e)
    zero = next((c for c, v in zip(cases, e["value"]) if v.get("number", 0) == 0), None)
    if zero is None:
        sys.exit("error: enum %s has no zero value" % full)
    w.raw(ctx.doc(source_path, "`%s`." % full, "    " * indent))
    w(indent, "public enum %s: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {" % e["name"])
    for i, (case, v) in enumerate(zip(cases, e["value"])):
        comment = ctx.comments.get(tuple(source_path + [2, i]))
        if comment:
            w.raw(ctx.doc(source_path + [2, i], "", "    " * (indent + 1)))
        w(indent + 1, "case %s = %d" % (case, v.get("number", 0)))
    w(0)
    w(indent + 1, "/// The zero value, as proto3 requires.")
    w(indent + 1, "public init() { self = .%s }" % zero.strip("`"))
    w(0)
    w(indent + 1, "/// The name in the `.proto` file.")
    w(indent + 1, "public var description: String {")
    w(indent + 2, "switch self {")
    for case, v in zip(cases, e["value"]):
        w(indent + 2, 'case .%s: "%s"' % (case.strip("`"), v["name"]))
    w(indent + 2, "}")
    w(indent + 1, "}")
    w(0)
    w(indent + 1, "/// From a decoded value. proto3 enums are open: a value this code does not know decodes as")
    w(indent + 1, "/// `.%s`." % zero.strip("`"))
    w(indent + 1, "init(cValue: %s) {" % c_type)
    w(indent + 2, "self = Self(rawValue: ProtobufC.wireValue(cValue)) ?? .%s" % zero.strip("`"))
    w(indent + 1, "}")
    w(0)
    w(indent + 1, "var cValue: %s { ProtobufC.enumValue(rawValue, as: %s.self) }" % (c_type, c_type))
    w(indent, "}")


def gen_message(ctx, w, m, path, source_path, indent):
    full = ctx.full_name(path)
    c_type = ctx.names.c_type(path)
    c_upper = ctx.names.c_upper(path)
    name = m["name"]
    fields_ = m["field"]
    oneofs = m["oneof_decl"]
    # Synthetic oneofs of proto3 `optional` fields are not supported (none of our files uses them).
    if any(f.get("proto3_optional") for f in fields_):
        sys.exit("error: %s uses proto3 optional (not supported)" % full)
    plain = [(i, f) for i, f in enumerate(fields_) if "oneof_index" not in f]
    members = {k: [(i, f) for i, f in enumerate(fields_) if f.get("oneof_index") == k] for k in range(len(oneofs))}

    w.raw(ctx.doc(source_path, "`%s`." % full, "    " * indent))
    w(indent, "public struct %s: ProtoMessage, Hashable {" % name)
    inner = indent + 1
    # Nested types.
    for k, e in enumerate(m["enum_type"]):
        gen_enum(ctx, w, e, path + [e["name"]], source_path + [4, k], inner)
        w(0)
    for k, n in enumerate(m["nested_type"]):
        gen_message(ctx, w, n, path + [n["name"]], source_path + [3, k], inner)
        w(0)
    for k, o in enumerate(oneofs):
        w(inner, "/// The `%s` oneof: at most one of these is set." % o["name"])
        w(inner, "public enum %s: Sendable, Hashable {" % camel(o["name"], True))
        for i, f in members[k]:
            w.raw(ctx.doc(source_path + [2, i], "`%s` (field %d)." % (f["name"], f["number"]), "    " * (inner + 1)))
            w(inner + 1, "case %s(%s)" % (swift_ident(camel(f["name"])), field_swift_type(ctx, f).rstrip("?")))
        w(inner, "}")
        w(0)
    # Stored properties.
    params = []
    for i, f in plain:
        w.raw(ctx.doc(source_path + [2, i], "`%s` (field %d)." % (f["name"], f["number"]), "    " * inner))
        prop = swift_ident(camel(f["name"]))
        w(inner, "public var %s: %s" % (prop, field_swift_type(ctx, f)))
        params.append((prop, field_swift_type(ctx, f), default_value(f)))
    for k, o in enumerate(oneofs):
        w(inner, "/// The `%s` oneof; nil when no case is set." % o["name"])
        prop = swift_ident(camel(o["name"]))
        w(inner, "public var %s: %s?" % (prop, camel(o["name"], True)))
        params.append((prop, camel(o["name"], True) + "?", "nil"))
    if params:
        w(0)
    # Memberwise init with proto3 defaults.
    w(inner, "/// Creates a message; omitted fields have their proto3 defaults (nothing is checked).")
    if params:
        w(inner, "public init(")
        for j, (prop, t, d) in enumerate(params):
            w(inner + 1, "%s: %s = %s%s" % (prop, t, d, "," if j < len(params) - 1 else ""))
        w(inner, ") {")
        for prop, _, _ in params:
            p = prop.strip("`")
            w(inner + 1, "self.%s = %s" % (p, prop))
        w(inner, "}")
    else:
        w(inner, "public init() {}")
    w(0)
    w(inner, "public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {")
    w(inner + 1, "self = try ProtobufC.decode(bytes, Self.cMessage(), Self.init(cStruct:))")
    w(inner, "}")
    w(0)
    w(inner, "public func protobufBytes() -> [UInt8] { ProtobufC.encode { arena in cStruct(in: arena) } }")
    w(0)
    w(inner, "/// A zeroed C struct set up by its protobuf-c `__init` function (descriptor and defaults).")
    w(inner, "static func cMessage() -> %s { ProtobufC.make(%s(), %s__init) }" % (c_type, c_type, ctx.names.c_lower(path)))
    w(0)
    # C -> Swift.
    w(inner, "/// From a decoded C struct (only valid while the struct is).")
    w(inner, "init(cStruct m: %s) throws(ProtoDecodingError) {" % c_type)
    body = inner + 1
    if not params:
        w(body, "self.init()")
    for i, f in plain:
        prop = swift_ident(camel(f["name"])).strip("`")
        cf = f["name"]
        if f.get("label") == REPEATED and f["type"] == MESSAGE_T:
            t = ctx.swift_type_name(f["type_name"])
            w(body, "var %s: [%s] = []" % (prop, t))
            w(body, "for i in 0..<m.n_%s { if let p = m.%s[i] { %s.append(try %s(cStruct: p.pointee)) } }"
              % (cf, cf, prop, t))
        elif f.get("label") == REPEATED:
            w(body, "let %s = %s" % (prop, repeated_c_to_swift(ctx, f, "m." + cf, "m.n_" + cf)))
        elif f["type"] == MESSAGE_T:
            t = ctx.swift_type_name(f["type_name"])
            w(body, "var %s: %s?" % (prop, t))
            w(body, "if let p = m.%s { %s = try %s(cStruct: p.pointee) }" % (cf, prop, t))
        else:
            w(body, "let %s = %s" % (prop, c_to_swift(ctx, f, "m." + cf)))
    for k, o in enumerate(oneofs):
        prop = camel(o["name"])
        enum = camel(o["name"], True)
        case_prefix = "%s__%s" % (c_upper, o["name"].upper())
        w(body, "let %s: %s?" % (prop, enum))
        w(body, "switch m.%s_case {" % o["name"])
        w(body, "case %s__NOT_SET: %s = nil" % (case_prefix, prop))
        for i, f in members[k]:
            case = swift_ident(camel(f["name"]))
            cf = f["name"]
            w(body, "case %s_%s:" % (case_prefix, cf.upper()))
            if f["type"] == MESSAGE_T:
                t = ctx.swift_type_name(f["type_name"])
                w(body + 1, "if let p = m.%s { %s = .%s(try %s(cStruct: p.pointee)) } else { %s = .%s(%s()) }"
                  % (cf, prop, case.strip("`"), t, prop, case.strip("`"), t))
            else:
                w(body + 1, "%s = .%s(%s)" % (prop, case.strip("`"), c_to_swift(ctx, f, "m." + cf)))
        w(body, "default:")
        w(body + 1, 'throw ProtoDecodingError(messageName: "%s", reason: "unknown %s case")' % (full, o["name"]))
        w(body, "}")
    if params:
        w(body, "self.init(%s)" % ", ".join("%s: %s" % (p.strip("`"), p.strip("`")) for p, _, _ in params))
    w(inner, "}")
    w(0)
    # Swift -> C.
    w(inner, "/// The C struct, its strings, bytes, arrays and nested messages owned by `arena`.")
    w(inner, "func cStruct(in arena: ProtobufCArena) -> %s {" % c_type)
    if not fields_:
        w(body, "Self.cMessage()")
        w(inner, "}")
        w(indent, "}")
        return
    w(body, "var m = Self.cMessage()")
    for i, f in plain:
        prop = "self." + swift_ident(camel(f["name"])).strip("`")
        cf = f["name"]
        if f.get("label") == REPEATED:
            w(body, "m.n_%s = %s.count" % (cf, prop))
            conv = repeated_element_to_c(ctx, f)
            w(body, "m.%s = arena.array(%s)" % (cf, ("%s.map { %s }" % (prop, conv)) if conv else prop))
        elif f["type"] == MESSAGE_T:
            w(body, "if let v = %s { m.%s = %s }" % (prop, cf, swift_to_c(ctx, f, "v")))
        else:
            w(body, "m.%s = %s" % (cf, swift_to_c(ctx, f, prop)))
    for k, o in enumerate(oneofs):
        prop = "self." + camel(o["name"])
        case_prefix = "%s__%s" % (c_upper, o["name"].upper())
        w(body, "switch %s {" % prop)
        w(body, "case nil:")
        w(body + 1, "m.%s_case = %s__NOT_SET" % (o["name"], case_prefix))
        for i, f in members[k]:
            case = swift_ident(camel(f["name"])).strip("`")
            cf = f["name"]
            w(body, "case .%s(let v):" % case)
            w(body + 1, "m.%s_case = %s_%s" % (o["name"], case_prefix, cf.upper()))
            w(body + 1, "m.%s = %s" % (cf, swift_to_c(ctx, f, "v")))
        w(body, "}")
    w(body, "return m")
    w(inner, "}")
    w(indent, "}")


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


def generate(ds_path, proto, namespace, output, imports):
    with open(ds_path, "rb") as fh:
        file_set = parse(fh.read(), FILE_SET)
    ctx = Context(file_set, proto)
    w = Writer()
    w(0, "// Generated by Protos/generate.sh from %s. DO NOT EDIT!" % proto)
    for imp in sorted(set(["CProtobufC", "CProtos"] + imports)):
        w(0, "import %s" % imp)
    w(0)
    # The namespace enum is declared once per package: by its first file in name order.
    first = sorted(f["name"] for f in ctx.files.values() if f.get("package", "") == ctx.package)[0]
    if first == proto:
        w(0, "/// The messages and services of the `%s` protobuf package." % ctx.package)
        w(0, "public enum %s {}" % namespace)
        w(0)
    w(0, "extension %s {" % namespace)
    items = []
    for k, e in enumerate(ctx.file["enum_type"]):
        items.append(lambda k=k, e=e: gen_enum(ctx, w, e, [e["name"]], [5, k], 1))
    for k, m in enumerate(ctx.file["message_type"]):
        items.append(lambda k=k, m=m: gen_message(ctx, w, m, [m["name"]], [4, k], 1))
    for k, s in enumerate(ctx.file["service"]):
        items.append(lambda k=k, s=s: gen_service(ctx, w, s, [6, k]))
    for j, item in enumerate(items):
        if j:
            w(0)
        item()
    w(0, "}")
    with open(output, "w") as fh:
        fh.write(w.text())


# --- samples for the wire fixture test ------------------------------------------------------


def sample_value(ctx, namespace, f, salt, depth, absent_messages):
    t = f["type"]
    n = f["number"] + salt
    if t == MESSAGE_T:
        kind, path, m = ctx.lookup(f["type_name"])
        return sample_message(ctx, namespace, m, path, n * 7, depth + 1, absent_messages)
    if t == ENUM_T:
        kind, path, e = ctx.lookup(f["type_name"])
        case = enum_case_names(e)[-1].strip("`")
        return ".%s" % case
    if t == STRING:
        return '"%s-%d ✓"' % (f["name"], n)
    if t == BYTES:
        return "[%s]" % ", ".join("0x%02x" % ((n * 31 + k * 17) & 0xFF) for k in range(n % 5 + 20))
    if t == BOOL:
        return "true"
    if t in (DOUBLE, FLOAT):
        return "%d.25" % n
    if t in (INT32, SINT32, SFIXED32):
        return "-%d" % (n * 1000 + 7)
    if t in (INT64, SINT64, SFIXED64):
        return "-%d" % (n * 10 ** 12 + 7)
    if t in (UINT32, FIXED32):
        return "%d" % (n * 100_003 + 4_000_000_000 % (n + 1))
    return "%d" % ((n << 40) + n * 12345)


def sample_message(ctx, namespace, m, path, salt, depth, absent_messages):
    t = namespace + "." + ".".join(path) if namespace else ".".join(path)
    args = []
    for f in m["field"]:
        if "oneof_index" in f:
            continue
        if f["type"] == MESSAGE_T and f.get("label") != REPEATED and absent_messages:
            continue
        v = sample_value(ctx, namespace, f, salt, depth, absent_messages)
        if f.get("label") == REPEATED:
            v2 = sample_value(ctx, namespace, f, salt + 3, depth, absent_messages)
            v = "[%s, %s]" % (v, v2)
        args.append("%s: %s" % (swift_ident(camel(f["name"])).strip("`"), v))
    for k, o in enumerate(m["oneof_decl"]):
        f = [f for f in m["field"] if f.get("oneof_index") == k][-1]
        args.append("%s: .%s(%s)" % (camel(o["name"]), camel(f["name"]),
                                     sample_value(ctx, namespace, f, salt, depth, absent_messages)))
    return "%s(%s)" % (t, ", ".join(args))


def samples(ds_path, output, pairs):
    with open(ds_path, "rb") as fh:
        file_set = parse(fh.read(), FILE_SET)
    w = Writer()
    w(0, "// Generated for WireFixtureTests (DO NOT EDIT) by: protoc --include_source_info --include_imports")
    w(0, "// --descriptor_set_out=ds.pb -IProtos ... (every .proto), then")
    w(0, "// python3 Protos/swift_codegen.py --samples ds.pb Tests/RPCTests/WireSamples.swift \\")
    w(0, "//     %s" % " ".join(pairs))
    for imp in sorted(p for p in pairs if "=" not in p):
        w(0, "import %s" % imp)
    w(0)
    w(0, "/// A representative instance of every message (every field set, nested and repeated ones")
    w(0, "/// too), and the same with its singular message fields absent.")
    w(0, "let wireSamples: [WireSample] = [")
    for pair in [p for p in pairs if "=" in p]:
        proto, namespace = pair.split("=")
        ctx = Context(file_set, proto)

        def walk(m, path):
            full = ctx.full_name(path)
            w(1, 'WireSample("%s", %s),' % (full, sample_message(ctx, namespace, m, path, 0, 0, False)))
            if any(f["type"] == MESSAGE_T and f.get("label") != REPEATED and "oneof_index" not in f
                   for f in m["field"]):
                w(1, 'WireSample("%s (messages absent)", %s),'
                  % (full, sample_message(ctx, namespace, m, path, 0, 0, True)))
            for n in m["nested_type"]:
                walk(n, path + [n["name"]])

        for m in ctx.file["message_type"]:
            walk(m, [m["name"]])
    w(0, "]")
    with open(output, "w") as fh:
        fh.write(w.text())


def main(argv):
    if len(argv) >= 2 and argv[1] == "--samples":
        if len(argv) < 5:
            sys.exit(__doc__)
        samples(argv[2], argv[3], argv[4:])
        return
    if len(argv) < 5:
        sys.exit(__doc__)
    generate(argv[1], argv[2], argv[3], argv[4], argv[5:])


if __name__ == "__main__":
    main(sys.argv)
