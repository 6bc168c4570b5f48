"""The fault campaign (Tests/faults, run in full by Deploy/fault-campaign.sh) in miniature, so that
CI exercises its code: two replicas under load, one trial each of two cheap faults (PostgreSQL
`restart -m fast`, the database blackholed from the leader), which must pass with nothing lost or
duplicated; then the campaign's own checks are tested against a dishonest database: the
`sabotage` step deletes one acknowledged transaction row and copies another behind the engine's
back, and that trial must fail, naming one lost and one duplicated transfer and replicas that no
longer match the replay. Bounded: the campaign has --time-limit and the subprocess a timeout.
"""
import json
import os
import subprocess
import sys

from harness import REPO


def test_short_fault_campaign(tmp_path):
    engine = os.environ.get("ENGINE_BIN") or str(REPO / ".build/debug/settlement-engine")
    out = tmp_path / "campaign.json"
    env = os.environ | {"PYTHONPATH": str(REPO / "Tests")}
    r = subprocess.run([sys.executable, "-m", "faults", "--trials", "1", "--replicas", "2", "--senders", "3",
                        "--rate", "60", "--faults", "pg-restart-fast,proxy-blackhole,sabotage",
                        "--engine-bin", engine, "--json", str(out), "--time-limit", "100",
                        "--workdir", str(tmp_path / "work")],
                       env=env, capture_output=True, text=True, timeout=240)
    log = r.stdout[-6000:] + r.stderr[-3000:]
    assert out.exists(), log
    result = json.loads(out.read_text())
    rows = {t["fault"]: t for t in result["trials"]}
    assert result["outcome"] == "completed" and set(rows) == {"pg-restart-fast", "proxy-blackhole", "sabotage"}, log
    for kind in ("pg-restart-fast", "proxy-blackhole"):
        t = rows[kind]
        assert t["ok"] and t["lost"] == 0 and t["duplicated"] == 0 and t["acknowledged"] > 0, (t, log)
    bad = rows["sabotage"]
    assert not bad["ok"] and bad["lost"] == 1 and bad["duplicated"] == 1, (bad, log)
    assert any("diverged" in p or "replay" in p for p in bad["problems"]), bad["problems"]
    assert any("chain broken" in p for p in bad["problems"]), bad["problems"]
    assert r.returncode == 1, "a failed trial must fail the campaign's exit status"
