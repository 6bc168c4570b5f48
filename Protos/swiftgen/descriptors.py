"""A FileDescriptorSet as Python dicts, and the names protobuf-c gives its types."""
import os
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
        if type_name not in self.types:
            # A message of another package, as a service's request or response only (fields of
            # another package's types would need its C names too): `<its namespace>.<Name>`,
            # with the namespaces that generate.sh passes in SWIFTGEN_NAMESPACES.
            for entry in os.environ.get("SWIFTGEN_NAMESPACES", "").split():
                package, namespace = entry.split("=")
                prefix = "." + package + "."
                if type_name.startswith(prefix) and "." not in type_name[len(prefix):]:
                    return namespace + "." + type_name[len(prefix):]
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
