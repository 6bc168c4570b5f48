"""The fault campaign's driver: sets the cluster up, runs the load, runs N trials of each fault
with the checks after each, prints the table, and (with --write-doc) puts the results into
docs/reliability.md. Every wait is bounded; the cluster (processes, proxies, the tmpfs) is torn
down whatever happens, SIGTERM and Ctrl-C included.
"""
import argparse
import importlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

from harness import REPO, generate_stubs
from faults.cluster import Cluster, wait_until
from faults.kinds import KINDS, TESTS_OF_THE_CAMPAIGN
from faults.load import Load, key
from faults.verify import Verifier

FUNDED = 10**24
FEE_ACCOUNT = "0x" + "fe" * 20
DOC_BEGIN = "<!-- fault-campaign results: begin (written by Tests/faults --write-doc) -->"
DOC_END = "<!-- fault-campaign results: end -->"


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m faults", description=__doc__)
    p.add_argument("--trials", type=int, default=3, help="trials of each fault (default 3)")
    p.add_argument("--faults", default=",".join(KINDS), help=f"comma-separated, of: {', '.join(KINDS)} (default all)")
    p.add_argument("--replicas", type=int, default=3, help="engine replicas, 2 or more (default 3)")
    p.add_argument("--senders", type=int, default=6, help="client senders (default 6)")
    p.add_argument("--rate", type=float, default=120, help="transfers per second, all senders together (default 120)")
    p.add_argument("--client-timeout", type=float, default=3.0,
                   help="seconds a client waits for a receipt before it sends again elsewhere (default 3)")
    p.add_argument("--tmpfs-mb", type=int, default=512, help="size of the tmpfs for PostgreSQL's data (root only; default 512)")
    p.add_argument("--engine-bin", default=os.environ.get("ENGINE_BIN") or str(REPO / ".build/debug/settlement-engine"))
    p.add_argument("--workdir", help="for the engines' logs and files (default: a new temporary directory, "
                   "removed unless a trial failed)")
    p.add_argument("--json", help="write the results as JSON here")
    p.add_argument("--write-doc", help="put the results table into this Markdown file (docs/reliability.md)")
    p.add_argument("--time-limit", type=float, default=3600, help="stop starting trials after this many seconds")
    a = p.parse_args(argv)
    a.faults = [f.strip() for f in a.faults.split(",") if f.strip()]
    unknown = [f for f in a.faults if f not in KINDS and f not in TESTS_OF_THE_CAMPAIGN]
    if unknown:
        p.error(f"unknown faults {unknown}; known: {list(KINDS)}")
    if a.replicas < 2:
        p.error("--replicas must be at least 2")
    return a


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def tmpfs_possible():
    """(ok, why not)."""
    if os.geteuid() != 0:
        return False, "not root: mounting a tmpfs needs root"
    d = tempfile.mkdtemp(prefix="settlement-faults-probe-")
    try:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", d], capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            return False, f"mount -t tmpfs failed: {r.stderr.strip()}"
        subprocess.run(["umount", d], capture_output=True, timeout=30)
        return True, ""
    finally:
        shutil.rmtree(d, ignore_errors=True)


def repair(cluster):
    """Starts again what is down (PostgreSQL, replicas), as a supervisor would; returns what it
    found, as problems of the trial."""
    found = []
    if not cluster.pg_running():
        found.append("PostgreSQL was down")
        cluster.pg.start()
    for r in cluster.replicas:
        if not r.alive():
            found.append(f"{r.name} exited ({r.process.exit_description()}): {r.log()[-600:]}")
            r.process.stop()
            r.start()
    return found


def run_trial(kind, index, cluster, load, verifier, args):
    """One trial; returns its row (never raises for a failed check)."""
    row = {"fault": kind, "trial": index, "notes": {}, "problems": []}
    note = row["notes"].__setitem__
    load.trial = row["id"] = f"{kind}#{index}"
    load.sign_ahead(60)
    acks0 = load.acks
    warm = max(20, int(args.rate))
    load.run()
    try:
        wait_until(lambda: load.acks - acks0 >= warm, 60, f"{warm} acknowledged transfers before the fault")
        t_fault = time.monotonic()
        (KINDS.get(kind) or TESTS_OF_THE_CAMPAIGN[kind])(cluster, index, note)
        t_healed = time.monotonic()
        row["fault_s"] = round(t_healed - t_fault, 2)
        # Replicas that died without being killed by the fault: a finding; started again.
        row["problems"] += repair(cluster)
        cluster.wait_healthy(90)
        acks_healed = load.acks
        wait_until(lambda: load.acks - acks_healed >= warm, 90, "the load to be acknowledged again after the fault")
        first_after = next((t for t in load.ack_times[acks_healed:] if t >= t_healed), None)
        row["recovery_s"] = round(first_after - t_healed, 2) if first_after else None
        gaps = [b - a for a, b in zip(load.ack_times[acks0:], load.ack_times[acks0 + 1:])]
        row["max_ack_gap_s"] = round(max(gaps), 2) if gaps else None
        time.sleep(2.0)
    except Exception as e:  # noqa: BLE001 - the trial fails, the campaign goes on
        row["problems"].append(f"{type(e).__name__}: {e}")
        log(traceback.format_exc())
        try:
            row["problems"] += repair(cluster)
        except Exception as e2:  # noqa: BLE001
            row["problems"].append(f"repair failed: {type(e2).__name__}: {e2}")
    finally:
        load.drain()
    try:
        wait_until(load.drained, 120, "every sent transfer to be acknowledged (clients resubmitting)", interval=0.2)
    except TimeoutError as e:
        left = sum(max(0, s.outstanding()) for s in load.senders)
        row["problems"].append(f"{e}: {left} never acknowledged")
    try:
        cluster.wait_healthy(60)
        checked = verifier.check(row["id"])
        row["problems"] += checked.pop("problems")
        row |= checked
    except Exception as e:  # noqa: BLE001
        row["problems"].append(f"checks could not run: {type(e).__name__}: {e}")
    row["ok"] = not row["problems"]
    return row


def table(rows, kinds):
    lines = ["| fault | trials | passed | acknowledged | lost | duplicated | REJECTED, then sequenced | max ack gap (s) | notes |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for kind in kinds:
        rs = [r for r in rows if r["fault"] == kind]
        if not rs:
            continue
        gaps = [r.get("max_ack_gap_s") or 0 for r in rs]
        notes = "; ".join(sorted({", ".join(f"{k}={v}" for k, v in r["notes"].items() if k in ("victim", "heal", "postgres", "panics"))
                                  for r in rs} - {""}))
        lines.append(f"| {kind} | {len(rs)} | {sum(r['ok'] for r in rs)} | {sum(r.get('acknowledged', 0) for r in rs)} | "
                     f"{sum(r.get('lost', 0) for r in rs)} | {sum(r.get('duplicated', 0) for r in rs)} | "
                     f"{sum(r.get('rejected_then_sequenced', 0) for r in rs)} | {max(gaps):.1f} | {notes} |")
    lines.append(f"| **all** | {len(rows)} | {sum(r['ok'] for r in rows)} | {sum(r.get('acknowledged', 0) for r in rows)} | "
                 f"**{sum(r.get('lost', 0) for r in rows)}** | **{sum(r.get('duplicated', 0) for r in rows)}** | "
                 f"{sum(r.get('rejected_then_sequenced', 0) for r in rows)} | | |")
    return "\n".join(lines)


def per_trial(rows):
    lines = ["| trial | ok | acknowledged | fault (s) | first ack after (s) | max ack gap (s) | notes |",
             "|---|---|---:|---:|---:|---:|---|"]
    for r in rows:
        notes = ", ".join(f"{k}={v}" for k, v in r["notes"].items())
        lines.append(f"| {r['id']} | {'yes' if r['ok'] else '**NO**'} | {r.get('acknowledged', '')} | {r.get('fault_s', '')} | "
                     f"{r.get('recovery_s', '')} | {r.get('max_ack_gap_s', '')} | {notes} |")
    return "\n".join(lines)


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    mem = next((int(line.split()[1]) // (1024 * 1024) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return f"{cpu}, {os.cpu_count()} cores, {mem} GiB, {platform.system()} {platform.release()}"


def commit():
    def git(*a):
        return subprocess.run(["git", "-C", str(REPO), *a], capture_output=True, text=True, timeout=30).stdout.strip()
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return git("rev-parse", "--short=12", "HEAD") + (" (with uncommitted changes)" if dirty else "")


def write_doc(path, text):
    p = Path(path)
    old = p.read_text() if p.exists() else f"# Reliability\n\n{DOC_BEGIN}\n{DOC_END}\n"
    if DOC_BEGIN not in old or DOC_END not in old:
        old = old.rstrip("\n") + f"\n\n{DOC_BEGIN}\n{DOC_END}\n"
    head, rest = old.split(DOC_BEGIN, 1)
    _, tail = rest.split(DOC_END, 1)
    p.write_text(f"{head}{DOC_BEGIN}\n{text.strip()}\n{DOC_END}{tail}")


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    started = time.time()
    kinds = list(args.faults)
    skipped = {}
    full = [k for k in ("disk-full", "wal-full") if k in kinds]
    if full:
        ok, why = tmpfs_possible()
        for k in full if not ok else []:
            skipped[k] = why
            kinds.remove(k)
            log(f"SKIPPING {k}: {why}")
    if not os.access(args.engine_bin, os.X_OK):
        log(f"{args.engine_bin} is not an executable (swift build, or --engine-bin)")
        return 2

    def on_term(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_term)

    if args.workdir:
        workdir = args.workdir
        os.makedirs(workdir, exist_ok=True)
    else:
        workdir = tempfile.mkdtemp(prefix="settlement-faults-")
    os.chmod(workdir, 0o755)
    stubs = Path(workdir, "stubs")
    stubs.mkdir()
    generate_stubs(stubs)
    pb = importlib.import_module("settlement.v1.settlement_pb2")
    pb_grpc = importlib.import_module("settlement.v1.settlement_pb2_grpc")

    rows, cluster, load, outcome = [], None, None, "completed"
    try:
        senders = [key(f"sender{i}").address for i in range(args.senders)]
        genesis = {a: FUNDED for a in senders}
        cluster = Cluster(args.engine_bin, args.replicas, genesis, FEE_ACCOUNT, workdir,
                          tmpfs_mb=args.tmpfs_mb if {"disk-full", "wal-full"} & set(kinds) else 0, log=log)
        where = f" on tmpfs volumes (data {args.tmpfs_mb} MiB, WAL) " if cluster.tmpfs_mb else " "
        log(f"starting PostgreSQL{where}"
            f"and {args.replicas} replicas (logs in {workdir})")
        cluster.up()
        load = Load(cluster, pb, pb_grpc, args.senders, args.rate, idle_timeout=args.client_timeout, log=log)
        verifier = Verifier(cluster, load, pb, pb_grpc, genesis, FEE_ACCOUNT)
        load.start()
        for index in range(args.trials):
            for kind in kinds:
                if time.time() - started > args.time_limit:
                    outcome = f"stopped by --time-limit {args.time_limit:.0f} s"
                    break
                log(f"trial {kind}#{index}")
                row = run_trial(kind, index, cluster, load, verifier, args)
                rows.append(row)
                log(f"  {'ok' if row['ok'] else 'FAILED'}: acknowledged {row.get('acknowledged')}, lost {row.get('lost')}, "
                    f"duplicated {row.get('duplicated')}, REJECTED then sequenced {row.get('rejected_then_sequenced')}, "
                    f"batches {row.get('batches')}, notes {row['notes']}, "
                    f"recovery {row.get('recovery_s')} s, max ack gap {row.get('max_ack_gap_s')} s")
                for p in row["problems"]:
                    log(f"  PROBLEM: {p}")
            else:
                continue
            break
    except KeyboardInterrupt as e:
        outcome = f"interrupted ({e})"
    except Exception as e:  # noqa: BLE001
        outcome = f"aborted: {type(e).__name__}: {e}"
        log(traceback.format_exc())
    finally:
        if load is not None:
            load.close()
            stats = {"streams": sum(s.streams for s in load.senders), "resent": sum(s.resent for s in load.senders),
                     "stream_errors": dict(sum((s.errors for s in load.senders), start=Counter())),
                     "rejections": dict(sum((s.rejections for s in load.senders), start=Counter()))}
        else:
            stats = {}
        if cluster is not None:
            cluster.close()
        if rows and all(r["ok"] for r in rows) and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    summary = table(rows, kinds)
    elapsed = time.time() - started
    print()
    print(summary)
    print(f"\n{outcome}; {len(rows)} trials in {elapsed:.0f} s; client streams {stats.get('streams')}, "
          f"transfers sent again {stats.get('resent')}, stream errors {stats.get('stream_errors')}, "
          f"rejections {stats.get('rejections')}")
    for kind, why in skipped.items():
        print(f"skipped {kind}: {why}")
    failed = [r for r in rows if not r["ok"]]
    for r in failed:
        print(f"FAILED {r['id']}: " + " | ".join(r["problems"])[:2000])
    if failed or outcome != "completed":
        print(f"(logs kept in {workdir})")
    command = os.environ.get("FAULT_CAMPAIGN_COMMAND", "PYTHONPATH=Tests python -m faults")
    result = {"command": " ".join([command, *(sys.argv[1:] if argv is None else argv)]),
              "machine": machine(), "commit": commit(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "args": {k: v for k, v in vars(args).items() if k not in ("json", "write_doc")},
              "outcome": outcome, "elapsed_s": round(elapsed), "skipped": skipped, "client": stats, "trials": rows}
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    if args.write_doc:
        text = [f"Run of {result['date']}: `{result['command']}`", "",
                f"- machine: {result['machine']}", f"- commit: {result['commit']}",
                f"- {args.replicas} replicas, {args.senders} senders at {args.rate:g} transfers/s in all, "
                f"{args.trials} trial(s) per fault; {outcome}, {len(rows)} trials in {elapsed / 60:.1f} min",
                f"- clients: {stats.get('streams')} streams opened, {stats.get('resent')} transfers sent again, "
                f"stream errors {stats.get('stream_errors')}, rejections {stats.get('rejections')}", "", summary, "",
                "<details><summary>Every trial</summary>", "", per_trial(rows), "", "</details>", ""]
        text += [f"Skipped {k}: {why}." for k, why in skipped.items()]
        examples = [c for r in rows for c in r.get("contradictions", [])][:3]
        if examples:
            text += ["Examples of a REJECTED receipt for a transfer that was sequenced all the same: "
                     + "; ".join(f"`{c}`" for c in examples), ""]
        text += [f"- FAILED {r['id']}: " + "; ".join(r["problems"])[:1500] for r in failed]
        write_doc(args.write_doc, "\n".join(text))
    ok = rows and not failed and outcome == "completed"
    return 0 if ok else 1
