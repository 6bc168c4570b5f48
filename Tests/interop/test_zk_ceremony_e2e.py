"""The setup ceremony end to end, with the real CLI, checked by arkworks (groth16py 0.2.0).

Two contributors run phase 1 (powers of tau), two run phase 2 for a circuit; `verify-transcript`
checks every contribution; `export-zkey` verifies both transcripts again and writes a snarkjs
.zkey. Then:
- our prover's proof under that key verifies with arkworks' verifier and with py_ecc's pairing
  (and with neither for another input);
- arkworks reads the .zkey (`import_zkey`), proves with it, and our verifier accepts that proof;
- a second, independent phase-1 ceremony and the first give an aggregation SRS; four proofs under
  the ceremony's key aggregate and verify, and not for another input.

The adversaries: a coordinator who hands out a phase-2 transcript with no contribution (its δ is
1: anyone could forge), one built on another phase-1 transcript, one whose bytes were altered, and
an SRS made from one ceremony twice (a = b) or from an untouched one (τ = 1). Each is refused and
nothing is written.
"""

import json

import groth16py
import pytest

from conftest import zk
from test_zk_groth16_prove import R, VECTORS, ark_verify, proof_bytes_to_json
from test_zk_groth16_verify import py_ecc_verify

CIRCUIT = "circom_multiplier"  # a public output and a public input: small enough for a debug build


def ok(out):
    assert out.returncode == 0, out.stdout + out.stderr
    return out


def phase1(cli, d, name, contributors):
    """A phase-1 ceremony of power 3 (domains up to 8; an SRS for up to 8 proofs) with the contributors."""
    path = d / f"{name}-0.ptau"
    ok(zk(cli, "ceremony", "new", "--power", 3, "--out", path))
    for i, who in enumerate(contributors, 1):
        nxt = d / f"{name}-{i}.ptau"
        ok(zk(cli, "ceremony", "contribute", "--in", path, "--out", nxt, "--name", who))
        path = nxt
    return path


@pytest.fixture(scope="module")
def ceremony(cli, tmp_path_factory):
    d = tmp_path_factory.mktemp("ceremony")
    r1cs, wtns = VECTORS / f"{CIRCUIT}.r1cs", VECTORS / f"{CIRCUIT}.wtns"
    p1 = phase1(cli, d, "a", ["alice", "bob"])
    p2 = [d / "c-0.phase2"]
    ok(zk(cli, "ceremony", "phase2", "--ptau", p1, "--r1cs", r1cs, "--out", p2[0]))
    digests = {}
    for i, who in enumerate(["carol", "dave"], 1):
        p2.append(d / f"c-{i}.phase2")
        out = ok(zk(cli, "ceremony", "contribute", "--in", p2[i - 1], "--out", p2[i], "--name", who,
                    "--ptau", p1, "--r1cs", r1cs))
        # What each contributor notes and publishes: its contribution's digest.
        digests[who] = out.stdout.split()[4]
    return {"dir": d, "r1cs": r1cs, "wtns": wtns, "p1": p1, "p2": p2, "digests": digests}


def test_transcripts_verify_and_list_every_contribution(cli, ceremony):
    c = ceremony
    out = ok(zk(cli, "ceremony", "verify-transcript", c["p2"][-1], "--ptau", c["p1"], "--r1cs", c["r1cs"]))
    for who in ("alice", "bob", "carol", "dave"):
        assert f'"{who}" OK' in out.stdout, out.stdout
    assert "FAILED" not in out.stdout


def test_ceremony_key_proves_and_verifies_both_ways_with_arkworks(cli, ceremony):
    c, d = ceremony, ceremony["dir"]
    zkey, vkey = d / "c.zkey", d / "verification_key.json"
    ok(zk(cli, "ceremony", "export-zkey", "--in", c["p2"][-1], "--ptau", c["p1"], "--r1cs", c["r1cs"],
          "--out", zkey, "--vkey", vkey))
    # Ours proves, arkworks verifies.
    proof, public = d / "proof.json", d / "public.json"
    ok(zk(cli, "prove", "--zkey", zkey, "--wtns", c["wtns"], "--r1cs", c["r1cs"], "--proof", proof, "--public", public))
    inputs = json.loads(public.read_text())
    assert ark_verify(vkey, proof.read_text(), inputs)
    assert not ark_verify(vkey, proof.read_text(), [str((int(inputs[0]) + 1) % R)] + inputs[1:])
    # And by an independent pairing (py_ecc) on the same JSON numbers.
    vk_json, proof_json = json.loads(vkey.read_text()), json.loads(proof.read_text())
    assert py_ecc_verify(vk_json, proof_json, inputs)
    assert not py_ecc_verify(vk_json, proof_json, [str((int(inputs[0]) + 1) % R)] + inputs[1:])
    # arkworks reads the ceremony's .zkey and proves; ours verifies.
    imported = groth16py.import_zkey(str(zkey))
    pk = imported[0] if isinstance(imported, tuple) else imported
    ark_proof = d / "ark_proof.json"
    ark_proof.write_text(json.dumps(proof_bytes_to_json(groth16py.prove_wtns(pk, str(c["wtns"])))))
    out = ok(zk(cli, "verify", "--vk", vkey, "--proof", ark_proof, "--public", public))
    assert out.stdout.strip() == "valid"


def test_export_refuses_transcripts_a_coordinator_tampered_with(cli, ceremony):
    c, d = ceremony, ceremony["dir"]
    out_zkey = d / "refused.zkey"
    # No phase-2 contribution: δ = 1.
    out = zk(cli, "ceremony", "export-zkey", "--in", c["p2"][0], "--ptau", c["p1"], "--r1cs", c["r1cs"], "--out", out_zkey)
    assert out.returncode == 1 and "no contributions" in out.stdout, out.stdout + out.stderr
    assert not out_zkey.exists()
    # Built on another phase-1 ceremony than the one claimed.
    other = phase1(cli, d, "other", ["mallory"])
    out = zk(cli, "ceremony", "export-zkey", "--in", c["p2"][-1], "--ptau", other, "--r1cs", c["r1cs"], "--out", out_zkey)
    assert out.returncode == 1 and "FAILED" in out.stdout, out.stdout + out.stderr
    assert not out_zkey.exists()
    # Altered bytes: an earlier contributor's recorded name. Every later knowledge proof answers a
    # challenge hashed over the records before it, so the chain breaks.
    data = bytearray(c["p2"][-1].read_bytes())
    at = data.find(b"carol")
    assert at > 0
    data[at:at + 5] = b"carl!"
    altered = d / "altered.phase2"
    altered.write_bytes(bytes(data))
    out = zk(cli, "ceremony", "export-zkey", "--in", altered, "--ptau", c["p1"], "--r1cs", c["r1cs"], "--out", out_zkey)
    assert out.returncode == 1 and "FAILED" in out.stdout, out.stdout + out.stderr
    assert not out_zkey.exists()
    # The last record has no later proof over it: relabelled, it still verifies, but its digest is
    # not the one its contributor published, which is how a contributor finds its contribution.
    data = bytearray(c["p2"][-1].read_bytes())
    at = data.find(b"dave")
    data[at:at + 4] = b"eve!"
    altered.write_bytes(bytes(data))
    out = ok(zk(cli, "ceremony", "verify-transcript", altered, "--ptau", c["p1"], "--r1cs", c["r1cs"]))
    assert c["digests"]["dave"] not in out.stdout and c["digests"]["carol"] in out.stdout, out.stdout


def test_aggregation_srs_from_two_ceremonies(cli, ceremony):
    c, d = ceremony, ceremony["dir"]
    zkey, vkey = d / "agg.zkey", d / "agg_vk.json"
    ok(zk(cli, "ceremony", "export-zkey", "--in", c["p2"][-1], "--ptau", c["p1"], "--r1cs", c["r1cs"],
          "--out", zkey, "--vkey", vkey))
    b = phase1(cli, d, "b", ["erin"])
    srs = d / "agg.srs"
    ok(zk(cli, "aggregation-srs", "--ptau", c["p1"], "--ptau-b", b, "--out", srs))
    # a = b, and an untouched ceremony (τ = 1), are refused.
    out = zk(cli, "aggregation-srs", "--ptau", c["p1"], "--ptau-b", c["p1"], "--out", d / "same.srs")
    assert out.returncode == 1 and "same" in out.stderr, out.stdout + out.stderr
    out = zk(cli, "aggregation-srs", "--ptau", c["p1"], "--ptau-b", d / "b-0.ptau", "--out", d / "none.srs")
    assert out.returncode == 1, out.stdout + out.stderr
    assert not (d / "same.srs").exists() and not (d / "none.srs").exists()
    # Four proofs under the ceremony's key, aggregated with the two-ceremony SRS.
    pairs, publics = [], []
    for i in range(4):
        proof, public = d / f"p{i}.json", d / f"pub{i}.json"
        ok(zk(cli, "prove", "--zkey", zkey, "--wtns", c["wtns"], "--proof", proof, "--public", public))
        pairs.append(f"{proof}:{public}")
        publics.append(public)
    agg = d / "proofs.agg"
    ok(zk(cli, "aggregate", "--srs", srs, "--vkey", vkey, "--out", agg, *pairs))
    out = ok(zk(cli, "verify-aggregate", "--srs", srs, "--vkey", vkey, "--aggregate", agg, *publics))
    assert "valid" in out.stdout
    inputs = json.loads(publics[2].read_text())
    bumped = d / "bumped.json"
    bumped.write_text(json.dumps([str((int(inputs[0]) + 1) % R)] + inputs[1:]))
    out = zk(cli, "verify-aggregate", "--srs", srs, "--vkey", vkey, "--aggregate", agg,
             publics[0], publics[1], bumped, publics[3])
    assert out.returncode == 1, out.stdout + out.stderr



def test_setup_contribute_verify_prove_by_the_short_names(cli, tmp_path):
    """The names scripts call: `zk setup`, `zk contribute`, `zk verify-transcript`, `zk prove --pk
    --out`, and `zk prove --circuit NAME --example`."""
    r1cs, wtns = VECTORS / f"{CIRCUIT}.r1cs", VECTORS / f"{CIRCUIT}.wtns"
    d = tmp_path / "setup"
    out = ok(zk(cli, "setup", "--r1cs", r1cs, "--out", d, "--name", "operator"))
    assert "every contribution so far" in out.stderr and "error" not in out.stderr, out.stderr
    for f in ("circuit.r1cs", "phase1.ptau", "circuit.phase2", "circuit.zkey", "verification_key.json"):
        assert (d / f).stat().st_size > 0, f
    ok(zk(cli, "contribute", "--in", d / "circuit.phase2", "--out", d / "next.phase2", "--name", "auditor",
          "--ptau", d / "phase1.ptau", "--r1cs", d / "circuit.r1cs"))
    out = ok(zk(cli, "verify-transcript", d / "next.phase2", "--ptau", d / "phase1.ptau", "--r1cs", d / "circuit.r1cs"))
    assert '"operator" OK' in out.stdout and '"auditor" OK' in out.stdout, out.stdout
    ok(zk(cli, "ceremony", "export-zkey", "--in", d / "next.phase2", "--ptau", d / "phase1.ptau", "--r1cs",
          d / "circuit.r1cs", "--out", d / "final.zkey", "--vkey", d / "final_vk.json"))
    ok(zk(cli, "prove", "--pk", d / "final.zkey", "--wtns", wtns, "--out", d / "proof"))
    inputs = json.loads((d / "proof" / "public.json").read_text())
    assert ark_verify(d / "final_vk.json", (d / "proof" / "proof.json").read_text(), inputs)
    # The key before the auditor's contribution is another key: its verifier refuses this proof.
    assert not ark_verify(d / "verification_key.json", (d / "proof" / "proof.json").read_text(), inputs)
    # A built-in circuit's example, proved by name.
    dev = tmp_path / "dev"
    dev.mkdir()
    ok(zk(cli, "export-r1cs", "--circuit", "poseidon-preimage", "--out", dev / "c.r1cs"))
    ok(zk(cli, "setup-dev", "--r1cs", dev / "c.r1cs", "--zkey", dev / "c.zkey", "--vkey", dev / "vk.json"))
    ok(zk(cli, "prove", "--pk", dev / "c.zkey", "--circuit", "poseidon-preimage", "--example", "--out", dev / "p"))
    ok(zk(cli, "verify", "--vk", dev / "vk.json", "--proof", dev / "p" / "proof.json", "--public", dev / "p" / "public.json"))
    # No witness source, or two: bad usage.
    assert zk(cli, "prove", "--pk", dev / "c.zkey", "--out", dev / "q").returncode == 64
    assert zk(cli, "prove", "--pk", dev / "c.zkey", "--wtns", wtns, "--circuit", "poseidon-preimage", "--example",
              "--out", dev / "q").returncode == 64


def test_exports_and_srs_fail_closed(cli, ceremony):
    """A verification key is deployed as is: `export-vkey` verifies like `export-zkey`. A phase-1
    transcript of beacon contributions only (secrets anyone recomputes) makes no SRS; nor does a
    ceremony that continues a copy of the other's records."""
    c, d = ceremony, ceremony["dir"]
    vk = d / "refused_vk.json"
    assert zk(cli, "ceremony", "export-vkey", "--in", c["p2"][-1], "--out", vk).returncode == 64
    out = zk(cli, "ceremony", "export-vkey", "--in", c["p2"][0], "--ptau", c["p1"], "--r1cs", c["r1cs"], "--out", vk)
    assert out.returncode == 1 and "no contributions" in out.stdout, out.stdout + out.stderr
    assert not vk.exists()
    beacons = d / "beacons.ptau"
    ok(zk(cli, "ceremony", "new", "--power", 3, "--out", d / "empty.ptau"))
    ok(zk(cli, "ceremony", "beacon", "--in", d / "empty.ptau", "--out", beacons, "--beacon", "ab12",
          "--iterations-exponent", 1))
    out = zk(cli, "aggregation-srs", "--ptau", c["p1"], "--ptau-b", beacons, "--out", d / "b.srs")
    assert out.returncode == 1 and "only beacon contributions" in out.stdout, out.stdout + out.stderr
    # "Ceremony B" = A's records plus a beacon: valid alone, τ_b = x·τ_a with x public.
    copy = d / "copy.ptau"
    ok(zk(cli, "ceremony", "beacon", "--in", c["p1"], "--out", copy, "--beacon", "cd34", "--iterations-exponent", 1))
    ok(zk(cli, "ceremony", "verify-transcript", copy))
    out = zk(cli, "aggregation-srs", "--ptau", c["p1"], "--ptau-b", copy, "--out", d / "c.srs")
    assert out.returncode == 1 and "share a contribution record" in out.stderr, out.stdout + out.stderr
    assert not (d / "b.srs").exists() and not (d / "c.srs").exists()


def test_no_contribution_after_a_beacon_and_phase2_checked_without_phase1(cli, ceremony, tmp_path):
    """A beacon stays last: the CLI refuses to contribute after it, and a transcript with a record
    after a beacon fails verification (each beacon costs a verifier up to 2^28 hash rounds).
    Contributing to phase 2 without --ptau/--r1cs still checks each record and says what it skipped."""
    c = ceremony
    with_beacon = tmp_path / "beacon.ptau"
    ok(zk(cli, "ceremony", "beacon", "--in", c["p1"], "--out", with_beacon, "--beacon", "ee11", "--iterations-exponent", 1))
    out = ok(zk(cli, "ceremony", "verify-transcript", with_beacon))
    assert '"beacon" (beacon: public secrets) OK' in out.stdout, out.stdout
    out = zk(cli, "ceremony", "contribute", "--in", with_beacon, "--out", tmp_path / "after.ptau", "--name", "late")
    assert out.returncode == 1 and "must stay the last" in out.stderr, out.stdout + out.stderr
    assert not (tmp_path / "after.ptau").exists()
    out = ok(zk(cli, "ceremony", "contribute", "--in", c["p2"][-1], "--out", tmp_path / "next.phase2", "--name", "erin"))
    assert "the key was not checked against phase 1" in out.stderr, out.stderr
