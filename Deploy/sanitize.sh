#!/usr/bin/env bash
# Runs the Swift test suite under sanitizers, each kind in its own build folder.
#
#   Deploy/sanitize.sh address     AddressSanitizer (Swift and C) + UndefinedBehaviorSanitizer (C), the whole suite
#   Deploy/sanitize.sh thread      ThreadSanitizer, the concurrency-heavy suites (RPC, settlement core)
#   Deploy/sanitize.sh KIND --filter REGEX   only the matching tests
#
# A sanitizer report fails the test that triggered it (halt_on_error), so the run's exit status is
# the verdict. Results are recorded in docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-address}
shift || true
case "$kind" in
  address)
    # Swift code under ASan (swiftc has no UBSan on Linux; its arithmetic traps anyway), C code under
    # ASan and UBSan.
    flags=(--sanitize=address -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined -Xswiftc -use-ld=lld)
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:detect_stack_use_after_return=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    filter=() ;;
  thread)
    # Lock tells ThreadSanitizer about its acquire and release (Sources/ConcurrencySupport/Lock.swift):
    # the standard library's Mutex locks with futexes the sanitizer cannot see.
    flags=(--sanitize=thread -Xswiftc -DTSAN_ANNOTATIONS -Xcc -DCTS_ANNOTATIONS)
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
    filter=(--filter 'CNetTests|RPCTests|SettlementTests|SettlementNodeTests') ;;
  *) echo "usage: $0 address|thread [--filter REGEX]" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && filter=("$@")
Deploy/install-deps.sh --check test
scratch=.build-$kind
echo "== swift build --build-tests ${flags[*]} ($scratch)" >&2
swift build --build-tests --scratch-path "$scratch" "${flags[@]}" 2> >(grep -v "Cannot export local symbol" >&2)
echo "== swift test ${flags[*]} ${filter[*]}" >&2
timeout 5400 swift test --skip-build --scratch-path "$scratch" "${flags[@]}" "${filter[@]}"
