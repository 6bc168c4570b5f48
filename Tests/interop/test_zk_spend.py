"""The shielded spend circuit (`settlement zk ... --circuit spend`, docs/shielded.md) against
independent tools.

- Its public inputs (root, nullifiers, commitments) for the built-in example are recomputed here
  from the specification with light-poseidon: the note tree of depth 32 with empty subtrees
  Z_h, cm = H(value, pk, rho), pk = H(sk), nf = H(sk, cm, pos).
- Our development setup and prover: arkworks (groth16py) verifies the proof from its snarkjs
  JSON (proof.json, public.json, verification_key.json) and refuses it when any one of the nine
  public inputs is bumped, the binding hash included.
- arkworks reads our .zkey and proves from our .wtns; our verifier accepts that proof.
- An input file: a shield (two zero-value dummy inputs, publicIn = the outputs) proves and
  verifies under arkworks; a wrapping spender (an output of r - 1 so that the balance holds
  modulo r) is refused by `zk prove` (exit 1, the witness does not satisfy the system).

The setup and proofs take minutes with a debug build: set CLI_BIN to a release `settlement`.
"""

import json

import groth16py
import light_poseidon_python as lp
import pytest

from conftest import zk

R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
DEPTH = 32


def poseidon(*xs):
    """circomlib Poseidon by light-poseidon (independent of our implementation)."""
    return int(lp.Hasher(len(xs)).hash_bytes_be([x.to_bytes(32, "big") for x in xs]), 16)


def tree_root_and_paths(leaves):
    """Root and each leaf's siblings of the depth-32 note tree holding `leaves` at 0, 1, ..."""
    z = [0]
    for _ in range(DEPTH):
        z.append(poseidon(z[-1], z[-1]))
    paths = [[] for _ in leaves]
    level = list(leaves)
    for h in range(DEPTH):
        for i in range(len(leaves)):
            s = (i >> h) ^ 1
            paths[i].append(level[s] if s < len(level) else z[h])
        level = [poseidon(level[k], level[k + 1] if k + 1 < len(level) else z[h]) for k in range(0, len(level), 2)]
    return level[0], paths


def note(value, sk=None, pk=None, rho=0):
    pk = poseidon(sk) if pk is None else pk
    return poseidon(value, pk, rho)


def expected_example_publics():
    """SpendCircuit.example(): carol's 5 at position 0; alice's 70 (rho 11) at 1 and bob's 30
    (rho 13) at 2 are spent into 60 for carol (rho 17) and 35 for alice (rho 19), fee 5."""
    alice, bob, carol = 1001, 2002, 3003
    cms = [note(5, sk=carol, rho=7), note(70, sk=alice, rho=11), note(30, sk=bob, rho=13)]
    root, _ = tree_root_and_paths(cms)
    nfs = [poseidon(alice, cms[1], 1), poseidon(bob, cms[2], 2)]
    outs = [note(60, sk=carol, rho=17), note(35, sk=alice, rho=19)]
    binding = poseidon(424242)
    return [root, *nfs, *outs, 0, 0, 5, binding]


def ark_verify(vkey, proof_text, public):
    verifier = groth16py.Verifier(groth16py.VerifyingKey.from_snarkjs_file(str(vkey)))
    return verifier.verify_snarkjs(proof_text, json.dumps([str(x) for x in public]))


def proof_bytes_to_json(proof):
    """groth16py's 256-byte proof (EIP-196/197 words) as snarkjs proof.json."""
    assert len(proof) == 256
    w = [str(int.from_bytes(proof[i:i + 32], "big")) for i in range(0, 256, 32)]
    return {"pi_a": [w[0], w[1], "1"], "pi_b": [[w[3], w[2]], [w[5], w[4]], ["1", "0"]],
            "pi_c": [w[6], w[7], "1"], "protocol": "groth16", "curve": "bn128"}


@pytest.fixture(scope="module")
def spend(cli, tmp_path_factory):
    """The spend circuit's .r1cs, example .wtns, development .zkey and verification key."""
    d = tmp_path_factory.mktemp("spend")
    files = {k: d / f for k, f in (("r1cs", "spend.r1cs"), ("wtns", "spend.wtns"), ("zkey", "spend.zkey"),
                                   ("vkey", "verification_key.json"))}
    out = zk(cli, "export-r1cs", "--circuit", "spend", "--out", files["r1cs"])
    assert out.returncode == 0, out.stderr
    assert "17748 constraints" in out.stdout and "9 public" in out.stdout, out.stdout
    out = zk(cli, "witness", "--circuit", "spend", "--example", "--out", files["wtns"])
    assert out.returncode == 0, out.stderr
    out = zk(cli, "setup-dev", "--r1cs", files["r1cs"], "--zkey", files["zkey"], "--vkey", files["vkey"])
    assert out.returncode == 0, out.stderr
    files["dir"] = d
    return files


def test_listing(cli):
    rows = {line.split("\t")[0]: line.split("\t") for line in zk(cli, "circuits").stdout.splitlines()[1:]}
    assert rows["spend"][1:3] == ["17748", "9"]


def test_our_proof_verifies_under_arkworks_and_binds_every_public_input(cli, spend):
    proof, public = spend["dir"] / "proof.json", spend["dir"] / "public.json"
    out = zk(cli, "prove", "--zkey", spend["zkey"], "--circuit", "spend", "--example",
             "--proof", proof, "--public", public)
    assert out.returncode == 0, out.stderr
    publics = [int(x) for x in json.loads(public.read_text())]
    assert publics == expected_example_publics()
    assert ark_verify(spend["vkey"], proof.read_text(), publics)
    assert zk(cli, "verify", "--vk", spend["vkey"], "--proof", proof, "--public", public).returncode == 0
    # Every IC point is a real point (binding's included): none is the point at infinity ("0", "1", "0").
    ic = json.loads(spend["vkey"].read_text())["IC"]
    assert len(ic) == 10 and all(p[2] == "1" for p in ic)
    for i in range(9):
        bumped = list(publics)
        bumped[i] = (bumped[i] + 1) % R
        assert not ark_verify(spend["vkey"], proof.read_text(), bumped), i


def test_arkworks_proves_with_our_zkey(cli, spend):
    imported = groth16py.import_zkey(str(spend["zkey"]))
    pk = imported[0] if isinstance(imported, tuple) else imported
    ark = groth16py.prove_wtns(pk, str(spend["wtns"]))
    proof, public = spend["dir"] / "ark_proof.json", spend["dir"] / "ark_public.json"
    proof.write_text(json.dumps(proof_bytes_to_json(ark)))
    publics = expected_example_publics()
    public.write_text(json.dumps([str(x) for x in publics]))
    p = zk(cli, "verify", "--vk", spend["vkey"], "--proof", proof, "--public", public)
    assert p.returncode == 0 and p.stdout.strip() == "valid", p.stderr
    publics[-1] = (publics[-1] + 1) % R
    public.write_text(json.dumps([str(x) for x in publics]))
    assert zk(cli, "verify", "--vk", spend["vkey"], "--proof", proof, "--public", public).returncode == 1


def shield_input(out_values):
    """Two zero-value dummies (no tree), 100 shielded into two notes for alice."""
    alice_pk = poseidon(1001)
    return {
        "inSpendingKey": ["5", "6"], "inValue": ["0", "0"], "inRandomness": ["77", "78"],
        "inPathBits0": ["0"] * DEPTH, "inSiblings0": ["0"] * DEPTH,
        "inPathBits1": ["1"] * 3 + ["0"] * (DEPTH - 3), "inSiblings1": [hex(900 + i) for i in range(DEPTH)],
        "outValue": [str(v) for v in out_values], "outOwner": [str(alice_pk)] * 2, "outRandomness": ["1", "2"],
        "publicIn": "100", "publicOut": "0", "fee": "0", "binding": str(R - 1),
    }


def test_shield_from_input_file_and_a_wrapping_spender_refused(cli, spend):
    d = spend["dir"]
    path, proof, public = d / "shield.json", d / "shield_proof.json", d / "shield_public.json"
    path.write_text(json.dumps(shield_input([60, 40])))
    out = zk(cli, "prove", "--zkey", spend["zkey"], "--circuit", "spend", "--input", path,
             "--proof", proof, "--public", public)
    assert out.returncode == 0, out.stderr
    publics = [int(x) for x in json.loads(public.read_text())]
    alice_pk = poseidon(1001)
    assert publics[3:] == [note(60, pk=alice_pk, rho=1), note(40, pk=alice_pk, rho=2), 100, 0, 0, R - 1]
    dummy0 = note(0, sk=5, rho=77)
    assert publics[1] == poseidon(5, dummy0, 0) and publics[2] == poseidon(6, note(0, sk=6, rho=78), 7)
    assert ark_verify(spend["vkey"], proof.read_text(), publics)

    # 100 in, 101 and r - 1 out: balanced modulo r, but r - 1 is not below 2^64 (the second
    # output's range, constraint 17,745, fails before the balance, 17,746). Then plain
    # inflation, 100 in and 60 + 41 out: the balance fails.
    for outs, constraint in (([101, R - 1], 17745), ([60, 41], 17746)):
        path.write_text(json.dumps(shield_input(outs)))
        out = zk(cli, "prove", "--zkey", spend["zkey"], "--circuit", "spend", "--input", path,
                 "--proof", proof, "--public", public)
        assert out.returncode == 1 and f"constraint {constraint} is not satisfied" in out.stderr, out.stderr
