"""Deploy/install-deps.sh --check: passes on this machine (run-all.sh installed everything), and
fails naming what is missing when a command it relies on is absent. The missing command is
simulated with a PATH of links to every command but that one; nothing is uninstalled."""

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "Deploy" / "install-deps.sh"


def check(kind, env=None):
    return subprocess.run(["bash", str(SCRIPT), "--check", kind], capture_output=True, text=True, timeout=60,
                          env=env or dict(os.environ))


def test_check_passes_for_the_tests():
    out = check("test")
    assert out.returncode == 0, out.stderr


def path_without(tmp_path, *names):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    seen = set()
    for d in os.environ["PATH"].split(":"):
        p = Path(d)
        if not p.is_dir():
            continue
        for exe in p.iterdir():
            if exe.name in seen or exe.name in names:
                continue
            seen.add(exe.name)
            (bin_dir / exe.name).symlink_to(exe)
    return str(bin_dir)


def test_check_names_a_missing_command(tmp_path):
    env = dict(os.environ, PATH=path_without(tmp_path, "protoc", "h2load"))
    out = check("test", env)
    assert out.returncode == 1
    assert "command protoc" in out.stderr and "command h2load" in out.stderr
    assert "Deploy/install-deps.sh test" in out.stderr


def test_unknown_kind_is_a_usage_error():
    out = check("everything")
    assert out.returncode == 2 and "usage" in out.stderr
