"""The committed fuzz corpus (Tests/Fuzz/Corpus/TARGET) replays through every target without a
finding: each input once, on the plain build (Deploy/fuzz.sh fuzzes with libFuzzer and sanitizers)."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("ENGINE_BIN") or REPO / ".build" / "debug" / "settlement-engine").parent
FUZZ = BIN_DIR / "settlement-fuzz"
CORPUS = REPO / "Tests" / "Fuzz" / "Corpus"


def targets():
    out = subprocess.run([str(FUZZ), "list"], capture_output=True, text=True, timeout=30, check=True)
    return [line.split()[0] for line in out.stdout.splitlines() if line.strip()]


def test_every_target_has_a_corpus():
    missing = [t for t in targets() if not (CORPUS / t).is_dir()]
    assert missing == [], f"targets without a committed corpus: {missing}"


@pytest.mark.parametrize("target", sorted(p.name for p in CORPUS.iterdir() if p.is_dir()))
def test_corpus_replays_without_a_finding(target):
    out = subprocess.run([str(FUZZ), "replay", target, str(CORPUS / target)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-4000:]
    assert "no finding" in out.stdout
