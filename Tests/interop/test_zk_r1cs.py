"""Our .r1cs/.wtns are the real iden3 formats, checked against tools nobody here wrote.

Swift side: the `settlement zk ...` CLI (CLI_BIN, default .build/debug/settlement).
Other side: groth16py (arkworks Groth16; reads circom .r1cs and .wtns, bundles the circom
compiler) and light-poseidon, pinned in requirements.txt.

1. arkworks accepts our constraint systems and witnesses: groth16py sets up a Groth16 key from
   the .r1cs we export, proves from the .wtns we write, and the proof verifies for our public
   input only; a witness we tamper with gives no verifying proof.
2. We accept circom's: a multiplier and circomlib's Poseidon(2) compiled by the circom compiler
   inside groth16py (its temporary .r1cs and witness calculator are kept by a small LD_PRELOAD
   shim that turns the cleanup's unlinks into no-ops), the witness computed by circom's own
   generated witness calculator under node; `settlement zk check` reads both and finds the
   witness satisfying, and a tampered copy not.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import groth16py
import light_poseidon_python as lp
import pytest

from conftest import zk

REPO = Path(__file__).resolve().parents[2]
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617


def run(cli, *args, check=True):
    p = zk(cli, *args)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def read_wtns(path):
    """The values of a .wtns file (minimal reader for the test's own tampering)."""
    data = Path(path).read_bytes()
    assert data[:4] == b"wtns" and int.from_bytes(data[4:8], "little") == 2
    count = int.from_bytes(data[60:64], "little")
    start = 64 + 12
    return [int.from_bytes(data[start + 32 * i:start + 32 * (i + 1)], "little") for i in range(count)]


def tamper_wtns(path, out, index, delta=1):
    data = bytearray(Path(path).read_bytes())
    off = 64 + 12 + 32 * index
    v = (int.from_bytes(data[off:off + 32], "little") + delta) % R
    data[off:off + 32] = v.to_bytes(32, "little")
    Path(out).write_bytes(bytes(data))


def test_poseidon_cli_matches_light_poseidon(cli):
    for inputs in ([1, 2], [0], list(range(1, 13)), [R - 1, 12345678901234567890]):
        want = int(lp.Hasher(len(inputs)).hash_bytes_be([x.to_bytes(32, "big") for x in inputs]), 16)
        out = run(cli, "poseidon", *[str(x) for x in inputs]).stdout.strip()
        assert out == "0x%064x" % want
    # Hex inputs, and refusals with a non-zero exit.
    assert run(cli, "poseidon", "0x1", "0x2").stdout.strip() == run(cli, "poseidon", "1", "2").stdout.strip()
    for bad in (["%d" % R], ["0xzz"], [], ["1"] * 17):
        p = run(cli, "poseidon", *bad, check=False)
        assert p.returncode != 0 and "error" in p.stderr.lower()


def test_circuits_listing(cli):
    out = run(cli, "circuits").stdout
    rows = {line.split("\t")[0]: line.split("\t") for line in out.splitlines()[1:]}
    assert rows["poseidon-preimage"][1:3] == ["241", "1"]
    assert rows["merkle-membership"][1:3] == [str(242 * 20 + 1), "1"]
    p = run(cli, "export-r1cs", "--circuit", "nope", "--out", "/dev/null", check=False)
    assert p.returncode != 0 and "unknown circuit" in p.stderr


def export(cli, tmp_path, circuit, *extra):
    r1cs, wtns = tmp_path / f"{circuit}.r1cs", tmp_path / f"{circuit}.wtns"
    run(cli, "export-r1cs", "--circuit", circuit, *extra, "--out", str(r1cs))
    run(cli, "witness", "--circuit", circuit, *extra, "--example", "--out", str(wtns))
    return r1cs, wtns


@pytest.mark.parametrize("circuit,extra", [("poseidon-preimage", ()), ("merkle-membership", ())])
def test_groth16py_proves_our_files(cli, tmp_path, circuit, extra):
    r1cs, wtns = export(cli, tmp_path, circuit, *extra)
    values = read_wtns(wtns)
    pk, vk = groth16py.setup(str(r1cs))
    assert vk.n_public == 1
    proof = groth16py.prove_wtns(pk, str(wtns))
    verifier = groth16py.Verifier(vk)
    assert verifier.verify(proof, [values[1]])
    assert not verifier.verify(proof, [(values[1] + 1) % R])
    if circuit == "poseidon-preimage":
        # The public input is poseidon(1, 2), as light-poseidon computes it.
        want = int(lp.Hasher(2).hash_bytes_be([(1).to_bytes(32, "big"), (2).to_bytes(32, "big")]), 16)
        assert values[1] == want

    # A dishonest prover edits a private wire: arkworks' proof from it must not verify (or the
    # prover refuses the witness outright); our checker names the failure.
    bad = tmp_path / "tampered.wtns"
    tamper_wtns(wtns, bad, index=len(values) - 1)
    try:
        bad_proof = groth16py.prove_wtns(pk, str(bad))
    except Exception:
        bad_proof = None
    if bad_proof is not None:
        assert not verifier.verify(bad_proof, [values[1]])
    p = run(cli, "check", "--r1cs", str(r1cs), "--wtns", str(bad), check=False)
    assert p.returncode == 1 and "is not satisfied" in p.stderr
    assert run(cli, "check", "--r1cs", str(r1cs), "--wtns", str(wtns)).stdout.strip().endswith("satisfied")


SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
int unlinkat(int fd, const char *path, int flags) {
    (void)fd; (void)path;
    if (flags & AT_REMOVEDIR) { errno = ENOTEMPTY; return -1; }
    return 0;
}
"""

MULTIPLIER = """pragma circom 2.0.0;
template Multiplier() { signal input a; signal input b; signal output c; c <== a * b; }
component main = Multiplier();
"""

POSEIDON = """pragma circom 2.0.0;
include "poseidon.circom";
template H() { signal input x; signal input y; signal output h;
  component p = Poseidon(2); p.inputs[0] <== x; p.inputs[1] <== y; h <== p.out; }
component main = H();
"""


def circom_compile(tmp_path, name, source):
    """Compiles with groth16py's bundled circom; returns (circuit.r1cs, directory of js/)."""
    for tool in ("cc", "node"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is needed to keep and run circom's outputs")
    shim = tmp_path / "keep.so"
    (tmp_path / "keep.c").write_text(SHIM)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(shim), str(tmp_path / "keep.c")], check=True)
    src = tmp_path / f"{name}.circom"
    src.write_text(source)
    work = tmp_path / f"{name}-tmp"
    work.mkdir()
    env = dict(os.environ, TMPDIR=str(work), LD_PRELOAD=str(shim))
    code = "import groth16py, sys; groth16py.setup_circom(sys.argv[1], [groth16py.circomlib_path(2)])"
    p = subprocess.run([str(Path(os.sys.executable)), "-c", code, str(src)], env=env, capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    found = list(work.glob("*/circuit.r1cs"))
    assert len(found) == 1, list(work.rglob("*"))
    return found[0], found[0].parent / "js", p.stdout + p.stderr


def circom_witness(tmp_path, js, inputs):
    """circom's generated witness calculator, under node. circom emits the module as WebAssembly
    text with pre-standard instruction names; they are renamed and assembled by wat2wasm."""
    text = (js / "circuit.wasm").read_text()
    for old, new in (("get_local", "local.get"), ("set_local", "local.set"), ("tee_local", "local.tee"),
                     ("get_global", "global.get"), ("set_global", "global.set"),
                     ("i32.wrap/i64", "i32.wrap_i64"), ("i64.extend_u/i32", "i64.extend_i32_u")):
        text = text.replace(old, new)
    (js / "circuit.wat").write_text(text)
    wat2wasm = Path(os.sys.executable).parent / "wat2wasm"
    subprocess.run([str(wat2wasm), str(js / "circuit.wat"), "-o", str(js / "circuit.wasm")], check=True)
    (js / "input.json").write_text("{" + ", ".join(f'"{k}": "{v}"' for k, v in inputs.items()) + "}")
    out = tmp_path / "circom.wtns"
    subprocess.run(["node", str(js / "generate_witness.js"), str(js / "circuit.wasm"), str(js / "input.json"),
                    str(out)], check=True, capture_output=True, timeout=300)
    return out


@pytest.mark.parametrize("name,source,inputs,expect", [
    ("multiplier", MULTIPLIER, {"a": 3, "b": 11}, lambda w: w[1] == 33),
    ("poseidon2", POSEIDON, {"x": 1, "y": 2},
     lambda w: w[1] == int(lp.Hasher(2).hash_bytes_be([(1).to_bytes(32, "big"), (2).to_bytes(32, "big")]), 16)),
])
def test_we_read_circom_outputs(cli, tmp_path, name, source, inputs, expect):
    r1cs, js, log = circom_compile(tmp_path, name, source)
    wtns = circom_witness(tmp_path, js, inputs)
    values = read_wtns(wtns)
    assert values[0] == 1 and expect(values)
    p = run(cli, "check", "--r1cs", str(r1cs), "--wtns", str(wtns))
    assert p.stdout.strip().endswith("satisfied"), p.stdout
    m = re.search(r"r1cs: (\d+) constraints", p.stdout)
    print(f"{name}: circom reports {log.strip().splitlines()[:3]}; we read {m.group(1)} constraints")
    # The public output (wire 1) as our Poseidon computes it.
    if name == "poseidon2":
        assert run(cli, "poseidon", "1", "2").stdout.strip() == "0x%064x" % values[1]
    # A tampered witness: every wire is used by some constraint in these circuits.
    for index in range(1, len(values)):
        bad = tmp_path / f"bad{index}.wtns"
        tamper_wtns(wtns, bad, index)
        p = run(cli, "check", "--r1cs", str(r1cs), "--wtns", str(bad), check=False)
        assert p.returncode == 1 and "is not satisfied" in p.stderr, (index, p.stdout, p.stderr)
        if index > 40:
            break


@pytest.mark.parametrize("name,source,inputs", [
    ("multiplier", MULTIPLIER, {"a": 3, "b": 11}),
    ("poseidon2", POSEIDON, {"x": 1, "y": 2}),
])
def test_committed_circom_fixtures_are_a_fresh_compile(tmp_path, name, source, inputs):
    """Tests/vectors/circom_*.r1cs/.wtns (read by ZKTests.CircomFixtureTests) are what circom
    writes today: the compile and the witness calculator are deterministic."""
    r1cs, js, _ = circom_compile(tmp_path, name, source)
    wtns = circom_witness(tmp_path, js, inputs)
    assert r1cs.read_bytes() == (REPO / "Tests" / "vectors" / f"circom_{name}.r1cs").read_bytes()
    assert wtns.read_bytes() == (REPO / "Tests" / "vectors" / f"circom_{name}.wtns").read_bytes()


def test_hostile_files_are_refused(cli, tmp_path):
    r1cs, wtns = export(cli, tmp_path, "poseidon-preimage")
    data = r1cs.read_bytes()
    cases = {
        "magic": b"x" + data[1:],
        "truncated": data[:len(data) // 2],
        "prime": data[:28] + bytes([data[28] ^ 1]) + data[29:],
    }
    for what, content in cases.items():
        bad = tmp_path / f"{what}.r1cs"
        bad.write_bytes(content)
        p = run(cli, "check", "--r1cs", str(bad), "--wtns", str(wtns), check=False)
        assert p.returncode == 4 and "error" in p.stderr, (what, p.stderr)
    w = wtns.read_bytes()
    bad = tmp_path / "huge.wtns"
    bad.write_bytes(w[:60] + (0xFFFFFFFF).to_bytes(4, "little") + w[64:])
    p = run(cli, "check", "--r1cs", str(r1cs), "--wtns", str(bad), check=False)
    assert p.returncode == 4 and "invalid count" in p.stderr
