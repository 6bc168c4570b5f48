"""Shielded keys, addresses and note encryption agree with an implementation nobody here wrote.

Swift side: the `settlement shielded ...` CLI (CLI_BIN, default .build/debug/settlement): keygen,
address, viewing-key, seal-note, open-note.
Other side: the specification (docs/shielded.md, "Keys and addresses", "Note encryption")
written out below over pycryptodome (X25519, HKDF-SHA256, ChaCha20-Poly1305), hashlib (SHA-256)
and light-poseidon (circomlib's Poseidon), all pinned in requirements.txt.

1. The keys: from the spending-key file our keygen writes, Python derives pk, ivk, tk and the
   address text; they are what our CLI prints, and the file is mode 0600 and never overwritten.
2. Python seals, we open: notes Python seals to our address open with our viewing key (and
   spending key) to the same value, randomness and memo.
3. We seal, Python opens: the ciphertext our seal-note prints opens in Python with the ivk Python
   derived itself, to a note whose light-poseidon commitment is the one we printed.
4. The dishonest sender: a ciphertext whose plaintext does not open its commitment (a lie about
   the value), a ciphertext to another address, altered bytes, another commitment: our open-note
   says `not for this key` (exit 1) for each.

`vectors()` prints the fixed known-answer values that Tests/SettlementTests/Shielded pins.
"""

import hashlib
import json
import os
import stat
import subprocess
import sys

import light_poseidon_python as lp
import pytest
from Crypto.Cipher import ChaCha20_Poly1305
from Crypto.Hash import SHA256
from Crypto.Protocol.DH import import_x25519_private_key, import_x25519_public_key, key_agreement
from Crypto.Protocol.KDF import HKDF
from Crypto.PublicKey import ECC

R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
IVK_LABEL = b"settlement.shielded.ivk.v1"
NOTE_INFO = b"settlement.shielded.note.v1"


# ---------------------------------------------------------------------------------------------
# The specification, independently


def poseidon(*xs):
    return int(lp.Hasher(len(xs)).hash_bytes_be([x.to_bytes(32, "big") for x in xs]), 16)


def derive_keys(sk):
    """(pk, ivk bytes, tk bytes) of a spending key."""
    pk = poseidon(sk)
    ivk = hashlib.sha256(IVK_LABEL + sk.to_bytes(32, "big")).digest()
    tk = import_x25519_private_key(ivk).public_key().export_key(format="raw")
    return pk, ivk, tk


def address_text(pk, tk):
    payload = pk.to_bytes(32, "big") + tk
    return "zs" + (payload + hashlib.sha256(payload).digest()[:4]).hex()


def parse_address(text):
    assert text.startswith("zs") and len(text) == 138
    raw = bytes.fromhex(text[2:])
    assert hashlib.sha256(raw[:64]).digest()[:4] == raw[64:]
    return int.from_bytes(raw[:32], "big"), raw[32:64]


def note_key(shared, epk, tk):
    return HKDF(shared, 32, epk + tk, SHA256, context=NOTE_INFO)


def seal(value, rho, memo, pk, tk, esk=None, claimed_value=None):
    """(commitment, ciphertext) of a note; `claimed_value` makes a lying sender's ciphertext: the
    commitment (and the associated data) of one value, the plaintext of another."""
    eph = ECC.generate(curve="curve25519") if esk is None else import_x25519_private_key(esk)
    epk = eph.public_key().export_key(format="raw")
    shared = key_agreement(static_priv=eph, static_pub=import_x25519_public_key(tk), kdf=lambda z: z)
    cm = poseidon(value if claimed_value is None else claimed_value, pk, rho)
    cipher = ChaCha20_Poly1305.new(key=note_key(shared, epk, tk), nonce=bytes(12))
    cipher.update(cm.to_bytes(32, "big"))
    body, tag = cipher.encrypt_and_digest(b"\x01" + value.to_bytes(8, "big") + rho.to_bytes(32, "big") + memo)
    return cm, epk + body + tag


def open_note(ciphertext, cm, ivk, pk):
    """(value, rho, memo), or None, exactly as the specification says."""
    assert len(ciphertext) == 121
    epk = ciphertext[:32]
    tk = import_x25519_private_key(ivk).public_key().export_key(format="raw")
    shared = key_agreement(static_priv=import_x25519_private_key(ivk), static_pub=import_x25519_public_key(epk),
                           kdf=lambda z: z)
    cipher = ChaCha20_Poly1305.new(key=note_key(shared, epk, tk), nonce=bytes(12))
    cipher.update(cm.to_bytes(32, "big"))
    try:
        plain = cipher.decrypt_and_verify(ciphertext[32:105], ciphertext[105:])
    except ValueError:
        return None
    if plain[0] != 1:
        return None
    value, rho, memo = int.from_bytes(plain[1:9], "big"), int.from_bytes(plain[9:41], "big"), plain[41:]
    if rho >= R or poseidon(value, pk, rho) != cm:
        return None
    return value, rho, memo


# ---------------------------------------------------------------------------------------------
# The CLI


def shielded(cli, *args, check=True):
    p = subprocess.run([cli, "shielded", *map(str, args)], capture_output=True, text=True, timeout=120)
    if check:
        assert p.returncode == 0, p.stderr
    return p


@pytest.fixture
def wallet(cli, tmp_path):
    """A key made by our keygen: (key file, viewing-key file, sk, printed address)."""
    key_file, vk_file = tmp_path / "spend.key", tmp_path / "view.json"
    printed = json.loads(shielded(cli, "keygen", "--out", key_file, "--json").stdout)
    shielded(cli, "viewing-key", "--key-file", key_file, "--out", vk_file)
    sk = int(key_file.read_text().strip(), 16)
    return key_file, vk_file, sk, printed["address"]


def open_with_cli(cli, key_args, cm, ciphertext):
    return shielded(cli, "open-note", *key_args, "--commitment", "0x%064x" % cm, "--ciphertext", ciphertext.hex(),
                    "--json", check=False)


# ---------------------------------------------------------------------------------------------
# Tests


def test_keys_and_address_are_the_specifications(cli, wallet, tmp_path):
    key_file, vk_file, sk, printed = wallet
    assert 0 < sk < R
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(vk_file).st_mode) == 0o600
    pk, ivk, tk = derive_keys(sk)
    assert printed == address_text(pk, tk)
    assert shielded(cli, "address", "--key-file", key_file).stdout.strip() == printed
    view = json.loads(vk_file.read_text())
    assert view == {"incomingViewingKey": "0x" + ivk.hex(), "ownerKey": "0x%064x" % pk, "address": printed}
    assert json.loads(shielded(cli, "viewing-key", "--key-file", key_file).stdout) == view
    # A key file is never overwritten.
    before = key_file.read_bytes()
    p = shielded(cli, "keygen", "--out", key_file, check=False)
    assert p.returncode == 4 and "never overwritten" in p.stderr
    assert key_file.read_bytes() == before


def test_python_sealed_notes_open_with_our_keys(cli, wallet):
    key_file, vk_file, sk, address = wallet
    pk, tk = parse_address(address)
    for value in (0, 1, 123456789, 2**64 - 1):
        rho, memo = int.from_bytes(os.urandom(32), "big") % R, os.urandom(32)
        cm, ciphertext = seal(value, rho, memo, pk, tk)
        for key_args in (["--viewing-key-file", vk_file], ["--key-file", key_file]):
            p = open_with_cli(cli, key_args, cm, ciphertext)
            assert p.returncode == 0, p.stderr
            got = json.loads(p.stdout)
            assert got == {"found": True, "value": str(value), "randomness": "0x%064x" % rho,
                           "memo": "0x" + memo.hex(), "address": address}


def test_our_sealed_notes_open_in_python(cli, wallet):
    _, _, sk, address = wallet
    pk, ivk, _ = derive_keys(sk)
    memo = os.urandom(32)
    epks = set()
    for value in (0, 42, 2**64 - 1):
        out = json.loads(shielded(cli, "seal-note", "--to", address, "--value", value, "--memo", memo.hex(),
                                  "--json").stdout)
        ciphertext, cm = bytes.fromhex(out["ciphertext"][2:]), int(out["commitment"], 16)
        assert len(ciphertext) == 121
        rho = int(out["randomness"], 16)
        assert cm == poseidon(value, pk, rho)
        assert open_note(ciphertext, cm, ivk, pk) == (value, rho, memo)
        epks.add(ciphertext[:32])
        # Someone else's viewing key opens nothing.
        other_pk, other_ivk, _ = derive_keys(sk + 1)
        assert open_note(ciphertext, cm, other_ivk, other_pk) is None
    assert len(epks) == 3  # a fresh ephemeral key per note


def test_dishonest_ciphertexts_are_not_notes(cli, wallet):
    key_file, vk_file, sk, address = wallet
    pk, tk = parse_address(address)
    vk = ["--viewing-key-file", vk_file]
    rho, memo = int.from_bytes(os.urandom(32), "big") % R, bytes(32)

    def refused(cm, ciphertext):
        p = open_with_cli(cli, vk, cm, ciphertext)
        assert p.returncode == 1, p.stderr
        assert json.loads(p.stdout) == {"found": False}

    # The honest control opens.
    cm, ciphertext = seal(1000, rho, memo, pk, tk)
    assert open_with_cli(cli, vk, cm, ciphertext).returncode == 0
    # A lying sender: the commitment says 1000, the plaintext 1000000 (authentic encryption of a lie).
    lie_cm, lie = seal(1_000_000, rho, memo, pk, tk, claimed_value=1000)
    assert lie_cm == cm
    refused(lie_cm, lie)
    # Sealed to someone else's address (its owner key and transmission key).
    other_pk, _, other_tk = derive_keys(sk + 1)
    refused(*seal(1000, rho, memo, other_pk, other_tk))
    # Sealed to our transmission key but naming another owner: the commitment is not our note's.
    refused(*seal(1000, rho, memo, other_pk, tk))
    # Altered bytes (epk, body, tag) and another commitment.
    for i in (0, 31, 32, 40, 104, 105, 120):
        altered = bytearray(ciphertext)
        altered[i] ^= 0x01
        refused(cm, bytes(altered))
    refused((cm + 1) % R, ciphertext)
    # The human form says it too.
    p = shielded(cli, "open-note", *vk, "--commitment", "0x%064x" % cm, "--ciphertext", lie.hex(), check=False)
    assert p.returncode == 1 and p.stdout.strip() == "not for this key"


def test_mistyped_addresses_and_bad_input_are_refused(cli, wallet):
    _, vk_file, _, address = wallet
    typo = address[:50] + ("0" if address[50] != "0" else "1") + address[51:]
    for bad, message in ((typo, "checksum"), (address[:-1], "characters"), (address + "0", "characters"),
                         ("zt" + address[2:], "starts with"), (address.upper().replace("ZS", "zs", 1), "lower-case")):
        p = shielded(cli, "seal-note", "--to", bad, "--value", 1, check=False)
        assert p.returncode == 64 and message in p.stderr, (bad, p.stderr)
    p = shielded(cli, "open-note", "--viewing-key-file", vk_file, "--commitment", "0x01", "--ciphertext", "00" * 121,
                 check=False)
    assert p.returncode == 64 and "--commitment" in p.stderr
    p = shielded(cli, "open-note", "--viewing-key-file", vk_file, "--commitment", "0x%064x" % 1,
                 "--ciphertext", "00" * 120, check=False)
    assert p.returncode == 64 and "121 bytes" in p.stderr


def vectors():
    """The known-answer values pinned by Tests/SettlementTests/Shielded (fixed sk, esk, ρ, memo)."""
    sk = 0x0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
    pk, ivk, tk = derive_keys(sk)
    esk = bytes(range(1, 33))
    rho, memo, value = 0x2A * (2**200) + 7, bytes(range(32, 64)), 987654321
    cm, ciphertext = seal(value, rho, memo, pk, tk, esk=esk)
    for name, v in (("sk", "%064x" % sk), ("pk", "%064x" % pk), ("ivk", ivk.hex()), ("tk", tk.hex()),
                    ("address", address_text(pk, tk)), ("rho", "%064x" % rho), ("memo", memo.hex()),
                    ("value", value), ("cm", "%064x" % cm), ("ciphertext", ciphertext.hex())):
        print(f"{name} = {v}")


if __name__ == "__main__" and sys.argv[1:] == ["vectors"]:
    vectors()
