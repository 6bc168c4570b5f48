"""Our Groth16 verifier (`settlement zk verify`) decides as arkworks and as py_ecc do.

Prover and key generator: groth16py (arkworks Groth16), on the .r1cs/.wtns our CLI exports for
the built-in circuits. Its VerifyingKey exports snarkjs JSON (`to_json`); its proof is the
256-byte Ethereum layout A‖B‖C with B in the EIP-197 order (imaginary part first), which this
test converts to snarkjs proof.json (G2 as [c0, c1]); the conversion is checked by groth16py's
own `verify_snarkjs` on the JSON we hand to our verifier. Independent check: the same numbers
through py_ecc's pairing.

Set ZK_WRITE_FIXTURES=1 to (re)write Tests/vectors/groth16/ from a fresh groth16py setup.
"""

import json
import os
from pathlib import Path

import groth16py
import pytest
from py_ecc.fields import optimized_bn128_FQ as FQ, optimized_bn128_FQ2 as FQ2, optimized_bn128_FQ12 as FQ12
from py_ecc.optimized_bn128 import optimized_curve as oc
from py_ecc.optimized_bn128 import optimized_pairing as op

from conftest import zk

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "Tests" / "vectors" / "groth16"
P = 21888242871839275222246405745257275088696311157297823662689037894645226208583
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617


def proof_bytes_to_json(proof):
    """groth16py's 256-byte proof (EIP-196/197 words) as snarkjs proof.json."""
    assert len(proof) == 256
    w = [str(int.from_bytes(proof[i:i + 32], "big")) for i in range(0, 256, 32)]
    return {"pi_a": [w[0], w[1], "1"], "pi_b": [[w[3], w[2]], [w[5], w[4]], ["1", "0"]],
            "pi_c": [w[6], w[7], "1"], "protocol": "groth16", "curve": "bn128"}


def g1(v):
    return (FQ(int(v[0])), FQ(int(v[1])), FQ(1))


def g2(v):
    return (FQ2([int(v[0][0]), int(v[0][1])]), FQ2([int(v[1][0]), int(v[1][1])]), FQ2([1, 0]))


def py_ecc_verify(vk, proof, public):
    """e(−A,B)·e(α,β)·e(vk_x,γ)·e(C,δ) = 1 in py_ecc, from the same JSON numbers."""
    if len(public) != len(vk["IC"]) - 1:
        return False
    vk_x = g1(vk["IC"][0])
    for x, ic in zip(public, vk["IC"][1:]):
        vk_x = oc.add(vk_x, oc.multiply(g1(ic), int(x)))
    f = FQ12.one()
    for p, q in ((oc.neg(g1(proof["pi_a"])), g2(proof["pi_b"])), (g1(vk["vk_alpha_1"]), g2(vk["vk_beta_2"])),
                 (vk_x, g2(vk["vk_gamma_2"])), (g1(proof["pi_c"]), g2(vk["vk_delta_2"]))):
        f = f * op.pairing(q, p, final_exponentiate=False)
    return op.final_exponentiate(f) == FQ12.one()


def make(cli, tmp_path, circuit, *extra):
    """groth16py's (vk JSON, proof JSON, public list) for one of our built-in circuits."""
    r1cs, wtns = tmp_path / f"{circuit}.r1cs", tmp_path / f"{circuit}.wtns"
    assert zk(cli, "export-r1cs", "--circuit", circuit, *extra, "--out", str(r1cs)).returncode == 0
    out = zk(cli, "witness", "--circuit", circuit, *extra, "--example", "--out", str(wtns))
    assert out.returncode == 0, out.stderr
    public = out.stdout.split("public [")[1].split("]")[0].split(", ")
    pk, vk = groth16py.setup(str(r1cs))
    proof = groth16py.prove_wtns(pk, str(wtns))
    assert groth16py.Verifier(vk).verify(proof, [int(x) for x in public])
    return json.loads(vk.to_json()), proof_bytes_to_json(proof), public, vk


def write(dirpath, vk, proof, public):
    dirpath.mkdir(parents=True, exist_ok=True)
    (dirpath / "vk.json").write_text(json.dumps(vk, indent=1, sort_keys=True) + "\n")
    (dirpath / "proof.json").write_text(json.dumps(proof, indent=1, sort_keys=True) + "\n")
    (dirpath / "public.json").write_text(json.dumps(public) + "\n")
    return dirpath / "vk.json", dirpath / "proof.json", dirpath / "public.json"


def verify(cli, files):
    vk, proof, public = files
    return zk(cli, "verify", "--vk", str(vk), "--proof", str(proof), "--public", str(public))


def twist_point_outside_g2():
    """A point on the twist E'(Fq2) of order not dividing r (the cofactor is a large prime)."""
    b2 = FQ2([3, 0]) / FQ2([9, 1])
    x = 1
    while True:
        xf = FQ2([x, 1])
        a = xf ** 3 + b2
        # Square root in Fq2 (p ≡ 3 mod 4).
        a1 = a ** ((P - 3) // 4)
        alpha = a1 * a1 * a
        x0 = a1 * a
        if alpha == FQ2([P - 1, 0]):
            y = FQ2([0, 1]) * x0
        else:
            y = (FQ2([1, 0]) + alpha) ** ((P - 1) // 2) * x0
        if y * y == a:
            point = (xf, y, FQ2([1, 0]))
            assert not oc.is_inf(oc.multiply(point, R))
            return point
        x += 1


@pytest.mark.parametrize("circuit,extra", [("poseidon-preimage", ()), ("merkle-membership", ("--depth", "4"))])
def test_groth16py_proofs_verify_under_ours_and_tampering_is_refused(cli, tmp_path, circuit, extra):
    vk, proof, public, ark_vk = make(cli, tmp_path, circuit, *extra)
    files = write(tmp_path / "ok", vk, proof, public)
    # The JSON our verifier reads is what arkworks accepts too (the proof conversion is right).
    assert groth16py.Verifier(ark_vk).verify_snarkjs(json.dumps(proof), json.dumps(public))
    p = verify(cli, files)
    assert p.returncode == 0 and p.stdout.strip() == "valid", p.stderr
    assert py_ecc_verify(vk, proof, public)

    # A dishonest prover claims public value + 1.
    bumped = [str((int(public[0]) + 1) % R)]
    p = verify(cli, write(tmp_path / "bumped", vk, proof, bumped))
    assert p.returncode == 1 and "pairing check fails" in p.stderr
    assert not py_ecc_verify(vk, proof, bumped)
    assert not groth16py.Verifier(ark_vk).verify_snarkjs(json.dumps(proof), json.dumps(bumped))

    # One coordinate changed to another valid point: C ← C + G1 generator.
    c = oc.normalize(oc.add(g1(proof["pi_c"]), oc.G1))
    moved = dict(proof, pi_c=[str(c[0].n), str(c[1].n), "1"])
    p = verify(cli, write(tmp_path / "moved", vk, moved, public))
    assert p.returncode == 1, p.stderr
    assert not py_ecc_verify(vk, moved, public)

    # One byte of the proof flipped: A's y leaves the curve -> an error naming it, not a verdict.
    flipped = dict(proof, pi_a=[proof["pi_a"][0], str(int(proof["pi_a"][1]) ^ 1), "1"])
    p = verify(cli, write(tmp_path / "flipped", vk, flipped, public))
    assert p.returncode == 4 and "pi_a" in p.stderr and "not on the curve" in p.stderr

    # B replaced by a twist point outside G2: refused by the subgroup check.
    q = oc.normalize(twist_point_outside_g2())
    outside = dict(proof, pi_b=[[str(q[0].coeffs[0]), str(q[0].coeffs[1])],
                                [str(q[1].coeffs[0]), str(q[1].coeffs[1])], ["1", "0"]])
    p = verify(cli, write(tmp_path / "outside", vk, outside, public))
    assert p.returncode == 4 and "pi_b" in p.stderr and "not in the order-r subgroup" in p.stderr

    # A coordinate ≥ p.
    big = dict(proof, pi_c=[str(int(proof["pi_c"][0]) + P), proof["pi_c"][1], "1"])
    p = verify(cli, write(tmp_path / "big", vk, big, public))
    assert p.returncode == 4 and "not below the field modulus" in p.stderr

    # Wrong number of public inputs.
    p = verify(cli, write(tmp_path / "count", vk, proof, public + ["1"]))
    assert p.returncode == 1 and "public inputs" in p.stderr


def test_proof_under_another_circuits_key_is_refused(cli, tmp_path):
    vk_a, proof_a, public_a, _ = make(cli, tmp_path, "poseidon-preimage")
    vk_b, proof_b, public_b, _ = make(cli, tmp_path, "merkle-membership", "--depth", "4")
    for vk, proof, public, name in ((vk_b, proof_a, public_a, "ab"), (vk_a, proof_b, public_b, "ba")):
        p = verify(cli, write(tmp_path / name, vk, proof, public))
        assert p.returncode == 1, p.stderr
        assert not py_ecc_verify(vk, proof, public)
    # Two setups of the same circuit have unrelated keys: a proof under one fails the other.
    vk_c, _, _, _ = make(cli, tmp_path, "poseidon-preimage")
    p = verify(cli, write(tmp_path / "other-setup", vk_c, proof_a, public_a))
    assert p.returncode == 1


def test_unreadable_and_malformed_input_is_an_error(cli, tmp_path):
    vk, proof, public, _ = make(cli, tmp_path, "poseidon-preimage")
    vkf, prf, pubf = write(tmp_path / "ok", vk, proof, public)
    cases = {
        "missing": (tmp_path / "nope.json", prf, pubf, "cannot read"),
        "not json": (vkf, tmp_path / "garbage.json", pubf, "malformed JSON"),
        "no pi_b": (vkf, tmp_path / "nopib.json", pubf, "missing field 'pi_b'"),
        "oversized": (tmp_path / "huge.json", prf, pubf, "larger than"),
        "public not decimal": (vkf, prf, tmp_path / "hex.json", "public[0]"),
        "public >= r": (vkf, prf, tmp_path / "big.json", "not below the scalar field order r"),
        "wrong curve": (tmp_path / "bls.json", prf, pubf, "unsupported curve"),
    }
    (tmp_path / "garbage.json").write_text("{\"pi_a\": [")
    (tmp_path / "nopib.json").write_text(json.dumps({k: v for k, v in proof.items() if k != "pi_b"}))
    (tmp_path / "huge.json").write_text(" " * (5 << 20))
    (tmp_path / "hex.json").write_text(json.dumps(["0x01"]))
    (tmp_path / "big.json").write_text(json.dumps([str(R)]))
    (tmp_path / "bls.json").write_text(json.dumps(dict(vk, curve="bls12381")))
    for name, (a, b, c, message) in cases.items():
        p = verify(cli, (a, b, c))
        assert p.returncode == 4 and message in p.stderr, (name, p.returncode, p.stderr)


def test_committed_fixture(cli):
    """Tests/vectors/groth16 (read by ZKTests.Groth16FixtureTests) verifies under all three."""
    vk = json.loads((FIXTURES / "vk.json").read_text())
    proof = json.loads((FIXTURES / "proof.json").read_text())
    public = json.loads((FIXTURES / "public.json").read_text())
    assert groth16py.Verifier(groth16py.VerifyingKey.from_snarkjs(json.dumps(vk))).verify_snarkjs(
        json.dumps(proof), json.dumps(public))
    assert py_ecc_verify(vk, proof, public)
    assert verify(cli, (FIXTURES / "vk.json", FIXTURES / "proof.json", FIXTURES / "public.json")).returncode == 0


@pytest.mark.skipif(not os.environ.get("ZK_WRITE_FIXTURES"), reason="set ZK_WRITE_FIXTURES=1 to rewrite")
def test_write_fixture(cli, tmp_path):
    vk, proof, public, _ = make(cli, tmp_path, "poseidon-preimage")
    write(FIXTURES, vk, proof, public)
