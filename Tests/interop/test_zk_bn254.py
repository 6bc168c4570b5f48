"""The ZK module's reference vectors cannot drift from the libraries that made them.

Tests/vectors/zk_vectors.json is what the Swift tests (ZKTests.ReferenceVectorTests) compare the
BN254 fields, curves, pairing and Poseidon against. This regenerates it with py_ecc and
light-poseidon (Tests/vectors/make_zk_vectors.py, pinned by requirements.txt) and asserts the
committed file is identical, and spot-checks a few facts with py_ecc directly.
"""

import importlib.util
import json
from pathlib import Path

from py_ecc import optimized_bn128 as ob

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "Tests" / "vectors"


def load_generator():
    spec = importlib.util.spec_from_file_location("make_zk_vectors", VECTORS / "make_zk_vectors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_vectors_equal_a_fresh_generation(tmp_path):
    out = tmp_path / "zk_vectors.json"
    load_generator().main(str(out))
    assert out.read_bytes() == (VECTORS / "zk_vectors.json").read_bytes()


def test_vectors_are_what_py_ecc_says():
    v = json.loads((VECTORS / "zk_vectors.json").read_text())
    # [r]G = O and [r - 1]G = -G for both groups.
    by_scalar = {int(c["scalar"]): c["point"] for c in v["g1_mul"]}
    assert by_scalar[ob.curve_order] is None
    x, y = ob.normalize(ob.neg(ob.G1))
    assert by_scalar[ob.curve_order - 1] == [str(int(x)), str(int(y))]
    # The points outside G2 are on the twist and not killed by r.
    for c in v["g2_outside_subgroup"]:
        pt = (ob.FQ2([int(s) for s in c[0]]), ob.FQ2([int(s) for s in c[1]]), ob.FQ2.one())
        assert ob.is_on_curve(pt, ob.b2)
        assert not ob.is_inf(ob.multiply(pt, ob.curve_order))
    # Each pairing-check case pairs a claim with a cheat.
    assert [c["result"] for c in v["pairing_checks"]] == [True, False] * 3
