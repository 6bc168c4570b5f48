#!/usr/bin/env bash
# Installs the Debian 12 packages the engine, its tests or its benchmarks need, then checks that
# every file and command they rely on is really there (a package can be installed and still lack
# a file: protobuf-compiler without libprotobuf-dev has no google/protobuf/descriptor.proto).
#
#   Deploy/install-deps.sh [runtime|cluster|test|bench]           install what is missing, then check
#   Deploy/install-deps.sh --check [runtime|cluster|test|bench]   check only; exit 1 naming what is missing
#
# Each kind includes runtime; test and bench include cluster; bench includes test.
set -euo pipefail

check_only=0
if [ "${1:-}" = "--check" ]; then check_only=1; shift; fi
kind=${1:-runtime}

runtime=(pkg-config libnghttp2-dev libprotobuf-c-dev libssl-dev libpq-dev libsecp256k1-dev
         postgresql openssl ca-certificates git)
cluster=(nghttp2-proxy)
# nodejs and gcc: the ZK interop test runs circom's generated witness calculator under node and
# builds a small preload shim with cc.
test=(protobuf-compiler libprotobuf-dev protobuf-c-compiler python3 python3-venv python3-pip
      nghttp2-client nodejs gcc)
bench=(nghttp2-server time)

want=("${runtime[@]}")
case "$kind" in
  runtime) ;;
  cluster) want+=("${cluster[@]}") ;;
  test) want+=("${cluster[@]}" "${test[@]}") ;;
  bench) want+=("${cluster[@]}" "${test[@]}" "${bench[@]}") ;;
  *) echo "usage: $0 [--check] [runtime|cluster|test|bench]" >&2; exit 2 ;;
esac

# What the build, the tests and the benchmarks use, by path or command name.
commands=(pkg-config git openssl)
files=(/usr/include/nghttp2/nghttp2.h /usr/include/protobuf-c/protobuf-c.h /usr/include/openssl/ssl.h
       /usr/include/postgresql/libpq-fe.h /usr/include/secp256k1_recovery.h)
pg_bin_needed=1
case "$kind" in
  cluster) commands+=(nghttpx) ;;
  test) commands+=(nghttpx protoc protoc-c python3 h2load node cc)
        files+=(/usr/include/google/protobuf/descriptor.proto) ;;
  bench) commands+=(nghttpx protoc protoc-c python3 h2load nghttpd node cc)
         files+=(/usr/include/google/protobuf/descriptor.proto /usr/bin/time) ;;
esac

check() {
  local missing=() c f
  for c in "${commands[@]}"; do command -v "$c" >/dev/null 2>&1 || missing+=("command $c"); done
  for f in "${files[@]}"; do [ -e "$f" ] || missing+=("file $f"); done
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("package $p")
  done
  # The embedded PostgreSQL's server binaries (initdb, pg_ctl, postgres) in one bin directory.
  if [ "$pg_bin_needed" = 1 ]; then
    local found=0 d
    for d in /usr/lib/postgresql/*/bin; do
      [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && found=1
    done
    [ "$found" = 1 ] || missing+=("PostgreSQL server binaries (initdb, pg_ctl, postgres under /usr/lib/postgresql/*/bin)")
  fi
  # The Python tests' virtual environments need ensurepip (python3-venv).
  case "$kind" in
    test|bench) python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=("python3 venv support (python3-venv)") ;;
  esac
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Deploy/install-deps.sh: missing for '$kind':" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    echo "Run Deploy/install-deps.sh $kind (as root or with sudo) to install them." >&2
    return 1
  fi
}

if [ "$check_only" = 1 ]; then check; exit; fi

absent=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || absent+=("$p")
done
if [ ${#absent[@]} -gt 0 ]; then
  echo "installing missing packages: ${absent[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${absent[@]}" >/dev/null
fi
check
