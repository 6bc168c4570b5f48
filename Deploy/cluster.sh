#!/usr/bin/env bash
# A local replica set: one PostgreSQL, N settlement-engine replicas sharing it, and nghttpx
# (Debian's nghttp2-proxy) as the HTTP/2 load balancer in front of them.
#
#   Deploy/cluster.sh up [--replicas N] [--dir DIR] [--port LB_PORT] [--base-port PORT] [--pg-port PORT]
#                        [-- extra settlement-engine arguments]
#   Deploy/cluster.sh status [--dir DIR]
#   Deploy/cluster.sh down [--dir DIR]
#
# Defaults: 3 replicas on 127.0.0.1:50061.., the load balancer on 127.0.0.1:50060, PostgreSQL on
# 127.0.0.1:55432, everything under .data/cluster (as root: /var/lib/settlement-cluster, which
# the postgres user can reach). Clients talk to the load balancer (or to any replica directly);
# the replica holding the sequencer lease sequences, the others forward to it.
# SETTLEMENT_ENGINE_BIN uses an engine binary already built (else a release build is made).
# `up` writes DIR/cluster.env (ports, URL, pids) for scripts and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

cmd=${1:-}; shift || true
replicas=3; lb_port=50060; base_port=50061; pg_port=55432; extra=()
if [ "$(id -u)" -eq 0 ]; then dir=/var/lib/settlement-cluster; else dir=$root/.data/cluster; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --replicas) replicas=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --port) lb_port=$2; shift 2 ;;
    --base-port) base_port=$2; shift 2 ;;
    --pg-port) pg_port=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "unknown argument $1" >&2; exit 64 ;;
  esac
done
case "$dir" in /*) ;; *) dir=$root/$dir ;; esac

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

up() {
  Deploy/install-deps.sh cluster
  if [ -f "$dir/cluster.env" ] && alive "$(. "$dir/cluster.env"; echo "${LB_PID:-}")"; then
    echo "a cluster already runs under $dir (Deploy/cluster.sh down --dir $dir)" >&2; exit 1
  fi
  local bin=${SETTLEMENT_ENGINE_BIN:-}
  if [ -z "$bin" ]; then
    swift build -c release --product settlement-engine >&2
    bin=$root/.build/release/settlement-engine
  fi
  mkdir -p "$dir"; chmod 755 "$dir"
  local pgbin; pgbin=$(pg_bin)
  local pgdata=$dir/postgres
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    mkdir -p "$pgdata"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$pgdata"
    as_postgres "$pgbin/initdb" -D "$pgdata" -A trust -U settlement --encoding=UTF8 --locale=C >"$dir/initdb.log"
    printf "\nport = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nmax_connections = 200\n" \
      "$pg_port" "$pgdata" >>"$pgdata/postgresql.conf"
  fi
  as_postgres "$pgbin/pg_ctl" start -w -t 60 -D "$pgdata" -l "$pgdata/server.log" >/dev/null
  local url="postgresql://settlement@127.0.0.1:$pg_port/postgres"
  # The replicas' shared secret: forwarded transfers carrying it skip signature re-verification.
  [ -f "$dir/secret" ] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/secret")
  local pids=() ports=() backends=()
  # A failed `up` takes down what it started (there is no cluster.env yet for `down` to find).
  abort() {
    echo "$1" >&2
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    as_postgres "$pgbin/pg_ctl" stop -w -t 60 -D "$pgdata" -m fast >/dev/null 2>&1 || true
    exit 1
  }
  for i in $(seq 1 "$replicas"); do
    local port=$((base_port + i - 1))
    : >"$dir/replica-$i.log"
    SETTLEMENT_CLUSTER_SECRET_FILE="$dir/secret" DATABASE_URL=$url \
      setsid "$bin" --listen "127.0.0.1:$port" --replica-id "replica-$i" "${extra[@]}" \
      >>"$dir/replica-$i.log" 2>&1 </dev/null &
    pids+=($!); ports+=("$port"); backends+=(-b "127.0.0.1,$port;;proto=h2")
    # One at a time: the first creates the schema and writes genesis.
    for _ in $(seq 1 600); do
      grep -q "settlement-engine listening on" "$dir/replica-$i.log" && break
      alive "${pids[-1]}" || abort "replica $i failed: $(tail -20 "$dir/replica-$i.log")"
      sleep 0.1
    done
  done
  # gRPC streams are long-lived: no read timeouts on streams through the proxy.
  setsid nghttpx --conf=/dev/null -f "127.0.0.1,$lb_port;no-tls" "${backends[@]}" --workers=1 \
    --frontend-http2-read-timeout=0 --backend-read-timeout=0 --stream-read-timeout=0 --stream-write-timeout=0 \
    --backend-keep-alive-timeout=1h --no-server-push --errorlog-file="$dir/nghttpx.log" \
    --accesslog-file=/dev/null >>"$dir/nghttpx.log" 2>&1 </dev/null &
  local lb_pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$lb_port") 2>/dev/null && break
    alive $lb_pid || { pids+=("$lb_pid"); abort "nghttpx failed: $(tail -20 "$dir/nghttpx.log")"; }
    sleep 0.1
  done
  cat >"$dir/cluster.env" <<ENV
CLUSTER_DIR=$dir
LB_PORT=$lb_port
LB_PID=$lb_pid
DATABASE_URL=$url
PG_PORT=$pg_port
PGDATA_DIR=$pgdata
REPLICA_PORTS="${ports[*]}"
REPLICA_PIDS="${pids[*]}"
ENV
  echo "cluster up: load balancer 127.0.0.1:$lb_port -> replicas ${ports[*]}; PostgreSQL $url; state in $dir"
}

down() {
  [ -f "$dir/cluster.env" ] || { echo "no cluster under $dir"; return 0; }
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
  alive "$LB_PID" && kill "$LB_PID" 2>/dev/null || true
  for pid in $REPLICA_PIDS; do alive "$pid" && kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $REPLICA_PIDS; do
    for _ in $(seq 1 150); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  done
  as_postgres "$(pg_bin)/pg_ctl" stop -w -t 60 -D "$PGDATA_DIR" -m fast >/dev/null 2>&1 || true
  rm -f "$dir/cluster.env"
  echo "cluster down ($dir kept; delete it to start from an empty database)"
}

status() {
  [ -f "$dir/cluster.env" ] || { echo "no cluster under $dir"; return 1; }
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
  echo "load balancer 127.0.0.1:$LB_PORT: $(alive "$LB_PID" && echo running || echo stopped)"
  local i=1
  for pid in $REPLICA_PIDS; do
    echo "replica-$i (pid $pid): $(alive "$pid" && echo running || echo stopped)"; i=$((i + 1))
  done
  psql -X -q "$DATABASE_URL" -c "SELECT holder AS sequencer, term, endpoint, expires_at > now() AS live FROM sequencer_lease" \
    -c "SELECT id, role, applied_batch, now() - last_seen AS last_seen_ago FROM replicas ORDER BY id" 2>/dev/null || true
}

case "$cmd" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) sed -n 2,16p "$0" | sed 's/^# \{0,1\}//' >&2; exit 64 ;;
esac
