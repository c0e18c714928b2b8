"""Reliability tests (issue 8): the audit guarantees under a crash, a power-cut model and a
graceful shutdown, checked against the real `creditgate` binary over mTLS.

- Crash under load: concurrent queries, SIGKILL mid-load, restart; every query_id a client
  received is in the log, the log verifies (`creditgate audit verify`), and the checkpoint from
  before the crash is consistent with the one after (RFC 9162 §2.1.4.2, verified here).
- Durability by flush count: under `strace`, N sequential audited calls cause at least N disk
  flushes (fsync/fdatasync) — each answer's entry is flushed before the answer leaves.
- Graceful shutdown: calls in flight when SIGTERM arrives are answered or refused cleanly, their
  entries are committed, and the server signs a final checkpoint covering them.

The gateway process and the RFC 9162 / signed-note helpers come from test_interop.py.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest

import test_interop as base
from test_interop import LI_NA, RPC_TIMEOUT_S, STATUTORY_PURPOSE, Gateway, operator

LI_NA_NAME = "李娜"
QUERY_INSTITUTION = "demo-hr-bureau"
OFFICE = "demo-privacy-office"


# --------------------------------------------------------------------------------------------
# Stubs: the same generated modules as test_interop's `pb` fixture (imported from the same
# names, so whichever fixture runs first generates them and the other reuses them).


@dataclass
class Stubs:
    query: object
    query_grpc: object
    oversight: object
    oversight_grpc: object


@pytest.fixture(scope="session")
def stubs(tmp_path_factory) -> Stubs:
    names = ["creditgate.v1.query_pb2", "creditgate.v1.query_pb2_grpc",
             "creditgate.v1.oversight_pb2", "creditgate.v1.oversight_pb2_grpc"]
    if not all(name in sys.modules for name in names):
        from grpc_tools import protoc

        out = tmp_path_factory.mktemp("reliability-stubs")
        well_known = Path(importlib.import_module("grpc_tools").__file__).parent / "_proto"
        protos = sorted(str(p.relative_to(base.PROTOS_DIR)) for p in base.PROTOS_DIR.rglob("*.proto"))
        args = ["grpc_tools.protoc", f"-I{base.PROTOS_DIR}", f"-I{well_known}",
                f"--python_out={out}", f"--grpc_python_out={out}", *protos]
        assert protoc.main(args) == 0, f"protoc failed: {' '.join(args)}"
        sys.path.insert(0, str(out))
    return Stubs(*(importlib.import_module(name) for name in names))


# --------------------------------------------------------------------------------------------
# RFC 9162 consistency proofs, verified independently of the gateway's code.


def rfc9162_verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                               proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: whether `proof` shows the tree (first, first_root) is a prefix of the
    tree (second, second_root)."""
    node = base.rfc9162_node
    if first > second or any(len(h) != 32 for h in [first_root, second_root, *proof]):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof  # every tree extends the empty one
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the first tree is a subtree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


def test_consistency_verifier_agrees_with_rfc9162_roots():
    """The verifier above against proofs built by hand from RFC 9162 §2.1.4.1's SUBPROOF."""
    import hashlib

    leaves = [hashlib.sha256(b"\x00" + bytes([i])).digest() for i in range(17)]

    def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
        n = len(d)
        if m == n:
            return [] if b else [base.rfc9162_root(d)]
        k = 1
        while k * 2 < n:
            k *= 2
        if m <= k:
            return subproof(m, d[:k], b) + [base.rfc9162_root(d[k:])]
        return subproof(m - k, d[k:], False) + [base.rfc9162_root(d[:k])]

    for second in range(1, 18):
        for first in range(1, second + 1):
            proof = subproof(first, leaves[:second], True) if first < second else []
            r1, r2 = base.rfc9162_root(leaves[:first]), base.rfc9162_root(leaves[:second])
            assert rfc9162_verify_consistency(first, second, r1, r2, proof), (first, second)
            if proof:
                bad = [bytes(32)] + proof[1:]
                assert not rfc9162_verify_consistency(first, second, r1, r2, bad), (first, second)
                assert not rfc9162_verify_consistency(first, second, r2, r2, proof) or r1 == r2


# --------------------------------------------------------------------------------------------
# Helpers.


@pytest.fixture()
def say(request):
    """Writes a line to the terminal even when pytest captures output: the counts belong in the
    CI log whether the test passes or not."""
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def write(text: str) -> None:
        if capture is None:
            print(text)
            return
        with capture.global_and_fixture_disabled():
            print("\n" + text, flush=True)
    return write


def get_checkpoint(gw: Gateway, pb: Stubs):
    """The latest checkpoint and the query_id of the GetCheckpoint call itself."""
    stub = pb.oversight_grpc.OversightStub(gw.channel(OFFICE))
    checkpoint, call = stub.GetCheckpoint.with_call(pb.oversight.GetCheckpointRequest(), timeout=RPC_TIMEOUT_S)
    own = [v for k, v in call.trailing_metadata() if k == "x-query-id"]
    return checkpoint, int(own[0]) if own else None


def all_sequences(gw: Gateway, pb: Stubs, upto: int) -> list[int]:
    """The sequence numbers of the log's first `upto` entries, page by page. (Every search is
    audited too, so the log grows as it is read: stop at the bound, not at an empty page.)"""
    stub = pb.oversight_grpc.OversightStub(gw.channel(OFFICE))
    sequences: list[int] = []
    after = 0
    while after < upto:
        page = list(stub.SearchAuditLog(pb.oversight.SearchAuditLogRequest(after_sequence=after, limit=10000),
                                        timeout=60))
        if not page:
            break
        sequences += [e.sequence for e in page if e.sequence <= upto]
        after = page[-1].sequence
    return sequences


def query_id_in_trailers(error: grpc.RpcError) -> int | None:
    try:
        values = [v for k, v in (error.trailing_metadata() or ()) if k == "x-query-id"]
    except Exception:  # noqa: BLE001 - a call cut by a dying server may have no trailers at all
        return None
    return int(values[0]) if values and values[0].isdigit() else None


@dataclass
class LoadResult:
    acknowledged: set[int] = field(default_factory=set)
    answered: int = 0
    refusals: dict[str, int] = field(default_factory=dict)  # status code -> count (no query_id)
    refused_with_id: dict[str, int] = field(default_factory=dict)
    spans: list[tuple[float, float]] = field(default_factory=list)  # (start, end) of every call
    lock: threading.Lock = field(default_factory=threading.Lock)


class Load:
    """Threads that query the gateway back to back (GetProfile and VerifyIdentity alternately),
    each on its own channel, until stopped, recording every query_id they are given."""

    def __init__(self, gw: Gateway, pb: Stubs, threads: int = 6):
        self.result = LoadResult()
        self.stop = threading.Event()
        self.reached = threading.Event()
        self.target = 0
        # Channels of their own, not the gateway's: Gateway.kill closes those, and these must
        # outlive a kill to see what the clients see.
        cert, key = gw.client_pair(QUERY_INSTITUTION)
        credentials = grpc.ssl_channel_credentials(root_certificates=gw.ca(), private_key=key,
                                                   certificate_chain=cert)
        self.channels = [grpc.secure_channel(gw.address, credentials) for _ in range(threads)]
        self.pb = pb
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True) for n in range(threads)]

    def start(self, acknowledged: int) -> None:
        self.target = acknowledged
        for thread in self.threads:
            thread.start()

    def run(self, n: int) -> None:
        pb, result = self.pb, self.result
        stub = pb.query_grpc.CreditQueryStub(self.channels[n])
        metadata = operator(f"op-reliability-{n}")
        i = 0
        while not self.stop.is_set():
            i += 1
            started = time.time()
            try:
                if i % 2:
                    response = stub.GetProfile(pb.query.GetProfileRequest(subject_code=LI_NA, purpose=STATUTORY_PURPOSE),
                                               metadata=metadata, timeout=RPC_TIMEOUT_S)
                else:
                    response = stub.VerifyIdentity(
                        pb.query.VerifyIdentityRequest(subject_code=LI_NA, name=LI_NA_NAME, purpose=STATUTORY_PURPOSE),
                        metadata=metadata, timeout=RPC_TIMEOUT_S)
                with result.lock:
                    result.answered += 1
                    result.acknowledged.add(response.query_id)
                    result.spans.append((started, time.time()))
            except grpc.RpcError as error:
                query_id = query_id_in_trailers(error)
                code = error.code().name if error.code() else "NONE"
                with result.lock:
                    result.spans.append((started, time.time()))
                    if query_id is not None:
                        result.acknowledged.add(query_id)
                        result.refused_with_id[code] = result.refused_with_id.get(code, 0) + 1
                    else:
                        result.refusals[code] = result.refusals.get(code, 0) + 1
                if query_id is None:
                    time.sleep(0.01)  # the server is gone or going: do not spin
            if len(result.acknowledged) >= self.target:
                self.reached.set()

    def wait_until_reached(self, timeout: float = 60) -> None:
        assert self.reached.wait(timeout), (
            f"only {len(self.result.acknowledged)} of {self.target} calls acknowledged in {timeout:.0f}s; "
            f"refusals {self.result.refusals}")

    def finish(self) -> LoadResult:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=RPC_TIMEOUT_S + 5)
        for channel in self.channels:
            channel.close()
        return self.result


def audit_verify(gw: Gateway, tmp: Path, vkey: str) -> str:
    checkpoint_file, export_file = tmp / "checkpoint.txt", tmp / "export.jsonl"
    base.cli("audit", "checkpoint", "--out", checkpoint_file, *base.privacy_office_flags(gw))
    base.cli("audit", "export", "--out", export_file, *base.privacy_office_flags(gw))
    result = base.cli("audit", "verify", "--export", export_file, "--checkpoint", checkpoint_file,
                      "--key", vkey, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "verified" in result.stdout, f"audit verify failed:\n{output}"
    return result.stdout.strip()


def assert_consistent(gw: Gateway, pb: Stubs, before, after) -> None:
    assert after.origin == before.origin
    assert after.tree_size >= before.tree_size, (
        f"the log shrank: {before.tree_size} entries before, {after.tree_size} after")
    stub = pb.oversight_grpc.OversightStub(gw.channel(OFFICE))
    proof = stub.GetConsistencyProof(
        pb.oversight.GetConsistencyProofRequest(first_size=before.tree_size, second_size=after.tree_size),
        timeout=RPC_TIMEOUT_S)
    assert rfc9162_verify_consistency(before.tree_size, after.tree_size, before.root_hash, after.root_hash,
                                      list(proof.hashes)), (
        f"the checkpoint of {before.tree_size} entries is not a prefix of the one of {after.tree_size} "
        f"(proof of {len(proof.hashes)} hashes)")


# --------------------------------------------------------------------------------------------
# 1. Crash under load.


def test_crash_under_load_loses_no_acknowledged_entry(tmp_path, stubs, say):
    pb = stubs
    gw = Gateway(tmp_path)
    gw.start()
    try:
        vkey = base.verifier_key(gw)
        before, _ = get_checkpoint(gw, pb)
        assert base.open_checkpoint_note(before.signed_note, vkey) == (before.origin, before.tree_size, before.root_hash)

        load = Load(gw, pb, threads=6)
        load.start(acknowledged=300)
        load.wait_until_reached()
        gw.kill(signal.SIGKILL)  # mid-load: the threads are still calling
        assert gw.process.returncode == -signal.SIGKILL
        result = load.finish()
        acknowledged = sorted(result.acknowledged)

        gw.start()  # the same data and certs
        after, after_query_id = get_checkpoint(gw, pb)
        # The log's size before that call: its own entry is the next one. (The checkpoint may
        # cover less, if the gateway serves the last one signed before the crash.)
        size = after_query_id - 1 if after_query_id else after.tree_size
        sequences = all_sequences(gw, pb, size)
        logged = set(sequences)
        found = [q for q in acknowledged if q in logged]
        say(f"crash under load: acknowledged {len(acknowledged)} (answered {result.answered}, refused "
              f"with a query_id {result.refused_with_id}), found {len(found)}; log holds {len(sequences)} "
              f"entries; calls cut by the crash {result.refusals}")
        assert sequences == list(range(1, len(sequences) + 1)), "the log's sequence numbers have gaps"
        missing = sorted(set(acknowledged) - logged)
        assert not missing, f"{len(missing)} acknowledged query_ids are not in the log: {missing[:20]}"

        assert base.open_checkpoint_note(after.signed_note, vkey) == (after.origin, after.tree_size, after.root_hash)
        assert after.tree_size >= max(acknowledged)
        assert_consistent(gw, pb, before, after)
        say("crash under load, audit verify: " + audit_verify(gw, tmp_path, vkey).replace("\n", "; "))
    finally:
        gw.kill()


# --------------------------------------------------------------------------------------------
# 2. Durability, counted in disk flushes.

FLUSH = re.compile(r"^\d+\s+(\d+\.\d+)\s+(fsync|fdatasync)\(")


def gateway_child(strace_pid: int, timeout: float = 10) -> int:
    """The gateway process strace started (its only child)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            children = Path(f"/proc/{strace_pid}/task/{strace_pid}/children").read_text().split()
        except OSError:
            children = []
        if children:
            return int(children[0])
        time.sleep(0.05)
    pytest.fail(f"strace ({strace_pid}) has no child process")


def test_each_sequential_commit_is_flushed(tmp_path, stubs, monkeypatch, say):
    """N sequential audited calls: at least N fsync/fdatasync calls while they run (a commit that
    is not flushed before its answer leaves is lost by a power cut; SIGKILL cannot show it)."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed (.ci/run installs it)")
    pb = stubs
    calls = 30
    trace = tmp_path / "flushes.strace"
    wrapper = tmp_path / "creditgate-under-strace"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"exec {strace} -f -qq -ttt -e trace=fsync,fdatasync -o {trace} {base.creditgate_bin()} \"$@\"\n")
    wrapper.chmod(0o755)
    gw = Gateway(tmp_path)
    real_bin = str(base.creditgate_bin())
    monkeypatch.setenv("CREDITGATE_BIN", str(wrapper))
    try:
        gw.start()
    finally:
        monkeypatch.setenv("CREDITGATE_BIN", real_bin)
    server = gateway_child(gw.process.pid)
    try:
        stub = pb.query_grpc.CreditQueryStub(gw.channel(QUERY_INSTITUTION))
        request = pb.query.VerifyIdentityRequest(subject_code=LI_NA, name=LI_NA_NAME, purpose=STATUTORY_PURPOSE)
        stub.VerifyIdentity(request, metadata=operator("op-flush-warmup"), timeout=RPC_TIMEOUT_S)  # connection up
        started = time.time()
        ids = [stub.VerifyIdentity(request, metadata=operator("op-flush"), timeout=RPC_TIMEOUT_S).query_id
               for _ in range(calls)]
        ended = time.time()
        assert len(set(ids)) == calls and all(q > 0 for q in ids)
    finally:
        # Stop the gateway itself (a signal to strace would only detach it), then strace exits.
        try:
            os.kill(server, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            gw.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(server, signal.SIGKILL)
        gw.kill()
    flushes = []
    for line in trace.read_text("utf-8", "replace").splitlines():
        match = FLUSH.match(line)
        if match:
            flushes.append((float(match.group(1)), match.group(2)))
    during = [f for f in flushes if started <= f[0] <= ended]
    say(f"durability: {calls} sequential audited calls, {len(during)} flushes while they ran "
          f"({sum(1 for f in during if f[1] == 'fdatasync')} fdatasync, "
          f"{sum(1 for f in during if f[1] == 'fsync')} fsync); {len(flushes)} in the whole run")
    assert len(during) >= calls, (
        f"{calls} sequential audited calls were answered with only {len(during)} disk flushes "
        f"({len(flushes)} in the whole run): commits are not durable (is synchronous FULL on the "
        "writer connection?)")


# --------------------------------------------------------------------------------------------
# 3. Graceful shutdown.

CLEAN_REFUSALS = {"UNAVAILABLE", "CANCELLED"}  # "the server is going away", said cleanly


@dataclass
class Drained:
    result: LoadResult
    in_flight: int
    returncode: int
    logged: set[int]
    log_size: int
    persisted_checkpoints: list[tuple[int, bytes]] | None  # None: no checkpoint table
    checkpoint_after: object
    own_query_id: int | None
    stderr_tail: str


def persisted_checkpoints(database: Path) -> list[tuple[int, bytes]] | None:
    """Every checkpoint the gateway persisted (size, root), if it keeps them in a table."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%checkpoint%'")]
        for table in tables:
            columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
            size = next((c for c in columns if c in ("tree_size", "size")), None)
            root = next((c for c in columns if "root" in c), None)
            if size:
                rows = db.execute(f"SELECT {size}, {root or 'NULL'} FROM {table} ORDER BY {size}").fetchall()
                return [(int(r[0]), r[1]) for r in rows]
    return None


@pytest.fixture(scope="module")
def drained(tmp_path_factory, stubs) -> Drained:
    pb = stubs
    gw = Gateway(tmp_path_factory.mktemp("graceful"))
    gw.start()
    try:
        load = Load(gw, pb, threads=6)
        load.start(acknowledged=150)
        load.wait_until_reached()
        sigterm_at = time.time()
        gw.process.send_signal(signal.SIGTERM)
        try:
            returncode = gw.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the gateway did not exit within 30 s of SIGTERM\n{gw.log_tail()}")
        result = load.finish()
        in_flight = sum(1 for start, end in result.spans if start <= sigterm_at <= end)
        stderr_tail = gw.log_tail()

        database = gw.data / "creditgate.sqlite"
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
            logged = {r[0] for r in db.execute("SELECT sequence FROM audit_entry")}
        checkpoints = persisted_checkpoints(database)

        gw.start()
        checkpoint_after, own = get_checkpoint(gw, pb)
        return Drained(result, in_flight, returncode, logged, max(logged, default=0), checkpoints,
                       checkpoint_after, own, stderr_tail)
    finally:
        gw.kill()


def test_graceful_shutdown_answers_in_flight_calls_and_commits_them(drained, say):
    result = drained.result
    say(f"graceful shutdown: {drained.in_flight} calls in flight at SIGTERM; acknowledged "
          f"{len(result.acknowledged)} (answered {result.answered}, refused with a query_id "
          f"{result.refused_with_id}); refused without one {result.refusals}; exit {drained.returncode}; "
          f"log {drained.log_size} entries")
    assert drained.returncode == 0, f"the gateway exited {drained.returncode} on SIGTERM\n{drained.stderr_tail}"
    assert drained.in_flight > 0, "no call was in flight when SIGTERM arrived: the test proved nothing"
    unclean = {code: n for code, n in result.refusals.items() if code not in CLEAN_REFUSALS}
    assert not unclean, f"calls cut by the shutdown were refused uncleanly: {unclean}"
    missing = sorted(result.acknowledged - drained.logged)
    assert not missing, f"{len(missing)} acknowledged query_ids are not in the log: {missing[:20]}"
    assert drained.logged == set(range(1, drained.log_size + 1)), "the log's sequence numbers have gaps"


def test_graceful_shutdown_signs_a_final_checkpoint(drained, say):
    after = drained.checkpoint_after
    say(f"graceful shutdown, final checkpoint: log {drained.log_size} entries at shutdown; persisted checkpoints "
          f"{None if drained.persisted_checkpoints is None else [s for s, _ in drained.persisted_checkpoints[-3:]]}; "
          f"GetCheckpoint after restart: {after.tree_size} (its own query_id {drained.own_query_id})")
    # After the restart the checkpoint covers the whole log, the drained calls included...
    assert drained.own_query_id == after.tree_size + 1, (
        f"GetCheckpoint after restart covers {after.tree_size} entries; the log held {drained.own_query_id - 1}")
    assert after.tree_size >= drained.log_size
    # ...and it is the one signed at shutdown, not only one signed again at start.
    assert drained.persisted_checkpoints is not None, (
        "the gateway persists no checkpoints (no *checkpoint* table in the database): nothing shows "
        "that it signed a final checkpoint at shutdown")
    assert drained.persisted_checkpoints, "the checkpoint table is empty"
    final_size = max((size for size, _ in drained.persisted_checkpoints if size <= drained.log_size), default=0)
    assert final_size == drained.log_size, (
        f"the last checkpoint persisted before the restart covers {final_size} entries; the log held "
        f"{drained.log_size} at shutdown")
