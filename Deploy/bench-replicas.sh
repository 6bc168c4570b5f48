#!/usr/bin/env bash
# Replica benchmarks: end-to-end TPS and confirmation latency with 1, 2 and
# 3 replicas through the load balancer (nghttpx) and directly to the leader, the cost of
# forwarding (directly to a follower vs directly to the leader), and failover time (kill -9 of the
# leader under load -> first batch committed by the new leader) for two lease TTLs. The reference
# is one standalone engine (embedded PostgreSQL) under the same load in the same run. Every
# measurement starts from a fresh cluster (Deploy/cluster.sh down, directory removed, up).
# The load client runs on the same machine: on 2 cores the load is CPU-bound, so more replicas
# cannot add throughput; the point is what they cost.
#
#   Deploy/bench-replicas.sh            # ~12 minutes on 2 cores
#
# Settings (environment):
#   BENCH_DURATION=30          seconds of load per TPS run
#   BENCH_TX_PER_SECOND=22000  transfers pre-signed per second of BENCH_DURATION (the most a run can send)
#   BENCH_CONNECTIONS=6        load connections (one SubmitTransactions stream each; 6 spreads evenly over 1-3 replicas)
#   BENCH_WINDOW=4096          transfers in flight over all connections
#   BENCH_FAILOVER_TTLS="3000 1000"   lease TTLs (ms) to measure failover with
#   BENCH_FAILOVER_REPEATS=3   failovers per TTL
#   BENCH_FAILOVER_RATE=5000   load during failover runs (tx/s, through a follower that survives)
#   BENCH_FAILOVER_DURATION=20 seconds of load per failover run; the leader is killed at BENCH_KILL_AT=6 s
#   BENCH_ONLY="tps failover"  parts to run
#   BENCH_TPS_RUNS="standalone r1-lb r1-leader r2-lb r2-leader r2-follower r3-lb r3-leader r3-follower"
#                              TPS runs (rN-lb|leader|follower: N replicas, load through nghttpx, to the leader, to a follower)
#   BENCH_OUT=/tmp/bench-replicas-DATE   raw JSON results, load stderr and every replica's log, per run
#   BENCH_PORT_BASE=51160      load balancer; replicas on +1.., PostgreSQL on +1000 (+ standalone engine on +20)
#   BENCH_SCRATCH_PATH=.build-bench    SwiftPM scratch path for the release build; BENCH_SKIP_BUILD=1 uses it as is
#   SETTLEMENT_ENGINE_BIN, SETTLEMENT_BENCH_BIN   binaries already built (no build then)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

duration=${BENCH_DURATION:-30}
tx_per_s=${BENCH_TX_PER_SECOND:-22000}
connections=${BENCH_CONNECTIONS:-6}
window=${BENCH_WINDOW:-4096}
ttls=${BENCH_FAILOVER_TTLS:-"3000 1000"}
repeats=${BENCH_FAILOVER_REPEATS:-3}
fo_rate=${BENCH_FAILOVER_RATE:-5000}
fo_duration=${BENCH_FAILOVER_DURATION:-20}
kill_at=${BENCH_KILL_AT:-6}
only=${BENCH_ONLY:-"tps failover"}
tps_runs=${BENCH_TPS_RUNS:-"standalone r1-lb r1-leader r2-lb r2-leader r2-follower r3-lb r3-leader r3-follower"}
out=${BENCH_OUT:-/tmp/bench-replicas-$(date +%Y%m%d-%H%M%S)}
port_base=${BENCH_PORT_BASE:-51160}
scratch=${BENCH_SCRATCH_PATH:-.build-bench}
lb_port=$port_base; base_port=$((port_base + 1)); pg_port=$((port_base + 1000)); solo_port=$((port_base + 20))

mkdir -p "$out"; chmod 755 "$out"   # the postgres user must reach the data directories below it
dir=$out/cluster
results=$out/results.tsv; : >"$results"
failovers=$out/failover.tsv; : >"$failovers"

case "$scratch" in /*) ;; *) scratch=$root/$scratch ;; esac
Deploy/install-deps.sh bench >&2
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] && [ -z "${SETTLEMENT_ENGINE_BIN:-}${SETTLEMENT_BENCH_BIN:-}" ]; then
  swift build -c release --scratch-path "$scratch" --product settlement-engine >&2
  swift build -c release --scratch-path "$scratch" --product settlement-bench >&2
fi
engine=${SETTLEMENT_ENGINE_BIN:-$scratch/release/settlement-engine}
bench=${SETTLEMENT_BENCH_BIN:-$scratch/release/settlement-bench}
[ -x "$engine" ] && [ -x "$bench" ] || { echo "no release build under $scratch" >&2; exit 1; }

for p in "$lb_port" "$base_port" $((base_port + 1)) $((base_port + 2)) "$pg_port" "$solo_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "port $p is in use (set BENCH_PORT_BASE)" >&2; exit 1; fi
done

solo_pid=
cleanup() {
  [ -n "$solo_pid" ] && kill "$solo_pid" 2>/dev/null && wait "$solo_pid" 2>/dev/null
  [ -f "$dir/cluster.env" ] && Deploy/cluster.sh down --dir "$dir" >/dev/null 2>&1
  true
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
q() { psql -X -At -q "$DATABASE_URL" -c "$1"; }
# CPU seconds (user + system, children reaped included) of the given processes.
cpu() {
  local t=0 p f
  for p in "$@"; do
    f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    f=${f##*) }   # fields after the command name; utime, stime, cutime, cstime are fields 12..15 here
    set -- $f
    t=$((t + ${12} + ${13} + ${14} + ${15}))
  done
  echo "$t"
}
hz=$(getconf CLK_TCK)
# Busy CPU ticks of the whole machine (user, nice, system, irq, softirq, steal).
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
pg_pids() { local pm; pm=$(head -1 "$1/postmaster.pid" 2>/dev/null) || return 0; echo "$pm" $(pgrep -P "$pm"); }
conditions() {
  echo "load average $(cut -d' ' -f1-3 /proc/loadavg); busiest other processes:"
  ps -eo pid,pcpu,etime,args --sort=-pcpu | grep -v -e "$out" -e "ps -eo" -e settlement-bench -e "bench-replicas" | sed -n 2,5p \
    | cut -c1-150 | sed 's/^/    /'
}

# --- clusters --------------------------------------------------------------------------------

leader_port=; follower_port=; leader_pid=; old_term=
up() { # replicas [engine args...]
  local n=$1; shift
  [ -f "$dir/cluster.env" ] && Deploy/cluster.sh down --dir "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
  SETTLEMENT_ENGINE_BIN=$engine Deploy/cluster.sh up --replicas "$n" --dir "$dir" --port "$lb_port" \
    --base-port "$base_port" --pg-port "$pg_port" -- "$@" >/dev/null
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
  local lease=
  for _ in $(seq 100); do
    lease=$(q "SELECT endpoint, term FROM sequencer_lease WHERE expires_at > clock_timestamp()" 2>/dev/null || true)
    [ -n "$lease" ] && break; sleep 0.1
  done
  [ -n "$lease" ] || { echo "no replica took the sequencer lease" >&2; exit 1; }
  leader_port=${lease%%|*}; leader_port=${leader_port##*:}; old_term=${lease##*|}
  local ports=($REPLICA_PORTS) pids=($REPLICA_PIDS) i
  follower_port=
  for i in "${!ports[@]}"; do
    if [ "${ports[$i]}" = "$leader_port" ]; then leader_pid=${pids[$i]}; elif [ -z "$follower_port" ]; then follower_port=${ports[$i]}; fi
  done
  sleep 1   # followers look the lease up every 500 ms before they can forward
}
down() { # run name: keeps the logs
  Deploy/cluster.sh down --dir "$dir" >/dev/null 2>&1 || true
  mkdir -p "$out/logs/$1"; cp "$dir"/replica-*.log "$dir"/nghttpx.log "$out/logs/$1/" 2>/dev/null || true
  cp "$dir/postgres/server.log" "$out/logs/$1/postgres.log" 2>/dev/null || true
  rm -rf "$dir"
}
# Warning and error lines of the engines' logs of a run (count).
log_problems() { cat "$out/logs/$1"/replica-*.log "$out/logs/$1"/engine.log 2>/dev/null | grep -cE ' (warning|error|critical) ' || true; }

# --- TPS runs --------------------------------------------------------------------------------

# load NAME REPLICAS TARGET-LABEL HOST:PORT ENGINE-PIDS PG-DATADIR [LB-PID]
load() {
  local name=$1 replicas=$2 label=$3 server=$4 epids=$5 pgdata=$6 lbpid=${7:-}
  echo "  $name: $label ($server), ${duration} s ..." >&2
  local pgp; pgp=$(pg_pids "$pgdata")
  local e0 l0 p0 t0 t1 pid per0=() per=(); e0=$(cpu $epids); l0=$(cpu $lbpid); p0=$(cpu $pgp); t0=$(now_ms); local b0; b0=$(busy)
  for pid in $epids; do per0+=("$(cpu "$pid")"); done
  local rc=0
  /usr/bin/time -f "%U %S" -o "$out/$name.time" "$bench" load --server "$server" --transactions $((duration * tx_per_s)) \
    --duration "$duration" --drain-timeout 30 --connections "$connections" --window "$window" --json --quiet \
    >"$out/$name.json" 2>"$out/$name.err" || rc=$?
  t1=$(now_ms); local b1; b1=$(busy)
  local e1 l1 p1 i=0; e1=$(cpu $epids); l1=$(cpu $lbpid); p1=$(cpu $pgp)
  for pid in $epids; do per+=("$(awk -v a="${per0[$i]}" -v b="$(cpu "$pid")" -v h="$hz" 'BEGIN { printf "%.1f", (b - a) / h }')"); i=$((i + 1)); done
  local client; client=$(awk '{ printf "%.1f", $1 + $2 }' "$out/$name.time" 2>/dev/null || echo "?")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$replicas" "$label" "$rc" \
    "$(awk -v a="$e0" -v b="$e1" -v h="$hz" 'BEGIN { printf "%.1f", (b - a) / h }')$([ ${#per[@]} -gt 1 ] && (IFS=/; echo " (${per[*]})"))" \
    "$(awk -v a="$l0" -v b="$l1" -v h="$hz" -v s="$lbpid" 'BEGIN { if (s == "") print "-"; else printf "%.1f", (b - a) / h }')" \
    "$(awk -v a="$p0" -v b="$p1" -v h="$hz" 'BEGIN { printf "%.1f", (b - a) / h }')" "$client" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1000 }')" "$out/$name.json" \
    "$(awk -v a="$b0" -v b="$b1" -v h="$hz" -v w="$((t1 - t0))" 'BEGIN { printf "%.2f", (b - a) / h / (w / 1000) }')" >>"$results"
}

cluster_run() { # NAME REPLICAS TARGET(lb|leader|follower)
  local name=$1 n=$2 target=$3 port label
  up "$n"
  case "$target" in
    lb) port=$lb_port; label="load balancer" ;;
    leader) port=$leader_port; label="leader directly" ;;
    follower) port=$follower_port; label="follower directly" ;;
  esac
  # nghttpx runs its worker in a child process.
  load "$name" "$n" "$label" "127.0.0.1:$port" "$REPLICA_PIDS" "$PGDATA_DIR" \
    "$([ "$target" = lb ] && echo "$LB_PID" $(pgrep -P "$LB_PID"))"
  down "$name"
}

standalone_run() {
  local data=$out/standalone; rm -rf "$data"; mkdir -p "$data"; chmod 755 "$data"
  "$engine" --listen "127.0.0.1:$solo_port" --data-dir "$data/data" >"$data/engine.log" 2>&1 &
  solo_pid=$!
  for _ in $(seq 600); do grep -q "settlement-engine listening on" "$data/engine.log" && break; sleep 0.1; done
  local pm; pm=$(dirname "$(find "$data/data" -name postmaster.pid | head -1)")
  load standalone 1 "standalone engine, embedded PostgreSQL" "127.0.0.1:$solo_port" "$solo_pid" "$pm"
  kill "$solo_pid"; wait "$solo_pid" 2>/dev/null || true; solo_pid=
  mkdir -p "$out/logs/standalone"; cp "$data/engine.log" "$out/logs/standalone/"; rm -rf "$data"
}

# --- failover runs ---------------------------------------------------------------------------

failover_run() { # TTL REP
  local ttl=$1 rep=$2 name="failover-ttl$1-$2"
  up 3 --lease-ttl-ms "$ttl"
  echo "  $name: load ${fo_rate} tx/s through the follower on $follower_port, kill -9 of the leader (port $leader_port, term $old_term) at ${kill_at} s ..." >&2
  "$bench" load --server "127.0.0.1:$follower_port" --rate "$fo_rate" --transactions $((fo_duration * fo_rate)) \
    --duration "$fo_duration" --drain-timeout 15 --connections 2 --json >"$out/$name.json" 2>"$out/$name.err" &
  local lpid=$! t=0
  for _ in $(seq 1200); do
    t=$(sed -n 's/^ *\([0-9]*\)\.[0-9] s  sent.*/\1/p' "$out/$name.err" | tail -1)
    [ -n "$t" ] && [ "$t" -ge "$kill_at" ] && break
    kill -0 "$lpid" 2>/dev/null || break
    sleep 0.1
  done
  local before after kill_ms
  before=$(now_ms); kill -9 "$leader_pid"; after=$(now_ms); kill_ms=$(( (before + after) / 2 ))
  local lease= batch= last_old=
  for _ in $(seq 600); do
    batch=$(q "SELECT (extract(epoch FROM min(committed_at)) * 1000)::int8 FROM batches WHERE term > $old_term")
    [ -n "$batch" ] && break; sleep 0.1
  done
  lease=$(q "SELECT (extract(epoch FROM acquired_at) * 1000)::int8 || '|' || holder FROM leader_terms WHERE term > $old_term ORDER BY term LIMIT 1")
  last_old=$(q "SELECT (extract(epoch FROM max(committed_at)) * 1000)::int8 FROM batches WHERE term = $old_term")
  local rc=0; wait "$lpid" || rc=$?
  # Leader changes after the kill, over the whole run (more than one: a new leader lost its lease too).
  local terms; terms=$(q "SELECT count(*) FROM leader_terms WHERE term > $old_term")
  down "$name"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ttl" "$rep" "$kill_ms" "${lease%%|*}" "${batch:-}" "${last_old:-}" "$rc" \
    "$out/$name.json|${lease#*|}|$(log_problems "$name")|$terms" >>"$failovers"
}

# --- run -------------------------------------------------------------------------------------

started=$(date -u +%Y-%m-%dT%H:%M:%SZ); t_start=$(now_ms)
cond_start=$(conditions)
echo "bench-replicas: results in $out" >&2
if [[ " $only " == *" tps "* ]]; then
  echo "TPS runs (${duration} s each):" >&2
  for run in $tps_runs; do
    case "$run" in
      standalone) standalone_run ;;
      r[123]-lb|r[123]-leader|r[123]-follower) n=${run:1:1}; cluster_run "$run" "$n" "${run#r?-}" ;;
      *) echo "unknown run $run in BENCH_TPS_RUNS" >&2; exit 64 ;;
    esac
  done
fi
if [[ " $only " == *" failover "* ]]; then
  echo "failover runs:" >&2
  for ttl in $ttls; do for rep in $(seq 1 "$repeats"); do failover_run "$ttl" "$rep"; done; done
fi
cond_end=$(conditions)

# --- report ----------------------------------------------------------------------------------

python3 - "$results" "$failovers" "$out" <<'PY'
import json, statistics, sys, os
results, failovers, out = sys.argv[1:4]

def load(path):
    try:
        return json.load(open(path))
    except Exception:
        return None

def problems(name):
    d = os.path.join(out, "logs", name); n = 0; lines = []
    for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if not (f.startswith("replica-") or f == "engine.log"): continue
        for line in open(os.path.join(d, f), errors="replace"):
            if any(f" {lvl} " in line for lvl in ("warning", "error", "critical")):
                n += 1
                if len(lines) < 3: lines.append(f"{f}: {line.strip()[:200]}")
    return n, lines

rows = [l.rstrip("\n").split("\t") for l in open(results) if l.strip()]
tps = {}
if rows:
    print("## End-to-end TPS (submit -> SEQUENCED; load client on the same 2 cores)")
    print("   CPU s: over the whole run (funding, pre-signing, load); others' cores: CPU used meanwhile by processes")
    print("   outside this benchmark, in cores (2 = the whole machine): the noise of each row")
    hdr = ["run", "replicas", "target", "TPS", "of standalone", "p50 ms", "p99 ms", "sequenced", "rejected", "missing",
           "engines CPU s", "nghttpx CPU s", "PostgreSQL CPU s", "client CPU s", "wall s", "others' cores", "log warnings"]
    table = [hdr]
    base = None
    anomalies = []
    for name, n, label, rc, ecpu, lcpu, pcpu, ccpu, wall, path, machine in rows:
        ours = sum(float(x.split()[0]) for x in (ecpu, lcpu, pcpu, ccpu) if x not in ("-", "?"))
        others = f"{max(0.0, float(machine) - ours / float(wall)):.2f}"
        j = load(path)
        if j is None:
            table.append([name, n, label, "failed (rc %s)" % rc] + [""] * 13); continue
        t = j["sustainedTps"]; tps[name] = t
        if name == "standalone": base = t
        lat = j["latencyMs"]; pn, pl = problems(name)
        table.append([name, n, label, f"{t:,.0f}", f"{t / base:.2f}" if base else "-", f"{lat['p50']:.1f}",
                      f"{lat['p99']:.1f}", f"{j['sequenced']:,}", f"{j['rejected']:,}", f"{j['missingReceipts']:,}",
                      ecpu, lcpu, pcpu, ccpu, wall, others, str(pn)])
        if j["rejected"] or j["missingReceipts"] or j["streamErrors"] or j["unmatchedReceipts"] or rc != "0" or pn:
            anomalies.append(f"{name}: rc {rc}, rejected {j['rejected']} {j['rejections']}, missing {j['missingReceipts']}, "
                             f"unmatched {j['unmatchedReceipts']}, stream errors {j['streamErrors'][:3]}, log lines {pn} {pl}")
    w = [max(len(r[i]) for r in table) for i in range(len(hdr))]
    for r in table:
        print("  ".join(c.rjust(w[i]) if i >= 3 else c.ljust(w[i]) for i, c in enumerate(r)))
    print()
    print("## Cost of forwarding (same replica count, directly to a follower vs directly to the leader)")
    for n in (2, 3):
        l, f = tps.get(f"r{n}-leader"), tps.get(f"r{n}-follower")
        if l and f:
            print(f"  {n} replicas: leader {l:,.0f} TPS, follower {f:,.0f} TPS, follower/leader {f / l:.2f}")
    for n in (1, 2, 3):
        lb, l = tps.get(f"r{n}-lb"), tps.get(f"r{n}-leader")
        if lb and l:
            print(f"  {n} replica(s): load balancer {lb:,.0f} TPS vs leader directly {l:,.0f} TPS: {lb / l:.2f}")
    if anomalies:
        print("\nanomalies in TPS runs:")
        for a in anomalies: print("  " + a)
    print()

fo = [l.rstrip("\n").split("\t") for l in open(failovers) if l.strip()]
if fo:
    print("## Failover (3 replicas, kill -9 of the leader under load through a follower)")
    print("   kill -> lease: the new term's leader_terms.acquired_at; kill -> batch: committed_at of the first batch of the")
    print("   new term; kill -> receipt: the client's first SEQUENCED receipt after the kill (end of the first pause of")
    print("   >= 250 ms in its SEQUENCED receipts that ends after the kill); leader changes: terms begun after the kill")
    hdr = ["lease TTL ms", "run", "kill->lease ms", "kill->batch ms", "kill->receipt ms", "last old batch->kill ms",
           "new leader", "leader changes", "sequenced", "unsent", "rejected", "missing", "stream errors", "log warnings"]
    table = [hdr]; by = {}; anomalies = []
    for ttl, rep, kill, lease, batch, last_old, rc, extra in fo:
        path, holder, pn, terms = extra.split("|")
        j = load(path) or {}
        def d(x):
            return f"{int(x) - int(kill)}" if x else "none"
        rec = None
        for gap in j.get("receiptGaps", []):
            # Receipts of batches committed just before the kill still arrive after it.
            if gap["endUnixMs"] > int(kill) and gap["startUnixMs"] < int(kill) + 1000:
                rec = gap["endUnixMs"] - int(kill); break
        by.setdefault(ttl, []).append((int(batch) - int(kill) if batch else None, int(lease) - int(kill) if lease else None, rec))
        table.append([ttl, rep, d(lease), d(batch), f"{rec:.0f}" if rec is not None else "n/a",
                      f"{int(kill) - int(last_old)}" if last_old else "none", holder or "-", terms,
                      f"{j.get('sequenced', 0):,}", f"{j.get('unsent', 0):,}", f"{j.get('rejected', 0):,}",
                      f"{j.get('missingReceipts', 0):,}", str(len(j.get("streamErrors", []))), pn])
        if not j or j.get("rejected") or j.get("missingReceipts") or j.get("streamErrors") or rc != "0" or terms != "1":
            anomalies.append(f"ttl {ttl} run {rep}: rc {rc}, leader changes {terms}, rejected {j.get('rejected')} "
                             f"{j.get('rejections')}, missing {j.get('missingReceipts')}, stream errors {j.get('streamErrors', [])[:2]}")
    for ttl, v in by.items():
        def med(i):
            xs = [x[i] for x in v if x[i] is not None]
            return f"{statistics.median(xs):.0f}" if xs else "n/a"
        table.append([ttl, "median", med(1), med(0), med(2)] + [""] * 9)
    w = [max(len(r[i]) for r in table) for i in range(len(hdr))]
    for r in table:
        print("  ".join(c.rjust(w[i]) if i != 6 else c.ljust(w[i]) for i, c in enumerate(r)))
    if anomalies:
        print("\nanomalies in failover runs:")
        for a in anomalies: print("  " + a)
PY
echo
echo "conditions at start ($started): $cond_start"
echo "conditions at end ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(( ($(now_ms) - t_start) / 1000 )) s): $cond_end"
echo "raw results and every replica's log: $out"
