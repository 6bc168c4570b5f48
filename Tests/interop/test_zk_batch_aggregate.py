"""`settlement zk verify-batch`, `aggregation-srs`, `aggregate` and `verify-aggregate` on real
arkworks proofs (groth16py) of our exported `poseidon-preimage` circuit: several proofs of the
same statement (Groth16 proofs are randomised, so they differ). The dishonest party is the
submitter: a proof with a wrong public input hidden among valid ones, a changed aggregate byte,
the wrong number of public inputs, a development SRS taken without acknowledging it.
"""

import json

import groth16py
import pytest

from conftest import zk
from test_zk_groth16_verify import make, proof_bytes_to_json


@pytest.fixture(scope="module")
def proofs(cli, tmp_path_factory):
    """vk.json and four (proof.json, public.json) paths, plus a public.json with the input + 1."""
    d = tmp_path_factory.mktemp("batch")
    vk, proof, public, _ = make(cli, d, "poseidon-preimage")
    (d / "vk.json").write_text(json.dumps(vk))
    r1cs, wtns = d / "poseidon-preimage.r1cs", d / "poseidon-preimage.wtns"
    pk, ark_vk = groth16py.setup(str(r1cs))
    # One key for all: re-run setup once and prove four times under it.
    (d / "vk.json").write_text(ark_vk.to_json())
    pairs = []
    for i in range(4):
        p = d / f"proof{i}.json"
        p.write_text(json.dumps(proof_bytes_to_json(groth16py.prove_wtns(pk, str(wtns)))))
        q = d / f"public{i}.json"
        q.write_text(json.dumps(public))
        pairs.append((p, q))
    bad = d / "public-bad.json"
    bad.write_text(json.dumps([str(int(public[0]) + 1)]))
    return d / "vk.json", pairs, bad


def test_verify_batch_accepts_and_names_the_bad_proof(cli, proofs):
    vk, pairs, bad = proofs
    args = [f"{p}:{q}" for p, q in pairs]
    out = zk(cli, "verify-batch", "--vkey", str(vk), *args)
    assert out.returncode == 0 and "valid: 4 proofs" in out.stdout, out.stderr
    args[2] = f"{pairs[2][0]}:{bad}"
    out = zk(cli, "verify-batch", "--vkey", str(vk), *args)
    assert out.returncode == 1
    assert "invalid: #3" in out.stderr and "#1" not in out.stderr and "#4" not in out.stderr
    out = zk(cli, "verify-batch", "--vkey", str(vk), "no-colon.json")
    assert out.returncode == 64


def test_aggregate_and_verify_aggregate(cli, proofs, tmp_path):
    vk, pairs, bad = proofs
    srs = tmp_path / "dev.srs"
    refused = zk(cli, "aggregation-srs", "--size", "4", "--out", str(srs))
    assert refused.returncode == 64 and not srs.exists()
    out = zk(cli, "aggregation-srs", "--insecure-dev", "--size", "4", "--out", str(srs))
    assert out.returncode == 0 and "INSECURE" in out.stdout, out.stderr
    agg = tmp_path / "four.agg"
    out = zk(cli, "aggregate", "--srs", str(srs), "--vkey", str(vk), "--out", str(agg),
             *[f"{p}:{q}" for p, q in pairs])
    assert out.returncode == 0, out.stderr
    publics = [str(q) for _, q in pairs]
    out = zk(cli, "verify-aggregate", "--srs", str(srs), "--vkey", str(vk), "--aggregate", str(agg), *publics)
    assert out.returncode == 0 and out.stdout.strip() == "valid: 4 proofs", out.stderr
    # Another public input for proof 2, a missing input file: refused.
    out = zk(cli, "verify-aggregate", "--srs", str(srs), "--vkey", str(vk), "--aggregate", str(agg),
             *publics[:1], str(bad), *publics[2:])
    assert out.returncode == 1
    out = zk(cli, "verify-aggregate", "--srs", str(srs), "--vkey", str(vk), "--aggregate", str(agg), *publics[:3])
    assert out.returncode == 1
    # A changed byte: refused at decoding (4) or at verification (1).
    data = bytearray(agg.read_bytes())
    data[len(data) // 2] ^= 1
    tampered = tmp_path / "tampered.agg"
    tampered.write_bytes(bytes(data))
    out = zk(cli, "verify-aggregate", "--srs", str(srs), "--vkey", str(vk), "--aggregate", str(tampered), *publics)
    assert out.returncode in (1, 4)
    # An aggregate with a bad public input inside does not verify against the honest inputs either.
    bad_agg = tmp_path / "bad.agg"
    out = zk(cli, "aggregate", "--srs", str(srs), "--vkey", str(vk), "--out", str(bad_agg),
             *[f"{p}:{bad if i == 1 else q}" for i, (p, q) in enumerate(pairs)])
    assert out.returncode == 0, out.stderr
    for inputs in (publics, publics[:1] + [str(bad)] + publics[2:]):
        out = zk(cli, "verify-aggregate", "--srs", str(srs), "--vkey", str(vk), "--aggregate", str(bad_agg), *inputs)
        assert out.returncode == 1
    # Three proofs are not a power of two.
    out = zk(cli, "aggregate", "--srs", str(srs), "--vkey", str(vk), "--out", str(tmp_path / "x"),
             *[f"{p}:{q}" for p, q in pairs[:3]])
    assert out.returncode == 64
