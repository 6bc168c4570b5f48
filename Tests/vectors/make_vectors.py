#!/usr/bin/env python3
"""Writes crypto_vectors.json: test vectors for the Settlement crypto (Keccak-256, EIP-712
transfers in a salted domain, deployment salts and exit addresses, secp256k1 recovery) made with
independent libraries — eth-hash (pycryptodome backend)
for Keccak, eth-account for EIP-712 signing, eth-keys for recovery of tampered signatures.

    python3 -m venv .venv && .venv/bin/pip install eth-account "eth-hash[pycryptodome]"
    .venv/bin/python Tests/vectors/make_vectors.py

Deterministic: private keys are derived from fixed labels, and ECDSA nonces are RFC 6979.
"""
import json
import os

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_hash.auto import keccak
from eth_keys import keys
from eth_keys.exceptions import BadSignature

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
U256_MAX = 2**256 - 1
U64_MAX = 2**64 - 1
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "crypto_vectors.json")


def key_for(label: str) -> bytes:
    k = keccak(("settlement-test-key-" + label).encode())
    assert 0 < int.from_bytes(k, "big") < N
    return k


def addr_for(label: str) -> str:
    return "0x" + keccak(("settlement-test-addr-" + label).encode())[-20:].hex()


DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,bytes32 salt)"


def genesis_hash(chain_id, alloc):
    """`Genesis.hash`: keccak256(chain id as 8 bytes big-endian ‖ for each allocation sorted by
    address: address (20) ‖ balance (32, big-endian))."""
    entries = sorted((bytes.fromhex(a[2:]), int(b)) for a, b in alloc.items())
    return keccak(chain_id.to_bytes(8, "big") + b"".join(a + b.to_bytes(32, "big") for a, b in entries))


def deployment_salt(chain_id, g_hash):
    """`SigningDomain.salt`: keccak256("L2 Settlement deployment" ‖ genesis hash ‖ uint256 chain id)."""
    return keccak(b"L2 Settlement deployment" + g_hash + chain_id.to_bytes(32, "big"))


def exit_address(salt, l1_recipient):
    """`Withdrawals.exitAddress`: the last 20 bytes of keccak256("L2 Settlement exit" ‖ salt ‖ recipient)."""
    return "0x" + keccak(b"L2 Settlement exit" + salt + bytes.fromhex(l1_recipient[2:]))[-20:].hex()


def typed(chain_id, salt, frm, to, value, fee, nonce):
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "salt", "type": "bytes32"},
            ],
            "Transfer": [
                {"name": "from", "type": "address"},
                {"name": "to", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "fee", "type": "uint256"},
                {"name": "nonce", "type": "uint64"},
            ],
        },
        "primaryType": "Transfer",
        "domain": {"name": "L2 Settlement", "version": "1", "chainId": chain_id, "salt": salt},
        "message": {"from": frm, "to": to, "value": value, "fee": fee, "nonce": nonce},
    }


def python_recover(digest: bytes, sig: bytes):
    """What a permissive recoverer (eth-keys: accepts high s) gets, or None."""
    v = sig[64]
    if v not in (27, 28):
        return None
    r = int.from_bytes(sig[:32], "big")
    s = int.from_bytes(sig[32:64], "big")
    if not (0 < r < N and 0 < s < N):
        return None
    try:
        pub = keys.Signature(vrs=(v - 27, r, s)).recover_public_key_from_msg_hash(digest)
    except (BadSignature, ValueError, Exception):  # no point with x = r, etc.
        return None
    return pub.to_checksum_address()


def keccak_vectors():
    inputs = {
        "empty": b"",
        "abc": b"abc",
        "64 bytes 0..63": bytes(range(64)),
        "135 bytes": bytes((i * 7 + 1) & 0xFF for i in range(135)),
        "136 bytes": bytes((i * 11 + 3) & 0xFF for i in range(136)),
        "137 bytes": bytes((i * 13 + 5) & 0xFF for i in range(137)),
        "200 bytes": bytes((i * 17) & 0xFF for i in range(200)),
        "272 bytes": bytes((i * 19 + 2) & 0xFF for i in range(272)),
        "1000 bytes": bytes((i * 31 + 9) & 0xFF for i in range(1000)),
        "64 bytes of 0xff": b"\xff" * 64,
        "EIP712Domain type": DOMAIN_TYPE.encode(),
    }
    return [{"name": k, "input": v.hex(), "hash": keccak(v).hex()} for k, v in inputs.items()]


def transfer_vectors():
    cases = [
        # (label, chain id, value, fee, nonce)
        ("a", 1, 0, 0, 0),
        ("b", 1, 1, 1, 1),
        ("c", 1337, 10**18, 21000 * 10**9, 7),
        ("d", 1337, U256_MAX, 0, 0),
        ("e", 1337, 0, U256_MAX, U64_MAX),
        ("f", 10, U256_MAX, U256_MAX, U64_MAX),
        ("g", 42161, 2**128, 2**64, 2**32),
        ("h", 8453, 123456789, 1000, 42),
        ("i", 2**32 + 1, 5, 5, 5),
        ("j", U64_MAX, 2**255, 2**255 - 1, 2**63),
        ("k", 1, 999, 1, 1000),
        ("l", 1337, 2**64 - 1, 2**64, 3),
        ("m", 1337, 1, 0, 2**64 - 2),
        ("n", 5, 10**30, 10**20, 11),
        ("o", 11155111, 77, 3, 0),
        ("p", 1337, 2**200 + 12345, 99, 1),
        ("q", 1, 31337, 31337, 31337),
        ("r", 137, 1, 1, U64_MAX),
        ("s", 1337, 10**77, 10**76, 123),
        ("t", 100, 2**256 - 2, 1, 4),
    ]
    out = []
    for label, chain_id, value, fee, nonce in cases:
        key = key_for(label)
        acct = Account.from_key(key)
        to = addr_for(label)
        # The deployment whose genesis funds the signer with `value` on `chain_id`.
        salt = deployment_salt(chain_id, genesis_hash(chain_id, {acct.address: value}))
        msg = typed(chain_id, salt, acct.address, to, value, fee, nonce)
        signed = Account.sign_typed_data(key, full_message=msg)
        encoded = encode_typed_data(full_message=msg)
        digest = bytes(signed.message_hash)
        sig = bytes(signed.signature)
        assert len(sig) == 65 and sig[64] in (27, 28)
        assert Account._recover_hash(digest, signature=sig) == acct.address
        out.append({
            "name": "transfer " + label,
            "private_key": key.hex(),
            "signer": acct.address,
            "chain_id": str(chain_id),
            "salt": salt.hex(),
            "from": acct.address.lower(),
            "to": to,
            "value": str(value),
            "fee": str(fee),
            "nonce": str(nonce),
            "domain_separator": bytes(encoded.header).hex(),
            "struct_hash": bytes(encoded.body).hex(),
            "digest": digest.hex(),
            "signature": sig.hex(),
        })
    return out


def deployment_vectors():
    """Genesis hash, salt and exit address of a few geneses, two pairs sharing a chain id."""
    geneses = [
        ("one account", 1337, {addr_for("g1"): 1000}),
        ("one account, another balance", 1337, {addr_for("g1"): 1001}),
        ("three accounts", 424242, {addr_for("g2"): 10**18, addr_for("g3"): 0, addr_for("g4"): 2**256 - 1}),
        ("three accounts, another chain", 424243, {addr_for("g2"): 10**18, addr_for("g3"): 0, addr_for("g4"): 2**256 - 1}),
        ("empty", 1337, {}),
    ]
    recipient = addr_for("l1-recipient")
    out = []
    for name, chain_id, alloc in geneses:
        g_hash = genesis_hash(chain_id, alloc)
        salt = deployment_salt(chain_id, g_hash)
        out.append({"name": name, "chain_id": str(chain_id), "alloc": {a: str(b) for a, b in alloc.items()},
                    "genesis_hash": g_hash.hex(), "salt": salt.hex(), "l1_recipient": recipient,
                    "exit_address": exit_address(salt, recipient)})
    return out


def negative_vectors(transfers):
    out = []
    # Flipped bits in r, s and v of a few signatures: eth-keys says what, if anything, recovers.
    for t, positions in zip(transfers[:4], [(0, 255, 300, 511), (7, 100, 263, 400), (31, 128, 256, 500), (1, 2, 3, 260)]):
        digest = bytes.fromhex(t["digest"])
        sig = bytes.fromhex(t["signature"])
        for bit in positions:
            b = bytearray(sig)
            b[bit // 8] ^= 0x80 >> (bit % 8)
            s_val = int.from_bytes(b[32:64], "big")
            rec = python_recover(digest, bytes(b))
            out.append({
                "name": f"{t['name']} flipped bit {bit}",
                "kind": "flipped",
                "digest": t["digest"],
                "signature": bytes(b).hex(),
                "signer": t["signer"],
                "permissive_recovered": rec,
                "high_s": s_val > N // 2,
            })
    # High-s twin: (r, n - s, other v) is valid ECDSA for the same key; EIP-2 forbids it.
    for t in transfers[:5]:
        digest = bytes.fromhex(t["digest"])
        sig = bytes.fromhex(t["signature"])
        s = int.from_bytes(sig[32:64], "big")
        twin = sig[:32] + (N - s).to_bytes(32, "big") + bytes([55 - sig[64]])  # 27 <-> 28
        assert python_recover(digest, twin) == t["signer"]
        out.append({
            "name": f"{t['name']} high-s twin",
            "kind": "high_s",
            "digest": t["digest"],
            "signature": twin.hex(),
            "signer": t["signer"],
            "permissive_recovered": t["signer"],
            "high_s": True,
        })
    # Malformed v, r, s.
    t = transfers[0]
    sig = bytes.fromhex(t["signature"])
    for name, bad in [
        ("v = 29", sig[:64] + b"\x1d"),
        ("v = 2", sig[:64] + b"\x02"),
        ("r = 0", bytes(32) + sig[32:]),
        ("s = 0", sig[:32] + bytes(32) + sig[64:]),
        ("r = n", N.to_bytes(32, "big") + sig[32:]),
        ("s = n", sig[:32] + N.to_bytes(32, "big") + sig[64:]),
        ("64 bytes", sig[:64]),
    ]:
        out.append({
            "name": f"{t['name']} {name}",
            "kind": "malformed",
            "digest": t["digest"],
            "signature": bad.hex(),
            "signer": t["signer"],
            "permissive_recovered": None,
            "high_s": False,
        })
    return out


def main():
    transfers = transfer_vectors()
    doc = {
        "generator": "Tests/vectors/make_vectors.py (eth-account, eth-hash[pycryptodome], eth-keys)",
        "eip712": {
            "domain_type": DOMAIN_TYPE,
            "transfer_type": "Transfer(address from,address to,uint256 value,uint256 fee,uint64 nonce)",
            "domain_type_hash": keccak(DOMAIN_TYPE.encode()).hex(),
            "transfer_type_hash": keccak(b"Transfer(address from,address to,uint256 value,uint256 fee,uint64 nonce)").hex(),
        },
        "keccak256": keccak_vectors(),
        # Every length 0...300 (crosses the 136-byte block boundary twice) of bytes (i * 7 + 3) & 0xff.
        "keccak256_lengths": [keccak(bytes((i * 7 + 3) & 0xFF for i in range(n))).hex() for n in range(301)],
        "transfers": transfers,
        "deployments": deployment_vectors(),
        "negative": negative_vectors(transfers),
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {len(doc['keccak256'])} keccak, {len(transfers)} transfers, {len(doc['negative'])} negative")


if __name__ == "__main__":
    main()
