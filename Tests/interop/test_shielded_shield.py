"""A shield built offline by our CLI (`settlement shielded shield --out`, docs/shielded.md) checked
by implementations nobody here wrote:

- eth-account: the account's signature is an EIP-712 signature of
  `Shield(address from,uint64 amount,uint64 nonce,bytes32 statement)` in the deployment's domain,
  where `statement` is keccak256 of the nine public inputs (eth-hash); eth-account recovers the
  account from it, and signing the same typed data with eth-account gives the same bytes;
- groth16py (arkworks): the transaction's spend proof verifies for its statement from snarkjs
  JSON, and not for a bumped public input;
- tampering: a changed ciphertext byte breaks the binding hash (`inspect` exits 1).
"""

import json
import subprocess

import groth16py
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_hash.auto import keccak

from conftest import zk
from harness import typed_transfer

CHAIN_ID = 31337
SALT = bytes(range(32))
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
# The transaction layout (docs/shielded.md): kind 1, root 32, nullifiers 64, commitments 64,
# three values 24, binding 32, proof 256, then the two 121-byte ciphertexts.
CIPHERTEXTS_AT = 1 + 32 + 64 + 64 + 24 + 32 + 256


def shielded(cli, *args):
    return subprocess.run([cli, "shielded", *map(str, args)], capture_output=True, text=True, timeout=600)


def typed_shield(frm, amount, nonce, statement):
    """The EIP-712 typed data of a shield, in the domain transfers are signed in (harness)."""
    transfer = typed_transfer(frm, frm, 0, 0, nonce, SALT, chain_id=CHAIN_ID)
    return {
        "types": {
            "EIP712Domain": transfer["types"]["EIP712Domain"],
            "Shield": [
                {"name": "from", "type": "address"},
                {"name": "amount", "type": "uint64"},
                {"name": "nonce", "type": "uint64"},
                {"name": "statement", "type": "bytes32"},
            ],
        },
        "primaryType": "Shield",
        "domain": transfer["domain"],
        "message": {"from": frm, "amount": amount, "nonce": nonce, "statement": statement},
    }


def test_a_shield_is_checked_by_eth_account_and_arkworks(cli, tmp_path):
    r1cs, zkey, vkey = tmp_path / "spend.r1cs", tmp_path / "spend.zkey", tmp_path / "verification_key.json"
    assert zk(cli, "export-r1cs", "--circuit", "spend", "--out", r1cs).returncode == 0
    out = zk(cli, "setup-dev", "--r1cs", r1cs, "--zkey", zkey, "--vkey", vkey)
    assert out.returncode == 0, out.stderr

    account = Account.create()
    key_file = tmp_path / "account.key"
    key_file.write_text(account.key.hex())
    spending = tmp_path / "spending.key"
    assert shielded(cli, "keygen", "--out", spending).returncode == 0
    tx_file = tmp_path / "shield.bin"
    domain = ["--chain-id", CHAIN_ID, "--domain-salt", "0x" + SALT.hex()]
    out = shielded(cli, "shield", "--key-file", key_file, *domain, "--spending-key-file", spending,
                   "--amount", 1000, "--fee", 3, "--nonce", 7, "--proving-key", zkey, "--out", tx_file)
    assert out.returncode == 0, out.stderr

    out = shielded(cli, "inspect", tx_file, *domain, "--verification-key", vkey)
    assert out.returncode == 0, out.stdout + out.stderr
    tx = json.loads(out.stdout)
    assert tx["kind"] == "shield" and tx["checks"] == {"shape": "ok", "signature": "ok", "proof": "ok"}, tx
    public = [int(x) for x in tx["public"]]
    assert public[5:8] == [1000, 0, 3]
    assert tx["from"].lower() == account.address.lower() and tx["nonce"] == "7"

    # eth-account: the signature over the typed data recovers the account, and is eth-account's own.
    statement = keccak(b"".join(x.to_bytes(32, "big") for x in public))
    typed = typed_shield(account.address, 1000, 7, statement)
    ours = bytes.fromhex(tx["signature"][2:])
    assert Account.recover_message(encode_typed_data(full_message=typed), signature=ours) == account.address
    assert bytes(Account.sign_typed_data(account.key, full_message=typed).signature) == ours
    other = typed_shield(account.address, 1000, 8, statement)
    assert Account.recover_message(encode_typed_data(full_message=other), signature=ours) != account.address

    # arkworks verifies the spend proof for the statement, and refuses a bumped input.
    verifier = groth16py.Verifier(groth16py.VerifyingKey.from_snarkjs_file(str(vkey)))
    proof = json.dumps(tx["proof"])
    assert verifier.verify_snarkjs(proof, json.dumps([str(x) for x in public]))
    for i in (0, 3, 5, 8):
        bumped = list(public)
        bumped[i] = (bumped[i] + 1) % R
        assert not verifier.verify_snarkjs(proof, json.dumps([str(x) for x in bumped])), i

    # A relayer changing the recipient's ciphertext breaks the binding hash.
    data = bytearray(tx_file.read_bytes())
    data[CIPHERTEXTS_AT + 40] ^= 1
    tampered = tmp_path / "tampered.bin"
    tampered.write_bytes(bytes(data))
    out = shielded(cli, "inspect", tampered, *domain, "--verification-key", vkey)
    assert out.returncode == 1
    checks = json.loads(out.stdout)["checks"]
    assert "binding hash" in checks["shape"] and checks["proof"] == "ok", checks
