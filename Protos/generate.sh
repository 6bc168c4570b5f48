#!/usr/bin/env bash
# Generates the protobuf-c codecs of the CProtos target from the .proto files under Protos/, and
# the Swift messages, enums, method descriptors and typed clients over them (Protos/swiftgen).
#
#   Protos/generate.sh           regenerate Sources/CProtos and the Swift files (commit the result)
#   Protos/generate.sh --check   regenerate into a temporary directory and diff against the
#                                committed files; exit 1 (printing the diff) when they differ
#
# Swift output (one file per .proto; the table `swift_outputs` below says where and in which
# namespace enum):
#   Sources/RPC/GRPC/Generated/{health,reflection}.pb.swift        grpc.health.v1, grpc.reflection.v1
#   Sources/RPC/SettlementAPI/Generated/{settlement,validator}.pb.swift   settlement.v1
#   Sources/RPC/SettlementAPI/Generated/sequencer.pb.swift    settlement.internal.v1 (replicas)
#   Tests/RPCTestSupport/Generated/echo.pb.swift                   rpctest.v1 (the test service)
#
# Output layout (SwiftPM puts Sources/CProtos/include on the C include path):
#   Sources/CProtos/<name>.pb-c.c              generated C sources (flat; they #include
#                                              "<proto dir>/<name>.pb-c.h")
#   Sources/CProtos/include/<proto dir>/*.pb-c.h
#   Sources/CProtos/include/CProtos.h          umbrella header (all generated headers and the
#                                              embedded descriptor set)
#   Sources/CProtos/include/module.modulemap   the module map naming that umbrella header
#   Sources/CProtos/descriptor_set.c           FileDescriptorSet of our .proto files (with imports,
#                                              plus grpc/reflection/v1alpha/reflection.proto derived
#                                              from the v1 file), for the gRPC reflection service
#
# google/protobuf/descriptor.proto comes from Debian's libprotobuf-dev
# (/usr/include/google/protobuf/descriptor.proto); it is compiled so Swift can parse descriptor sets.
set -euo pipefail

export LC_ALL=C

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
out_final="$root/Sources/CProtos"
system_include="/usr/include"

check=0
case "${1:-}" in
    "") ;;
    --check) check=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# Tools: Deploy/install-deps.sh test installs them; this script installs nothing.
missing=()
command -v protoc >/dev/null 2>&1 || missing+=("command protoc (protobuf-compiler)")
command -v protoc-c >/dev/null 2>&1 || missing+=("command protoc-c (protobuf-c-compiler)")
command -v python3 >/dev/null 2>&1 || missing+=("command python3 (python3)")
[ -f "$system_include/google/protobuf/descriptor.proto" ] || missing+=("file $system_include/google/protobuf/descriptor.proto (libprotobuf-dev)")
[ -f "$system_include/protobuf-c/protobuf-c.h" ] || missing+=("file $system_include/protobuf-c/protobuf-c.h (libprotobuf-c-dev)")
if [ "${#missing[@]}" -gt 0 ]; then
    echo "error: missing ${missing[*]}; run Deploy/install-deps.sh test" >&2
    exit 1
fi

# Our .proto files, relative to Protos/, in a stable order.
mapfile -t protos < <(cd "$here" && find . -name '*.proto' -type f | sed 's|^\./||' | sort)
if [ "${#protos[@]}" -eq 0 ]; then
    echo "error: no .proto files under $here" >&2
    exit 1
fi
descriptor_proto="google/protobuf/descriptor.proto"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
gen="$work/gen"        # raw protoc-c output
out="$work/CProtos"    # the target's layout
mkdir -p "$gen" "$out/include"

# 1. protoc-c: our files plus descriptor.proto.
protoc-c -I"$here" -I"$system_include" --c_out="$gen" "${protos[@]}" "$descriptor_proto"

# 2. Lay out: .c files flat, headers under include/ with their directory structure. The .c files
#    include "<dir>/<name>.pb-c.h", which resolves against include/ (SwiftPM's include path).
all_protos=("${protos[@]}" "$descriptor_proto")
headers=()
for p in "${all_protos[@]}"; do
    base="${p%.proto}"
    dir="$(dirname "$p")"
    name="$(basename "$base")"
    mkdir -p "$out/include/$dir"
    cp "$gen/$base.pb-c.h" "$out/include/$dir/$name.pb-c.h"
    if [ -e "$out/$name.pb-c.c" ]; then
        echo "error: two .proto files named $name.proto; the flat C layout needs unique names" >&2
        exit 1
    fi
    cp "$gen/$base.pb-c.c" "$out/$name.pb-c.c"
    headers+=("$base.pb-c.h")
done

# 3. The descriptor set: our files and whatever they import, without source info. It also
#    describes grpc.reflection.v1alpha, whose wire format is identical to v1: that file is derived
#    from our v1 reflection.proto by renaming the package (it is never compiled to C).
derived="$work/derived"
mkdir -p "$derived/grpc/reflection/v1alpha"
sed -e 's/^package grpc\.reflection\.v1;/package grpc.reflection.v1alpha;/' \
    -e '1i // Derived from grpc/reflection/v1/reflection.proto by Protos/generate.sh (package renamed).' \
    "$here/grpc/reflection/v1/reflection.proto" > "$derived/grpc/reflection/v1alpha/reflection.proto"
descriptor_protos=("${protos[@]}" "grpc/reflection/v1alpha/reflection.proto")
protoc -I"$here" -I"$derived" -I"$system_include" --include_imports \
    --descriptor_set_out="$work/descriptor_set.pb" "${descriptor_protos[@]}"

{
    echo "/* Generated by Protos/generate.sh. DO NOT EDIT! */"
    echo "/* A serialized google.protobuf.FileDescriptorSet of:"
    for p in "${descriptor_protos[@]}"; do echo " *   $p"; done
    echo " * and their imports, for the gRPC server reflection service. */"
    echo
    echo "#include \"CProtos.h\""
    echo
    echo "const unsigned char cprotos_descriptor_set[] = {"
    od -An -v -tx1 "$work/descriptor_set.pb" | tr -s ' \n' '\n\n' | sed '/^$/d' |
        awk '{ printf "%s0x%s,", (NR % 12 == 1 ? "    " : " "), $1; if (NR % 12 == 0) printf "\n" }
             END { if (NR % 12 != 0) printf "\n" }'
    echo "};"
    echo
    echo "const unsigned long cprotos_descriptor_set_len = sizeof(cprotos_descriptor_set);"
    echo
    echo "const unsigned char *cprotos_descriptor_set_bytes(void) { return cprotos_descriptor_set; }"
    echo "unsigned long cprotos_descriptor_set_size(void) { return sizeof(cprotos_descriptor_set); }"
} > "$out/descriptor_set.c"

# 4. The umbrella header.
{
    echo "/* Generated by Protos/generate.sh. DO NOT EDIT! */"
    echo "/* Umbrella header of the CProtos target: the protobuf-c codecs of Protos/ and the"
    echo " * embedded descriptor set. */"
    echo "#ifndef CPROTOS_H"
    echo "#define CPROTOS_H"
    echo
    for h in "${headers[@]}"; do echo "#include \"$h\""; done
    echo
    echo "#ifdef __cplusplus"
    echo "extern \"C\" {"
    echo "#endif"
    echo
    echo "/* A serialized google.protobuf.FileDescriptorSet of every file under Protos/ and its imports. */"
    echo "extern const unsigned char cprotos_descriptor_set[];"
    echo "extern const unsigned long cprotos_descriptor_set_len;"
    echo
    echo "/* The same, as functions (convenient from Swift). */"
    echo "const unsigned char *cprotos_descriptor_set_bytes(void);"
    echo "unsigned long cprotos_descriptor_set_size(void);"
    echo
    echo "#ifdef __cplusplus"
    echo "}"
    echo "#endif"
    echo
    echo "#endif /* CPROTOS_H */"
} > "$out/include/CProtos.h"

# 5. A module map: SwiftPM refuses an include/CProtos.h umbrella header next to directories unless
#    the target brings its own module map.
cat > "$out/include/module.modulemap" <<'MODULEMAP'
// Generated by Protos/generate.sh. DO NOT EDIT!
module CProtos {
    umbrella header "CProtos.h"
    export *
}
MODULEMAP

# 6. The Swift code: from a descriptor set with source info (comments become doc comments).
#    proto file | namespace enum | output (relative to the repository) | extra imports
swift_outputs=(
    "grpc/health/v1/health.proto|HealthV1|Sources/RPC/GRPC/Generated/health.pb.swift|"
    "grpc/reflection/v1/reflection.proto|ReflectionV1|Sources/RPC/GRPC/Generated/reflection.pb.swift|"
    "rpctest/v1/echo.proto|RPCTestV1|Tests/RPCTestSupport/Generated/echo.pb.swift|GRPC"
    "settlement/v1/settlement.proto|SettlementV1|Sources/RPC/SettlementAPI/Generated/settlement.pb.swift|GRPC"
    "settlement/v1/validator.proto|SettlementV1|Sources/RPC/SettlementAPI/Generated/validator.pb.swift|GRPC"
    "settlement/internal/v1/sequencer.proto|SettlementInternalV1|Sources/RPC/SettlementAPI/Generated/sequencer.pb.swift|GRPC"
)
# Each package's namespace, for a service whose messages come from another package.
export SWIFTGEN_NAMESPACES="grpc.health.v1=HealthV1 grpc.reflection.v1=ReflectionV1 rpctest.v1=RPCTestV1 settlement.v1=SettlementV1 settlement.internal.v1=SettlementInternalV1"
protoc -I"$here" -I"$system_include" --include_imports --include_source_info \
    --descriptor_set_out="$work/source_info.pb" "${protos[@]}"
swift_out="$work/swift"
# A loop, not `printf | grep -q`: grep -q exits at the first match, printf may then die of
# SIGPIPE, and under pipefail that failed the check at random.
for p in "${protos[@]}"; do
    found=0
    for entry in "${swift_outputs[@]}"; do
        [ "${entry%%|*}" = "$p" ] && { found=1; break; }
    done
    [ "$found" = 1 ] || { echo "error: $p has no entry in swift_outputs (Protos/generate.sh)" >&2; exit 1; }
done
for entry in "${swift_outputs[@]}"; do
    IFS='|' read -r proto namespace dest imports <<< "$entry"
    mkdir -p "$swift_out/$(dirname "$dest")"
    # shellcheck disable=SC2086
    python3 "$here/swiftgen" "$work/source_info.pb" "$proto" "$namespace" "$swift_out/$dest" $imports
done

if [ "$check" = 1 ]; then
    stale=0
    for entry in "${swift_outputs[@]}"; do
        IFS='|' read -r _ _ dest _ <<< "$entry"
        if ! diff -u "$root/$dest" "$swift_out/$dest" > "$work/swift.diff"; then
            sed "s|$swift_out/||" "$work/swift.diff"
            stale=1
        fi
    done
    if [ "$stale" = 1 ]; then
        echo "The generated Swift is out of date with Protos/; run Protos/generate.sh and commit the result." >&2
        exit 1
    fi
    echo "The generated Swift is up to date with Protos/."
    if [ ! -d "$out_final" ]; then
        echo "Sources/CProtos does not exist; run Protos/generate.sh" >&2
        exit 1
    fi
    if diff -ruN "$out_final" "$out" | sed "s|$work/CProtos|Sources/CProtos (regenerated)|g; s|$out_final|Sources/CProtos (committed)|g" > "$work/diff.txt"; then
        echo "Sources/CProtos is up to date with Protos/."
        exit 0
    fi
    cat "$work/diff.txt"
    echo
    echo "Sources/CProtos is out of date with Protos/; run Protos/generate.sh and commit the result." >&2
    exit 1
fi

rm -rf "$out_final"
mkdir -p "$(dirname "$out_final")"
cp -R "$out" "$out_final"
echo "generated Sources/CProtos from: ${protos[*]} $descriptor_proto"
for entry in "${swift_outputs[@]}"; do
    IFS='|' read -r _ _ dest _ <<< "$entry"
    mkdir -p "$root/$(dirname "$dest")"
    cp "$swift_out/$dest" "$root/$dest"
    echo "generated $dest"
done
