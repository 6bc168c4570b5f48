"""Our Groth16 prover and .zkey files against arkworks (groth16py 0.2.0).

(a) Our single-party development setup (`settlement zk setup-dev`) and our prover
    (`settlement zk prove`): arkworks' verifier accepts the proof under our
    verification_key.json and refuses it for a tampered public input.
(b) arkworks reads our .zkey (`groth16py.import_zkey`, its snarkjs zkey reader) and proves from
    our .wtns with it; our verifier accepts that proof under our verification key. This checks
    the .zkey layout (Montgomery points, doubly-Montgomery coefficients, the extra public rows,
    snarkjs' odd-coset h points) against an independent reader and prover.
(c) groth16py's own `setup` keys cannot be exported as .zkey, so that direction is not tested
    here; its proofs verify under ours (test_zk_groth16_verify.py).

Circuits: our built-ins (exported by `settlement zk export-r1cs` / `witness`) and circom's files
in Tests/vectors (a multiplier with a public output, circomlib's Poseidon(2)).
"""

import json
import os
import subprocess
from pathlib import Path

import groth16py
import pytest

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "Tests" / "vectors"
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617


@pytest.fixture(scope="module")
def cli():
    path = os.environ.get("CLI_BIN") or str(REPO / ".build" / "debug" / "settlement")
    if not os.access(path, os.X_OK):
        pytest.exit(f"CLI_BIN: {path} is not an executable (build with `swift build`)", returncode=2)
    return path


def zk(cli, *args):
    return subprocess.run([cli, "zk", *map(str, args)], capture_output=True, text=True, timeout=600)


def proof_bytes_to_json(proof):
    """groth16py's 256-byte proof (EIP-196/197 words) as snarkjs proof.json."""
    assert len(proof) == 256
    w = [str(int.from_bytes(proof[i:i + 32], "big")) for i in range(0, 256, 32)]
    return {"pi_a": [w[0], w[1], "1"], "pi_b": [[w[3], w[2]], [w[5], w[4]], ["1", "0"]],
            "pi_c": [w[6], w[7], "1"], "protocol": "groth16", "curve": "bn128"}


def circuit_files(cli, tmp_path, name):
    """(.r1cs, .wtns) for a built-in circuit (exported by our CLI) or a circom fixture."""
    if name.startswith("circom_"):
        return VECTORS / f"{name}.r1cs", VECTORS / f"{name}.wtns"
    circuit, *extra = name.split(":")
    depth = ("--depth", extra[0]) if extra else ()
    r1cs, wtns = tmp_path / f"{circuit}.r1cs", tmp_path / f"{circuit}.wtns"
    assert zk(cli, "export-r1cs", "--circuit", circuit, *depth, "--out", r1cs).returncode == 0
    out = zk(cli, "witness", "--circuit", circuit, *depth, "--example", "--out", wtns)
    assert out.returncode == 0, out.stderr
    return r1cs, wtns


def setup_dev(cli, tmp_path, r1cs):
    zkey, vkey = tmp_path / "key.zkey", tmp_path / "verification_key.json"
    out = zk(cli, "setup-dev", "--r1cs", r1cs, "--zkey", zkey, "--vkey", vkey)
    assert out.returncode == 0, out.stderr
    assert "DEVELOPMENT ONLY" in out.stderr
    return zkey, vkey


def ark_verify(vkey, proof_json, public):
    verifier = groth16py.Verifier(groth16py.VerifyingKey.from_snarkjs_file(str(vkey)))
    return verifier.verify_snarkjs(proof_json, json.dumps(public))


CIRCUITS = ["poseidon-preimage", "merkle-membership:4", "circom_multiplier", "circom_poseidon2"]


@pytest.mark.parametrize("name", CIRCUITS)
def test_our_proofs_verify_under_arkworks(cli, tmp_path, name):
    r1cs, wtns = circuit_files(cli, tmp_path, name)
    zkey, vkey = setup_dev(cli, tmp_path, r1cs)
    proof, public = tmp_path / "proof.json", tmp_path / "public.json"
    out = zk(cli, "prove", "--zkey", zkey, "--wtns", wtns, "--r1cs", r1cs, "--proof", proof, "--public", public)
    assert out.returncode == 0, out.stderr
    inputs = json.loads(public.read_text())
    assert len(inputs) >= 1
    assert ark_verify(vkey, proof.read_text(), inputs)
    assert zk(cli, "verify", "--vk", vkey, "--proof", proof, "--public", public).returncode == 0
    # The dishonest prover's claim: public value + 1.
    bumped = [str((int(inputs[0]) + 1) % R)] + inputs[1:]
    assert not ark_verify(vkey, proof.read_text(), bumped)

    # A second proof of the same witness differs (fresh blinding) and verifies too.
    proof2 = tmp_path / "proof2.json"
    out = zk(cli, "prove", "--zkey", zkey, "--wtns", wtns, "--proof", proof2, "--public", public)
    assert out.returncode == 0, out.stderr
    assert json.loads(proof2.read_text())["pi_a"] != json.loads(proof.read_text())["pi_a"]
    assert ark_verify(vkey, proof2.read_text(), inputs)


@pytest.mark.parametrize("name", CIRCUITS)
def test_arkworks_proves_with_our_zkey(cli, tmp_path, name):
    r1cs, wtns = circuit_files(cli, tmp_path, name)
    zkey, vkey = setup_dev(cli, tmp_path, r1cs)
    imported = groth16py.import_zkey(str(zkey))
    pk = imported[0] if isinstance(imported, tuple) else imported
    if isinstance(imported, tuple):
        # arkworks' view of the verifying key in our .zkey equals our verification_key.json.
        assert json.loads(imported[1].to_json())["IC"] == json.loads(vkey.read_text())["IC"]
    ark_proof = groth16py.prove_wtns(pk, str(wtns))
    proof, public = tmp_path / "ark_proof.json", tmp_path / "public.json"
    proof.write_text(json.dumps(proof_bytes_to_json(ark_proof)))
    # The public inputs: what our prover writes for the same witness.
    out = zk(cli, "prove", "--zkey", zkey, "--wtns", wtns, "--proof", tmp_path / "ours.json", "--public", public)
    assert out.returncode == 0, out.stderr
    p = zk(cli, "verify", "--vk", vkey, "--proof", proof, "--public", public)
    assert p.returncode == 0 and p.stdout.strip() == "valid", p.stderr
    inputs = json.loads(public.read_text())
    (tmp_path / "bumped.json").write_text(json.dumps([str((int(inputs[0]) + 1) % R)] + inputs[1:]))
    p = zk(cli, "verify", "--vk", vkey, "--proof", proof, "--public", tmp_path / "bumped.json")
    assert p.returncode == 1, p.stderr


def test_prove_refuses_bad_witness_and_bad_zkey(cli, tmp_path):
    r1cs, wtns = circuit_files(cli, tmp_path, "poseidon-preimage")
    zkey, vkey = setup_dev(cli, tmp_path, r1cs)
    proof, public = tmp_path / "proof.json", tmp_path / "public.json"
    # A private value changed (last wire's low byte): refused with the system, exit 1.
    bad = bytearray(wtns.read_bytes())
    bad[-32] ^= 1
    bad_wtns = tmp_path / "bad.wtns"
    bad_wtns.write_bytes(bytes(bad))
    out = zk(cli, "prove", "--zkey", zkey, "--wtns", bad_wtns, "--r1cs", r1cs, "--proof", proof, "--public", public)
    assert out.returncode == 1 and "not satisfied" in out.stderr, out.stderr
    # Without the system a proof is made, and no verifier accepts it.
    out = zk(cli, "prove", "--zkey", zkey, "--wtns", bad_wtns, "--proof", proof, "--public", public)
    assert out.returncode == 0, out.stderr
    assert not ark_verify(vkey, proof.read_text(), json.loads(public.read_text()))
    assert zk(cli, "verify", "--vk", vkey, "--proof", proof, "--public", public).returncode == 1
    # A truncated key and a key with a point moved off the curve: exit 4, named.
    data = zkey.read_bytes()
    (tmp_path / "short.zkey").write_bytes(data[: len(data) // 2])
    out = zk(cli, "prove", "--zkey", tmp_path / "short.zkey", "--wtns", wtns, "--proof", proof, "--public", public)
    assert out.returncode == 4 and "truncated" in out.stderr, out.stderr
    # Section 5 (A) starts after sections 1 to 4; flip A[0].y's low byte.
    offset, sections = 12, {}
    while offset < len(data):
        kind = int.from_bytes(data[offset:offset + 4], "little")
        size = int.from_bytes(data[offset + 4:offset + 12], "little")
        sections[kind] = offset + 12
        offset += 12 + size
    off_curve = bytearray(data)
    off_curve[sections[5] + 32] ^= 1
    (tmp_path / "off.zkey").write_bytes(bytes(off_curve))
    out = zk(cli, "prove", "--zkey", tmp_path / "off.zkey", "--wtns", wtns, "--proof", proof, "--public", public)
    assert out.returncode == 4 and "A[0]" in out.stderr, out.stderr
