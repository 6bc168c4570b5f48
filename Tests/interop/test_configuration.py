"""The engine binary's configuration: strict values from the environment, one key list for flags,
environment and config file, --version. Each case runs the real binary and reads its exit status
and message; none of them starts a database (settings are resolved before anything starts)."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENGINE = os.environ.get("ENGINE_BIN") or str(REPO / ".build" / "debug" / "settlement-engine")
CLI = str(Path(ENGINE).parent / "settlement")


def run_engine(args=(), env=None, timeout=60, tmp=None):
    """The engine with `args` on a genesis of chain 424242 (production refuses the development
    genesis's well-known chain id 1337, which would hide the refusal under test)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SETTLEMENT_")}
    full_env.update(env or {})
    genesis = Path(os.environ.get("TMPDIR", "/tmp")) / f"test-configuration-genesis-{os.getpid()}.json"
    genesis.write_text(json.dumps({"config": {"chainId": 424242},
                                   "alloc": {"0x0000000000000000000000000000000000001001": {"balance": "1000"}}}))
    return subprocess.run([ENGINE, "--genesis", str(genesis), *args], env=full_env, cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def test_version_names_version_and_commit():
    for binary in (ENGINE, CLI):
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        version = (REPO / "VERSION").read_text().strip()
        assert re.fullmatch(rf"{re.escape(version)} \(commit ([0-9a-f]{{12}}(-dirty)?|unknown)\)\n", out.stdout), out.stdout


@pytest.mark.parametrize("name,value,expected", [
    ("SETTLEMENT_EVENT_LOOPS", "abc", 'SETTLEMENT_EVENT_LOOPS="abc" is not an integer'),
    ("SETTLEMENT_PRODUCTION", "maybe", "SETTLEMENT_PRODUCTION"),
    ("SETTLEMENT_BATCH_SIZE", "1e3", "SETTLEMENT_BATCH_SIZE"),
    ("SETTLEMENT_L1_REORG_INJECTION", "on", "SETTLEMENT_L1_REORG_INJECTION"),
])
def test_malformed_environment_stops_the_engine_naming_the_variable(name, value, expected):
    out = run_engine(env={name: value})
    assert out.returncode == 2, out.stderr
    assert expected in out.stderr


def test_production_true_in_the_environment_is_production():
    # Before: SETTLEMENT_PRODUCTION=true was ignored and the engine started with reorg injection on.
    out = run_engine(env={"SETTLEMENT_PRODUCTION": "true", "SETTLEMENT_L1_REORG_INJECTION": "true"})
    assert out.returncode == 2, out.stderr
    assert "production" in out.stderr and "injection" in out.stderr


def test_config_file_takes_the_flags_keys(tmp_path):
    cfg = tmp_path / "settings.json"
    cfg.write_text(json.dumps({"production": True, "l1_confirmation_depth": 3, "l1_reorg_injection": True}))
    out = run_engine(["--config", str(cfg)])
    # Both keys were accepted (no "unknown key"); production then refuses reorg injection.
    assert out.returncode == 2
    assert "unknown key" not in out.stderr
    assert "injection" in out.stderr
    cfg.write_text(json.dumps({"batch_sise": 5}))
    out = run_engine(["--config", str(cfg)])
    assert out.returncode == 2 and 'unknown key "batch_sise"' in out.stderr


def test_secret_on_the_command_line_is_refused_in_production(tmp_path):
    out = run_engine(["--production", "--cluster-secret", "visible-in-ps"])
    assert out.returncode == 2
    assert "cluster-secret-file" in out.stderr
    assert "visible-in-ps" not in out.stderr
