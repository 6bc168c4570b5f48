#!/usr/bin/env python3
"""Checks the layering that ARCHITECTURE.md describes, so that it cannot drift silently.

Run by Tests/run-all.sh (and by hand: `python3 Tests/check-architecture.py`). Exits 1 naming
every violation. The rules:

1. Module graph: each module's declared dependencies (Package.swift, read through
   `swift package dump-package`) and the modules its Swift files import stay inside the layer
   it belongs to (LAYERS below). The generic gRPC stack (GRPC) and the PostgreSQL driver know no
   settlement type; the domain (Settlement) knows neither gRPC nor PostgreSQL.
2. No gRPC method path or service name written as a string outside generated code: clients and
   servers name methods through the generated descriptors (a test pinning a descriptor's value
   marks its line "literal on purpose").
3. The C reactor (CNet/loop.c) calls no server, connection or client function by name: it
   dispatches through the handlers registered with each I/O source.
4. No benchmark code in a library: files named *Benchmark*.swift live in settlement-bench.
"""
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Modules a module must never depend on or import (directly), by layer.
FORBIDDEN = {
    "GRPC": {"Settlement", "SettlementAPI", "SettlementNode", "Persistence", "PostgresDriver", "SimulatedL1", "Reporting"},
    "PostgresDriver": {"Settlement", "SettlementAPI", "GRPC", "SettlementNode", "Persistence", "SimulatedL1", "Reporting"},
    "Reporting": {"Settlement", "SettlementAPI", "GRPC", "SettlementNode", "Persistence", "SimulatedL1"},
    "Settlement": {"GRPC", "SettlementAPI", "SettlementNode", "Persistence", "PostgresDriver", "SimulatedL1", "Reporting", "CNet", "CProtos"},
    "Persistence": {"GRPC", "SettlementAPI", "SettlementNode", "SimulatedL1", "Reporting", "CNet", "CProtos"},
    "SimulatedL1": {"GRPC", "SettlementAPI", "SettlementNode", "Reporting", "CNet", "CProtos"},
    "SettlementAPI": {"Persistence", "PostgresDriver", "SimulatedL1", "Reporting", "SettlementNode"},
    "SettlementNode": {"Persistence", "PostgresDriver", "SimulatedL1", "Reporting"},
    # The zero-knowledge foundations stand alone: no project module at all.
    "ZK": {"Settlement", "SettlementAPI", "SettlementNode", "GRPC", "RPC", "Persistence", "PostgresDriver",
           "SimulatedL1", "Reporting", "CNet", "CProtos", "SettlementEngineServer"},
}

# Paths of the services that have generated descriptors (test-only probe services and deliberately
# unknown paths are not among them).
METHOD_PATH = re.compile(r'"/?(settlement(\.internal)?\.v1\.(Settlement|Validator|Sequencer)[/"]|grpc\.health\.v1\.[A-Za-z]+/|grpc\.reflection\.v1(alpha)?\.[A-Za-z]+/'
                         r'|rpctest\.v1\.Echo/(Get|Expand|Collect|Update)")')
IMPORT = re.compile(r'^\s*(?:@testable\s+)?import\s+(\w+)', re.M)
# Files that write raw HTTP/2 requests on purpose (the wire itself is under test), where a path
# is bytes, not a method call.
RAW_WIRE_FILES = {"Tests/Fuzz/Targets/Seeds.swift"}
LOOP_FORBIDDEN = re.compile(r'\bcnet_(server|conn|client)_\w+\s*\(')


def package_targets():
    out = subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    targets = {}
    for t in json.loads(out)["targets"]:
        deps = set()
        for d in t.get("dependencies", []):
            for kind in ("byName", "target", "product"):
                if kind in d:
                    deps.add(d[kind][0])
        path = t.get("path") or f"Sources/{t['name']}"
        targets[t["name"]] = (path, deps)
    return targets


def main():
    problems = []
    targets = package_targets()
    for name, forbidden in FORBIDDEN.items():
        if name not in targets:
            problems.append(f"module {name} is not in Package.swift (ARCHITECTURE.md names it)")
            continue
        path, deps = targets[name]
        for d in sorted(deps & forbidden):
            problems.append(f"module {name} depends on {d} in Package.swift")
        for f in sorted((ROOT / path).rglob("*.swift")):
            for m in IMPORT.findall(f.read_text()):
                if m in forbidden:
                    problems.append(f"{f.relative_to(ROOT)} imports {m} (module {name} must not)")

    for top in ("Sources", "Tests"):
        for f in sorted((ROOT / top).rglob("*.swift")):
            rel = f.relative_to(ROOT)
            if "Generated" in rel.parts or str(rel) in RAW_WIRE_FILES:
                continue
            for n, line in enumerate(f.read_text().splitlines(), 1):
                if METHOD_PATH.search(line) and "literal on purpose" not in line:
                    problems.append(f"{rel}:{n}: a method path as a string (use the generated descriptor): {line.strip()}")

    loop = ROOT / "Sources/CNet/loop.c"
    for n, line in enumerate(loop.read_text().splitlines(), 1):
        if LOOP_FORBIDDEN.search(line):
            problems.append(f"Sources/CNet/loop.c:{n}: the reactor calls {LOOP_FORBIDDEN.search(line).group(0)}… by name")

    for f in sorted((ROOT / "Sources").rglob("*Benchmark*.swift")):
        if "settlement-bench" not in f.parts:
            problems.append(f"{f.relative_to(ROOT)}: benchmark code in a library (move it to settlement-bench)")

    if problems:
        print("architecture check failed:")
        for p in problems:
            print("  " + p)
        return 1
    print(f"architecture check: {len(FORBIDDEN)} layering rules, method paths, the reactor, benchmarks: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
