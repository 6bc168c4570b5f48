"""Our Groth16 prover and .zkey files against arkworks (groth16py 0.2.0).

(a) Our single-party development setup (`settlement zk setup-dev`) and our prover
    (`settlement zk prove`): arkworks' verifier accepts the proof under our
    verification_key.json and refuses it for a tampered public input.
(b) arkworks reads our .zkey (`groth16py.import_zkey`, its snarkjs zkey reader) and proves from
    our .wtns with it; our verifier accepts that proof under our verification key. This checks
    the .zkey layout (Montgomery points, doubly-Montgomery coefficients, the extra public rows,
    snarkjs' odd-coset h points) against an independent reader and prover.
(c) `settlement zk prove --circuit NAME --input input.json`: a built-in circuit's witness from
    circom-style named inputs (decimal and 0x-hex strings, arrays); arkworks verifies the proof,
    and the public output is the Poseidon hash / Merkle root computed here independently
    (light-poseidon). A malformed or dishonest input file is refused with exit 2, naming the signal.
(d) groth16py's own `setup` keys cannot be exported as .zkey, so that direction is not tested
    here; its proofs verify under ours (test_zk_groth16_verify.py).

Circuits: our built-ins (exported by `settlement zk export-r1cs` / `witness`) and circom's files
in Tests/vectors (a multiplier with a public output, circomlib's Poseidon(2)).
"""

import json
from pathlib import Path

import groth16py
import light_poseidon_python as lp
import pytest

from conftest import zk

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "Tests" / "vectors"
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617


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


def poseidon(*xs):
    """circomlib Poseidon, computed by light-poseidon (independent of our implementation)."""
    return int(lp.Hasher(len(xs)).hash_bytes_be([x.to_bytes(32, "big") for x in xs]), 16)


def keyed_circuit(cli, tmp_path, circuit, *depth):
    r1cs = tmp_path / f"{circuit}.r1cs"
    out = zk(cli, "export-r1cs", "--circuit", circuit, *depth, "--out", r1cs)
    assert out.returncode == 0, out.stderr
    return setup_dev(cli, tmp_path, r1cs)


def prove_input(cli, tmp_path, zkey, circuit, inputs, *depth):
    """`zk prove --circuit CIRCUIT --input FILE`; inputs is a dict (written as JSON) or raw text."""
    path = tmp_path / "input.json"
    path.write_text(inputs if isinstance(inputs, str) else json.dumps(inputs))
    proof, public = tmp_path / "proof.json", tmp_path / "public.json"
    out = zk(cli, "prove", "--zkey", zkey, "--circuit", circuit, *depth, "--input", path,
             "--proof", proof, "--public", public)
    return out, proof, public


def test_prove_from_input_file_poseidon_preimage(cli, tmp_path):
    zkey, vkey = keyed_circuit(cli, tmp_path, "poseidon-preimage")
    x, y = 123456789, R - 5
    out, proof, public = prove_input(cli, tmp_path, zkey, "poseidon-preimage", {"x": str(x), "y": hex(y)})
    assert out.returncode == 0, out.stderr
    inputs = json.loads(public.read_text())
    assert inputs == [str(poseidon(x, y))]
    assert ark_verify(vkey, proof.read_text(), inputs)
    assert not ark_verify(vkey, proof.read_text(), [str(poseidon(x, y + 1))])


def merkle_root(leaf, bits, siblings):
    node = leaf
    for bit, sibling in zip(bits, siblings):
        node = poseidon(sibling, node) if bit else poseidon(node, sibling)
    return node


def test_prove_from_input_file_merkle_membership(cli, tmp_path):
    depth = ("--depth", "3")
    zkey, vkey = keyed_circuit(cli, tmp_path, "merkle-membership", *depth)
    leaf, bits, siblings = 77, [1, 0, 1], [5, 2**200 + 1, 9]
    doc = {"leaf": str(leaf), "pathBits": [str(b) for b in bits], "siblings": [hex(s) for s in siblings]}
    out, proof, public = prove_input(cli, tmp_path, zkey, "merkle-membership", doc, *depth)
    assert out.returncode == 0, out.stderr
    inputs = json.loads(public.read_text())
    assert inputs == [str(merkle_root(leaf, bits, siblings))]
    assert ark_verify(vkey, proof.read_text(), inputs)
    # The claim that the leaf sits at another position: a different root, refused.
    assert not ark_verify(vkey, proof.read_text(), [str(merkle_root(leaf, [0, 0, 1], siblings))])


GOOD_MERKLE = {"leaf": "1", "pathBits": ["0", "1", "0"], "siblings": ["2", "3", "4"]}

BAD_INPUTS = [
    # (circuit, input, what stderr must name)
    ("poseidon-preimage", {"x": "1", "y": "2", "z": "3"}, "unknown signal 'z'"),
    ("poseidon-preimage", {"x": "1"}, "missing signal 'y'"),
    ("poseidon-preimage", {"x": str(R), "y": "2"}, "signal 'x': value is not below"),
    ("poseidon-preimage", {"x": "1", "y": hex(R + 1)}, "signal 'y': value is not below"),
    ("poseidon-preimage", {"x": "1", "y": "12abc"}, "signal 'y': not a decimal or 0x-hex"),
    ("poseidon-preimage", {"x": ["1"], "y": "2"}, "signal 'x': expected a single value"),
    ("poseidon-preimage", '{"x": "1", "y": ', "malformed input JSON"),
    ("poseidon-preimage", '["1", "2"]', "malformed input JSON"),
    ("merkle-membership", {**GOOD_MERKLE, "siblings": ["2", "3"]}, "signal 'siblings': expected 3 values, got 2"),
    ("merkle-membership", {**GOOD_MERKLE, "pathBits": "0"}, "signal 'pathBits': expected an array of 3"),
    ("merkle-membership", {**GOOD_MERKLE, "pathBits": ["0", "2", "0"]}, "signal 'pathBits[1]': a bit must be 0 or 1"),
    ("merkle-membership", {**GOOD_MERKLE, "siblings": ["2", str(R), "4"]}, "signal 'siblings[1]': value is not below"),
]


def test_prove_refuses_bad_input_files(cli, tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "m").mkdir()
    keys = {"poseidon-preimage": (keyed_circuit(cli, tmp_path / "p", "poseidon-preimage")[0], ()),
            "merkle-membership": (keyed_circuit(cli, tmp_path / "m", "merkle-membership", "--depth", "3")[0],
                                  ("--depth", "3"))}
    # The good Merkle input proves (so each refusal below is about the one changed signal).
    zkey, depth = keys["merkle-membership"]
    out, _, _ = prove_input(cli, tmp_path, zkey, "merkle-membership", GOOD_MERKLE, *depth)
    assert out.returncode == 0, out.stderr
    for circuit, doc, message in BAD_INPUTS:
        zkey, depth = keys[circuit]
        out, _, _ = prove_input(cli, tmp_path, zkey, circuit, doc, *depth)
        assert out.returncode == 2 and message in out.stderr, (doc, out.returncode, out.stderr)
    # A missing input file is an unreadable file (exit 4), not a refused input.
    zkey, _ = keys["poseidon-preimage"]
    out = zk(cli, "prove", "--zkey", zkey, "--circuit", "poseidon-preimage", "--input", tmp_path / "absent.json",
             "--out", tmp_path / "o")
    assert out.returncode == 4, out.stderr
