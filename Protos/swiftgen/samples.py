"""Representative message instances (Swift source) for the wire fixture test."""
from descriptors import (BOOL, BYTES, DOUBLE, ENUM_T, FILE_SET, FLOAT, INT32, INT64, MESSAGE_T, REPEATED, SFIXED32,
                         SFIXED64, SINT32, SINT64, STRING, UINT32, FIXED32, Context, camel, parse, swift_ident)
from messages import Writer, enum_case_names

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
    w(0, "// python3 Protos/swiftgen --samples ds.pb Tests/RPCTests/WireSamples.swift \\")
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
