"""The campaign's load: several senders, each with its own key and a queue of pre-signed transfers
(nonces 0, 1, 2, ... in order), streaming them over SubmitTransactions to a replica, as a real
client would: at a bounded rate, a bounded number unanswered, and whatever got no SEQUENCED
receipt (a broken stream, a stream silent for `idle_timeout` seconds, a REJECTED receipt) is sent
again, in nonce order, on a new stream to the next replica. The timeout is short on purpose: an
impatient client sends a transfer again while the first copy may still be on its way into a
batch, which is what exactly-once has to survive. Every SEQUENCED receipt is recorded
with its batch: that is what the engine acknowledged, and what the checks hold it to.
"""
import threading
import time
from collections import Counter

import grpc
from eth_account import Account
from eth_hash.auto import keccak

from harness import Transfer, typed_transfer

IDLE_TIMEOUT = 3.0  # default seconds without a receipt, with some outstanding, before a client gives up on a stream
WINDOW = 64
SEQUENCED = 2


def key(tag):
    return Account.from_key(keccak(f"fault-campaign/{tag}".encode()))


class Sender(threading.Thread):
    def __init__(self, index, key_, recipients, load):
        super().__init__(name=f"sender{index}", daemon=True)
        self.index = index
        self.key = key_
        self.address = key_.address
        self.recipients = [a for a in recipients if a != key_.address]
        self.load = load
        self.items = []  # Transfer, nonce == position
        self.acked = {}  # nonce -> (tx_id, batch) of its first SEQUENCED receipt
        self.acked_at = {}  # nonce -> trial number
        self.conflicts = []  # (nonce, first batch, other batch): two SEQUENCED receipts disagree
        self.next_unacked = 0
        self.limit = 0  # send nonces below this (raised by the load's pacing)
        self.replica_index = index
        self.cond = threading.Condition()
        self.last_progress = time.monotonic()
        self.call = None
        self.streams = 0
        self.resent = 0
        self.errors = Counter()
        self.rejections = Counter()
        self.rejected = []  # (nonce, reason, trial) of every REJECTED receipt
        self.cancelled_by_us = False

    # -- signing ------------------------------------------------------------------------------

    def sign_up_to(self, n):
        """Pre-signs transfers up to nonce n - 1 (done between trials; ~2 ms each)."""
        while len(self.items) < n:
            nonce = len(self.items)
            to = self.recipients[(nonce + self.index) % len(self.recipients)]
            value, fee = 1 + (nonce * 7919 + self.index * 104729) % 100_000, 1 + (nonce + self.index) % 3
            salt = self.load.cluster.domain_salt
            signed = self.key.sign_typed_data(full_message=typed_transfer(self.address, to, value, fee, nonce, salt))
            t = Transfer(self.address, to, value, fee, nonce, bytes(signed.signature), bytes(signed.message_hash), salt)
            with self.cond:
                self.items.append(t)

    # -- streaming ----------------------------------------------------------------------------

    def outstanding(self):
        with self.cond:
            return self.limit - self.next_unacked

    def run(self):
        while not self.load.closing:
            with self.cond:
                while not self.load.closing and self.next_unacked >= min(self.limit, len(self.items)):
                    self.cond.wait(0.2)
                if self.load.closing:
                    return
            replicas = self.load.cluster.replicas
            replica = replicas[self.replica_index % len(replicas)]
            try:
                self._stream(replica)
            except grpc.RpcError as e:
                ours = self.cancelled_by_us and e.code() == grpc.StatusCode.CANCELLED
                if not self.load.closing and not ours:
                    self.errors[e.code().name if e.code() else "?"] += 1
            except Exception as e:  # noqa: BLE001 - a client bug must not end the load silently
                self.errors[type(e).__name__] += 1
                self.load.log(f"{self.name}: {e!r}")
            with self.cond:
                unfinished = self.next_unacked < min(self.limit, len(self.items))
            if unfinished and not self.load.closing:
                self.replica_index += 1  # try the next replica, after a short pause
                time.sleep(0.3)

    def _stream(self, replica):
        pb = self.load.pb
        with self.cond:
            base = self.next_unacked
        self.cancelled_by_us = False
        self.streams += 1
        if self.streams > 1:
            self.resent += sum(1 for n in range(base, self._sent_high) if n not in self.acked)
        state = {"sent": base, "answered": 0, "done": False}
        self.last_progress = time.monotonic()
        pace = self.load

        def requests():
            seq = 0
            while True:
                with self.cond:
                    while True:
                        if self.load.closing or state["done"]:
                            return
                        n = base + seq
                        if n < min(self.limit, len(self.items)) and seq - state["answered"] < WINDOW \
                                and pace.may_send():
                            break
                        self.cond.wait(0.05)
                    t = self.items[n]
                    state["sent"] = n + 1
                    self._sent_high = max(self._sent_high, n + 1)
                yield pb.SubmitTransactionsRequest(client_sequence=seq, transfer=t.message(pb))
                seq += 1

        stub = self.load.stub(replica)
        call = stub.SubmitTransactions(requests(), timeout=3600)
        self.call = call
        try:
            for r in call:
                n = base + r.client_sequence
                with self.cond:
                    state["answered"] += 1
                    self.last_progress = time.monotonic()
                    if r.status == SEQUENCED:
                        got = (bytes(r.tx_id), r.batch_number)
                        assert got[0] == self.items[n].tx_id, f"receipt for nonce {n} names another tx id"
                        if n in self.acked:
                            if self.acked[n][1] != got[1]:
                                self.conflicts.append((n, self.acked[n][1], got[1]))
                        else:
                            self.acked[n] = got
                            self.acked_at[n] = self.load.trial
                            self.load.on_ack()
                        while self.next_unacked in self.acked:
                            self.next_unacked += 1
                        self.cond.notify_all()
                    else:
                        self.rejections[r.rejection_reason[:60] or str(r.status)] += 1
                        self.rejected.append((n, r.rejection_reason, self.load.trial))
                        # Nonce order broke (an earlier one was not sequenced): start over from
                        # the first unacknowledged one on a new stream.
                        state["done"] = True
                        self.cancelled_by_us = True
                        call.cancel()
                        return
        finally:
            state["done"] = True
            self.call = None
            with self.cond:
                self.cond.notify_all()

    _sent_high = 0


class Load:
    """Every sender, paced together at `rate` transfers per second in all."""

    def __init__(self, cluster, pb, pb_grpc, senders, rate, idle_timeout=IDLE_TIMEOUT, log=print):
        self.cluster, self.pb, self.pb_grpc, self.log = cluster, pb, pb_grpc, log
        self.rate = rate
        self.idle_timeout = idle_timeout
        self.closing = False
        self.trial = 0
        self.sinks = [key(f"sink{i}").address for i in range(2)]
        keys = [key(f"sender{i}") for i in range(senders)]
        recipients = [k.address for k in keys] + self.sinks
        self.senders = [Sender(i, k, recipients, self) for i, k in enumerate(keys)]
        self._pace_lock = threading.Lock()
        self._tokens = 0.0
        self._tokens_at = time.monotonic()
        self.running = False
        self.acks = 0
        self.ack_times = []
        self._watchdog = threading.Thread(target=self._watch, name="load-watchdog", daemon=True)

    @property
    def addresses(self):
        return [s.address for s in self.senders] + self.sinks

    def stub(self, replica):
        return self.pb_grpc.SettlementStub(self.cluster.channel(replica))

    def start(self):
        for s in self.senders:
            s.start()
        self._watchdog.start()

    def sign_ahead(self, seconds):
        """Every sender has transfers signed for `seconds` more of load."""
        per_sender = int(self.rate * seconds / len(self.senders)) + WINDOW
        for s in self.senders:
            s.sign_up_to(max(s.limit, s.next_unacked) + per_sender)

    def run(self):
        """Senders send (up to every signed transfer) at the pace."""
        self.running = True
        for s in self.senders:
            with s.cond:
                s.limit = len(s.items)
                s.cond.notify_all()

    def drain(self):
        """No new transfers: only what was sent (and not acknowledged) is sent again."""
        self.running = False
        for s in self.senders:
            with s.cond:
                s.limit = min(s.limit, max(s.next_unacked, s._sent_high))
                s.cond.notify_all()

    def drained(self):
        return all(s.outstanding() <= 0 for s in self.senders)

    def may_send(self):
        with self._pace_lock:
            now = time.monotonic()
            self._tokens = min(self._tokens + (now - self._tokens_at) * self.rate, max(1.0, self.rate / 10))
            self._tokens_at = now
            if self._tokens >= 1 or not self.running:  # a drain resends at once
                self._tokens = max(0.0, self._tokens - 1)
                return True
            return False

    def on_ack(self):
        self.acks += 1
        self.ack_times.append(time.monotonic())

    def _watch(self):
        while not self.closing:
            now = time.monotonic()
            for s in self.senders:
                call = s.call
                if call is not None and s.outstanding() > 0 and now - s.last_progress > self.idle_timeout:
                    s.errors["IDLE"] += 1
                    s.last_progress = now
                    s.cancelled_by_us = True
                    call.cancel()
            time.sleep(0.5)

    def close(self):
        self.closing = True
        for s in self.senders:
            call = s.call
            if call is not None:
                call.cancel()
            with s.cond:
                s.cond.notify_all()
        for s in self.senders:
            s.join(10)
