"""What must hold after every trial, read from PostgreSQL itself and from every replica's API:

- every transfer acknowledged SEQUENCED (in any trial so far) is in `transactions` exactly once,
  accepted, in the batch its receipt named (else it counts as lost);
- no transfer is in `transactions` more than once (else duplicated);
- the batch chain is intact: numbers 0..n without a gap, each prev_root the previous new_root,
  idx and accepted_count consistent; terms never go back along the chain (a deposed or frozen
  leader committed nothing after its successor);
- every replica, once it has applied the head, answers GetAccount with exactly the balances and
  nonces of a Python replay of the durable transfers from the genesis.
"""
import time

from harness import DurableChain, account
from faults.cluster import wait_until

RPC_TIMEOUT = 15


class Verifier:
    def __init__(self, cluster, load, pb, pb_grpc, genesis, fee_account):
        self.cluster, self.load, self.pb, self.pb_grpc = cluster, load, pb, pb_grpc
        self.genesis, self.fee_account = genesis, fee_account
        self.lost = set()  # tx ids already counted as lost
        self.duplicated = set()
        self.contradicted = set()  # (tx id, rejection) pairs already counted

    def head_of(self, replica):
        stub = self.pb_grpc.SettlementStub(self.cluster.channel(replica))
        a = stub.GetAccount(self.pb.GetAccountRequest(address=bytes.fromhex(self.fee_account[2:])), timeout=RPC_TIMEOUT)
        return a.batch_number

    def check(self, trial):
        """{acknowledged, lost, duplicated, problems: [str]} for this trial (lost and duplicated
        count what is newly wrong, whichever trial acknowledged it)."""
        problems = []
        chain = DurableChain(self.cluster.pg.port)
        try:
            chain.check_structure()
        except AssertionError as e:
            problems.append(f"chain broken: {e}")
        terms = [int(t) for (t,) in self.cluster.sql("SELECT term FROM batches ORDER BY number")]
        back = [i for i in range(1, len(terms)) if terms[i] < terms[i - 1]]
        if back:
            problems.append(f"an older term committed after a newer one at batches {back[:5]}")

        acknowledged = 0
        lost, duplicated, contradicted = [], [], []
        for s in self.load.senders:
            with s.cond:
                acked = dict(s.acked)
                acked_at = dict(s.acked_at)
                conflicts = list(s.conflicts)
                rejected = list(s.rejected)
            for nonce, (tx_id, batch) in acked.items():
                if acked_at[nonce] == trial:
                    acknowledged += 1
                rows = chain.by_id.get(tx_id, [])
                accepted_in = sorted({r[0] for r in rows if r[3] == 2})
                if not accepted_in and tx_id not in self.lost:
                    self.lost.add(tx_id)
                    lost.append(f"{s.address} nonce {nonce}: acknowledged in batch {batch}, "
                                f"rows {[(r[0], r[1], r[3]) for r in rows]}")
                elif accepted_in and accepted_in != [batch]:
                    problems.append(f"{s.address} nonce {nonce}: the receipt named batch {batch}, "
                                    f"the database has it in {accepted_in}")
            # A REJECTED receipt promises "refused, the state unchanged"; a transfer that is
            # durable anyway got contradictory answers (counted, reported; not a loss).
            for nonce, reason, when in rejected:
                tx_id = s.items[nonce].tx_id
                if any(r[3] == 2 for r in chain.by_id.get(tx_id, [])) and (tx_id, reason, when) not in self.contradicted:
                    self.contradicted.add((tx_id, reason, when))
                    contradicted.append(f"{s.address} nonce {nonce}: REJECTED ({reason}) in {when}, yet sequenced")
            for nonce, first, other in conflicts:
                problems.append(f"{s.address} nonce {nonce}: SEQUENCED receipts name batches {first} and {other}")
        for tx_id, rows in chain.by_id.items():
            if len(rows) > 1 and tx_id not in self.duplicated:
                self.duplicated.add(tx_id)
                duplicated.append(f"{tx_id.hex()[:16]}: rows {[(r[0], r[1], r[3]) for r in rows]}")
        problems += [f"lost: {x}" for x in lost[:5]] + [f"duplicated: {x}" for x in duplicated[:5]]

        try:
            balance, nonce = chain.replay(self.genesis, self.fee_account)
        except AssertionError as e:
            problems.append(f"replay: {e}")
            balance = nonce = None
        if balance is not None:
            for r in self.cluster.replicas:
                try:
                    wait_until(lambda: self.head_of(r) >= chain.head, 60, f"{r.name} to apply batch {chain.head}")
                    for address in self.load.addresses + [self.fee_account]:
                        got = account(self.pb_grpc.SettlementStub(self.cluster.channel(r)), self.pb, address)
                        want = (balance[address.lower()], nonce[address.lower()])
                        if got != want:
                            problems.append(f"{r.name} diverged: {address} has (balance, nonce) {got}, "
                                            f"the replay gives {want}")
                            break
                except Exception as e:  # noqa: BLE001 - a replica that cannot answer is a finding
                    problems.append(f"{r.name}: {e}")
        return {"acknowledged": acknowledged, "lost": len(lost), "duplicated": len(duplicated),
                "rejected_then_sequenced": len(contradicted), "contradictions": contradicted[:3],
                "batches": chain.head, "problems": problems, "checked_at": time.time()}
