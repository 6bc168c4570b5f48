"""Swift for protobuf enums and messages over their protobuf-c structs."""
import sys

from descriptors import (BOOL, BYTES, DOUBLE, ENUM_T, FLOAT, MESSAGE_T, REPEATED, STRING, SWIFT_SCALAR, camel,
                         camel_to_lower, swift_ident)

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
    shape = Shape(ctx, m, path, plain, members)
    gen_from_c(ctx, w, shape, inner)
    w(0)
    gen_to_c(ctx, w, shape, inner)
    w(indent, "}")


class Shape:
    """What the parts of one message's code need to know about it."""

    def __init__(self, ctx, m, path, plain, members):
        self.message = m
        self.full = ctx.full_name(path)
        self.c_type = ctx.names.c_type(path)
        self.c_upper = ctx.names.c_upper(path)
        self.plain = plain
        self.members = members
        self.params = [swift_ident(camel(f["name"])) for _, f in plain] + [swift_ident(camel(o["name"]))
                                                                           for o in m["oneof_decl"]]


def gen_from_c(ctx, w, shape, inner):
    """`init(cStruct:)`: a Swift message from a decoded C struct."""
    m, full, c_type, c_upper = shape.message, shape.full, shape.c_type, shape.c_upper
    oneofs, plain, members, params = m["oneof_decl"], shape.plain, shape.members, shape.params
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
        w(body, "self.init(%s)" % ", ".join("%s: %s" % (p.strip("`"), p.strip("`")) for p in params))
    w(inner, "}")


def gen_to_c(ctx, w, shape, inner):
    """`cStruct(in:)`: the C struct of a Swift message, its memory owned by an arena."""
    m, c_type, c_upper, plain, members = shape.message, shape.c_type, shape.c_upper, shape.plain, shape.members
    body = inner + 1
    w(inner, "/// The C struct, its strings, bytes, arrays and nested messages owned by `arena`.")
    w(inner, "func cStruct(in arena: ProtobufCArena) -> %s {" % c_type)
    if not m["field"]:
        w(body, "Self.cMessage()")
        w(inner, "}")
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
    for k, o in enumerate(m["oneof_decl"]):
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
