"""The L1 simulator's demo calls that act on the L1 *as the address in the request* (`Deposit`,
`SubmitToInbox`, `RegisterValidator`, `AddStake`, `RequestUnstake`, `WithdrawStake`, `InjectL1Reorg`) against the
real `settlement-engine` binary, over stock grpcio.

Adversary: an anonymous client of the public listener who deposits 10^30 for a fresh account or
switches a validator off with `RequestUnstake`.

`test_public_listener_refuses_admin_calls_admin_listener_serves_them`: on the public port every
admin call is PERMISSION_DENIED and nothing reaches the L1 (no validator registered, no deposit
made); read-only calls stay public; on the admin port (loopback, printed at start-up) a deposit,
a registration and an unstake work, and the public `GetValidator` shows their effect.

`test_production_refuses_admin_calls_everywhere`: with `--production` the calls are
FAILED_PRECONDITION naming --production on the public port and no admin listener is opened even
when asked for.

`test_production_refuses_a_development_chain_id`: `--production` with chain id 1337 does not start.

`test_non_loopback_admin_address_is_refused`: `--admin-listen 0.0.0.0:0` exits with a usage error
naming --admin-allow-remote (nothing is bound).
"""
import importlib
import json
import os
import re
import subprocess
import time

import grpc
import pytest

from conftest import _binary
from test_durability import genesis_file, pb, pb_grpc

__all__ = ["genesis_file", "pb", "pb_grpc"]

# Small stakes (the shipped minimum is 10^18 wei): the test registers a stake of 50.
L1 = ("--l1-block-time-ms", "100", "--l1-settlement-interval", "1", "--l1-confirmation-depth", "2",
      "--challenge-period", "3", "--fraud-proof-window", "2", "--l1-minimum-stake", "1")
VALIDATOR = bytes.fromhex("5b" * 20)
PAYER = bytes.fromhex("0d" * 20)
FRESH = bytes.fromhex("f5" * 20)
TIMEOUT = 30
PRODUCTION_CHAIN_ID = 424242


@pytest.fixture(scope="module")
def vpb(stubs_dir):
    return importlib.import_module("settlement.v1.validator_pb2")


@pytest.fixture(scope="module")
def vpb_grpc(stubs_dir, vpb):
    return importlib.import_module("settlement.v1.validator_pb2_grpc")


def admin_calls(vpb, stub):
    """Each admin call with a well-formed request (so only the listener decides)."""
    spb = importlib.import_module("settlement.v1.settlement_pb2")
    amount = (10**30).to_bytes(32, "big")
    return {
        "Deposit": lambda: stub.Deposit(vpb.DepositRequest(**{"from": PAYER}, recipient=FRESH, amount=amount), timeout=TIMEOUT),
        "RegisterValidator": lambda: stub.RegisterValidator(
            vpb.RegisterValidatorRequest(address=VALIDATOR, stake=(50).to_bytes(32, "big")), timeout=TIMEOUT),
        "AddStake": lambda: stub.AddStake(vpb.StakeRequest(address=VALIDATOR, amount=(1).to_bytes(32, "big")), timeout=TIMEOUT),
        "RequestUnstake": lambda: stub.RequestUnstake(
            vpb.StakeRequest(address=VALIDATOR, amount=(1).to_bytes(32, "big")), timeout=TIMEOUT),
        "WithdrawStake": lambda: stub.WithdrawStake(vpb.ValidatorAddress(address=VALIDATOR), timeout=TIMEOUT),
        "InjectL1Reorg": lambda: stub.InjectL1Reorg(vpb.InjectL1ReorgRequest(depth=1), timeout=TIMEOUT),
        "SubmitToInbox": lambda: stub.SubmitToInbox(vpb.SubmitToInboxRequest(**{"from": PAYER}, transfer=spb.SignedTransfer(
            **{"from": FRESH, "to": VALIDATOR, "value": (1).to_bytes(32, "big"), "fee": bytes(32), "nonce": 0,
               "chain_id": 1337, "signature": b"\x1b" * 65})), timeout=TIMEOUT),
    }


def refused(call, code):
    with pytest.raises(grpc.RpcError) as e:
        call()
    assert e.value.code() == code, (e.value.code(), e.value.details())
    return e.value.details()


def test_public_listener_refuses_admin_calls_admin_listener_serves_them(start_engine, vpb, vpb_grpc, genesis_file):
    engine = start_engine("h2c", "--genesis", genesis_file, *L1)
    assert engine.admin_port is not None and engine.admin_port != engine.port
    public = grpc.insecure_channel(f"{engine.host}:{engine.port}")
    admin = grpc.insecure_channel(engine.admin_target)
    try:
        pstub, astub = vpb_grpc.ValidatorStub(public), vpb_grpc.ValidatorStub(admin)
        for name, call in admin_calls(vpb, pstub).items():
            details = refused(call, grpc.StatusCode.PERMISSION_DENIED)
            assert name in details and "admin listener" in details, details
        # Nothing reached the L1: no validator, no deposit.
        info = pstub.GetValidator(vpb.ValidatorAddress(address=VALIDATOR), timeout=TIMEOUT)
        assert not info.registered
        assert pstub.GetFinality(vpb.GetFinalityRequest(limit=1), timeout=TIMEOUT).l1_block_number >= 0

        # The admin listener serves them (dev mode).
        calls = admin_calls(vpb, astub)
        deposit = calls["Deposit"]()
        assert deposit.l1_block_number > 0 and deposit.deposit_id == 0 and len(deposit.l2_tx_id) == 32, deposit
        assert calls["RegisterValidator"]().l1_block_number > 0
        unstake = calls["RequestUnstake"]()
        assert int.from_bytes(unstake.amount, "big") == 1
        info = pstub.GetValidator(vpb.ValidatorAddress(address=VALIDATOR), timeout=TIMEOUT)
        assert info.registered and int.from_bytes(info.stake, "big") == 49 and int.from_bytes(info.unstaking, "big") == 1
        # Reorg injection is still off unless asked for, on the admin listener too.
        details = refused(calls["InjectL1Reorg"], grpc.StatusCode.FAILED_PRECONDITION)
        assert "--l1-reorg-injection" in details
    finally:
        public.close()
        admin.close()


def production_genesis(genesis_file, tmp_path):
    """The test genesis with a chain id of its own (production refuses the well-known dev ids)."""
    g = json.loads(open(genesis_file).read())
    g["config"]["chainId"] = PRODUCTION_CHAIN_ID
    path = tmp_path / "production-genesis.json"
    path.write_text(json.dumps(g))
    return str(path)


def test_production_refuses_admin_calls_everywhere(start_engine, vpb, vpb_grpc, genesis_file, tmp_path):
    engine = start_engine("h2c", "--genesis", production_genesis(genesis_file, tmp_path), *L1, "--production",
                          "--admin-listen", "127.0.0.1:0")
    assert engine.admin_port is None, "a --production engine opened an admin listener"
    ch = grpc.insecure_channel(f"{engine.host}:{engine.port}")
    try:
        stub = vpb_grpc.ValidatorStub(ch)
        for name, call in admin_calls(vpb, stub).items():
            details = refused(call, grpc.StatusCode.FAILED_PRECONDITION)
            assert name in details and "--production" in details, details
        assert not stub.GetValidator(vpb.ValidatorAddress(address=VALIDATOR), timeout=TIMEOUT).registered
    finally:
        ch.close()


def test_production_refuses_a_development_chain_id(genesis_file, tmp_path):
    """Chain id 1337 (the test genesis's) is refused under --production."""
    p = subprocess.run([_binary("ENGINE_BIN", "settlement-engine"), "--listen", "127.0.0.1:0", "--genesis", genesis_file,
                        "--data-dir", str(tmp_path), "--production"], capture_output=True, text=True, timeout=60,
                       env={k: v for k, v in os.environ.items() if not k.startswith("SETTLEMENT_")})
    assert p.returncode != 0 and "chain_id 1337" in p.stderr and "refused in production" in p.stderr, (p.returncode, p.stderr)


def test_non_loopback_admin_address_is_refused(genesis_file, tmp_path):
    binary = _binary("ENGINE_BIN", "settlement-engine")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SETTLEMENT_")}
    p = subprocess.run([binary, "--listen", "127.0.0.1:0", "--genesis", genesis_file, "--data-dir", str(tmp_path),
                        "--admin-listen", "0.0.0.0:0"], capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode != 0 and "--admin-allow-remote" in p.stderr, (p.returncode, p.stdout, p.stderr)
