#!/usr/bin/env bash
# Fuzzes every decoder of outside bytes and the server's HTTP/2 input path with libFuzzer, under
# AddressSanitizer (Swift and C) and UndefinedBehaviorSanitizer (C). Targets: `settlement-fuzz list`.
#
#   Deploy/fuzz.sh [--seconds N] [--save] [TARGET...]
#
# Each target runs N seconds (default 60; Tests/run-all.sh runs 10) from the committed corpus
# Tests/Fuzz/Corpus/TARGET plus a working corpus in .build-fuzz/corpus/TARGET. A crash, leak,
# sanitizer report, timeout (10 s per input) or out-of-memory (2 GiB) is a finding: its input is
# kept in .build-fuzz/findings/TARGET/ and the script exits 1. --save merges what a run learned
# into the committed corpus (minimized: only inputs that add coverage).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
save=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --save) save=1; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done

echo "== building settlement-fuzz with libFuzzer and sanitizers (.build-fuzz)" >&2
swift build --scratch-path .build-fuzz --product settlement-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld \
  -Xcc -fsanitize=fuzzer-no-link,address,undefined -Xcc -fno-sanitize-recover=undefined \
  2> >(grep -v "Cannot export local symbol" >&2) >/dev/null
bin=.build-fuzz/debug/settlement-fuzz
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <("$bin" list | awk '{print $1}')

failed=0
printf '%-16s %10s %8s %8s %s\n' target runs exec/s corpus result
for t in "${targets[@]}"; do
  seeds=Tests/Fuzz/Corpus/$t
  work=.build-fuzz/corpus/$t
  findings=.build-fuzz/findings/$t
  mkdir -p "$work" "$findings"
  log=.build-fuzz/$t.log
  status=0
  FUZZ_TARGET=$t ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
    timeout $((seconds + 120)) "$bin" run -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$findings/" -print_final_stats=1 "$work" $( [ -d "$seeds" ] && echo "$seeds" ) >"$log" 2>&1 || status=$?
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
  rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log" | tail -1)
  size=$(ls "$work" | wc -l)
  if [ "$status" -eq 0 ]; then result=ok; else result="FINDING (exit $status; see $log, input in $findings/)"; failed=1; fi
  printf '%-16s %10s %8s %8s %s\n' "$t" "${runs:-?}" "${rate:-?}" "$size" "$result"
  if [ "$save" = 1 ] && [ "$status" -eq 0 ]; then
    mkdir -p "$seeds"
    FUZZ_TARGET=$t ASAN_OPTIONS=detect_leaks=0 "$bin" run -merge=1 "$seeds" "$work" >/dev/null 2>&1
  fi
done
exit $failed
