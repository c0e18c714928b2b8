"""Interoperability tests: the real `creditgate` binary driven by Python's grpcio over mTLS.

The stubs are generated from Protos/ at session start, so these tests check the wire contract
(DESIGN.md §2, §8, §10-§12) as a third-party client sees it, not the Swift code's own view of it.

Environment:
  CREDITGATE_BIN  the gateway binary (default: .build/debug/creditgate under the repo root)
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import importlib.util
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTOS_DIR = REPO_ROOT / "Protos"
STARTUP_TIMEOUT_S = float(os.environ.get("CREDITGATE_STARTUP_TIMEOUT", "60"))
RPC_TIMEOUT_S = 15.0

LI_NA = "330102198506150040"  # demo subject with serious records and an admin penalty
STATUTORY_PURPOSE = "civil-servant-recruitment"
STATUTORY_CATEGORIES = {"exam-cheating", "dishonest-judgment-debtor", "serious-tax-violation", "fraud"}
GET_PROFILE = "/creditgate.v1.CreditQuery/GetProfile"
HEALTH_CHECK = "/grpc.health.v1.Health/Check"


# --------------------------------------------------------------------------------------------
# Subject codes (GB 11643): build invalid codes that are wrong in exactly one respect.


def gb11643_check(first17: str) -> str:
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    total = sum(int(c) * w for c, w in zip(first17, weights))
    return "10X98765432"[total % 11]


def person_code(first17: str) -> str:
    return first17 + gb11643_check(first17)


assert person_code(LI_NA[:17]) == LI_NA, "the check-character helper disagrees with the demo data"


def wrong_check(code: str) -> str:
    good = code[-1]
    return code[:-1] + ("1" if good != "1" else "2")


INVALID_CODES = {
    "check character": wrong_check(LI_NA),
    "length": LI_NA[:17],
    "syntax": LI_NA[:10] + "AB" + LI_NA[12:],
    "province": person_code("990102198506150040"[:17]),  # 99 is no GB/T 2260 province
    "birth date": person_code("33010219850231004"),  # 31 February
}


# --------------------------------------------------------------------------------------------
# Stubs generated from Protos/ with grpc_tools' protoc and its bundled well-known types.


@dataclass
class Stubs:
    common: object
    query: object
    query_grpc: object
    oversight: object
    oversight_grpc: object
    health: object


@pytest.fixture(scope="session")
def pb(tmp_path_factory) -> Stubs:
    from grpc_tools import protoc

    out = tmp_path_factory.mktemp("stubs")
    well_known = Path(importlib.import_module("grpc_tools").__file__).parent / "_proto"
    protos = sorted(str(p.relative_to(PROTOS_DIR)) for p in PROTOS_DIR.rglob("*.proto"))
    assert protos, f"no .proto files under {PROTOS_DIR}"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTOS_DIR}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        *protos,
    ]
    assert protoc.main(args) == 0, f"protoc failed: {' '.join(args)}"
    sys.path.insert(0, str(out))

    # grpc/health/v1/health_pb2.py cannot be imported as `grpc.health...`: the grpcio package
    # owns the name `grpc`. It imports nothing of ours, so load it from its file.
    spec = importlib.util.spec_from_file_location(
        "creditgate_interop_health_pb2", out / "grpc" / "health" / "v1" / "health_pb2.py")
    health = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(health)

    return Stubs(
        common=importlib.import_module("creditgate.v1.common_pb2"),
        query=importlib.import_module("creditgate.v1.query_pb2"),
        query_grpc=importlib.import_module("creditgate.v1.query_pb2_grpc"),
        oversight=importlib.import_module("creditgate.v1.oversight_pb2"),
        oversight_grpc=importlib.import_module("creditgate.v1.oversight_pb2_grpc"),
        health=health,
    )


# --------------------------------------------------------------------------------------------
# The gateway process.


def creditgate_bin() -> Path:
    path = Path(os.environ.get("CREDITGATE_BIN", REPO_ROOT / ".build" / "debug" / "creditgate"))
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not path.is_file():
        pytest.fail(f"no gateway binary at {path}: build it (swift build --product creditgate) "
                    "or set CREDITGATE_BIN")
    return path


def die_with_parent() -> None:
    """Linux: the gateway gets SIGKILL if pytest itself dies before its fixtures tear down."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort only; teardown kills it in every normal case
        pass


class Gateway:
    """One `creditgate serve` process on a free loopback port, with its own data and certs."""

    def __init__(self, base: Path):
        self.base = base
        self.data = base / "data"
        self.certs = base / "certs"
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self.starts = 0
        self._channels: list[grpc.Channel] = []

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.starts += 1
        self.stderr_path = self.base / f"stderr-{self.starts}.log"
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                [str(creditgate_bin()), "serve", "--listen", "127.0.0.1:0",
                 "--data", str(self.data), "--certs", str(self.certs)],
                cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
                preexec_fn=die_with_parent,
            )
        lines: queue.Queue = queue.Queue()

        def read_first_line(stream=self.process.stdout):
            lines.put(stream.readline())
            # Keep draining so that a chatty server never blocks on a full pipe.
            for _ in iter(stream.readline, b""):
                pass

        threading.Thread(target=read_first_line, daemon=True).start()
        try:
            line = lines.get(timeout=STARTUP_TIMEOUT_S).decode("utf-8", "replace").strip()
        except queue.Empty:
            self.kill()
            pytest.fail(f"the gateway printed nothing within {STARTUP_TIMEOUT_S:.0f}s\n{self.log_tail()}")
        prefix = "listening on 127.0.0.1:"
        if not line.startswith(prefix):
            self.kill()
            pytest.fail(f"unexpected first stdout line {line!r} (want {prefix}PORT)\n{self.log_tail()}")
        self.port = int(line[len(prefix):])
        assert self.port > 0

    def kill(self, sig: int = signal.SIGKILL) -> None:
        for channel in self._channels:
            channel.close()
        self._channels.clear()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.stderr_path.read_text("utf-8", "replace")
        except OSError:
            return "(no stderr log)"
        return "gateway stderr (tail):\n" + "\n".join(text.splitlines()[-lines:])

    # --- channels ----------------------------------------------------------------------------

    def ca(self) -> bytes:
        return (self.certs / "ca.pem").read_bytes()

    def client_pair(self, institution: str) -> tuple[bytes, bytes]:
        clients = self.certs / "clients"
        return (clients / f"{institution}.pem").read_bytes(), (clients / f"{institution}-key.pem").read_bytes()

    def channel(self, institution: str | None = None, *, cert: bytes | None = None,
                key: bytes | None = None, root: bytes | None = None) -> grpc.Channel:
        """A new channel (never shared, so one test's broken handshake cannot poison another's)."""
        if institution is not None:
            cert, key = self.client_pair(institution)
        credentials = grpc.ssl_channel_credentials(
            root_certificates=root if root is not None else self.ca(),
            private_key=key, certificate_chain=cert)
        channel = grpc.secure_channel(self.address, credentials)
        self._channels.append(channel)
        return channel


@pytest.fixture(scope="session")
def gateway(tmp_path_factory):
    gw = Gateway(tmp_path_factory.mktemp("gateway"))
    gw.start()
    yield gw
    gw.kill()


@pytest.fixture()
def own_gateway(tmp_path):
    gw = Gateway(tmp_path)
    gw.start()
    yield gw
    gw.kill()


# --------------------------------------------------------------------------------------------
# Calls.


def operator(name: str = "op-interop-1") -> tuple[tuple[str, str], ...]:
    return (("x-operator-id", name),)


def query_id_of(error: grpc.RpcError) -> int:
    values = [v for k, v in (error.trailing_metadata() or ()) if k == "x-query-id"]
    assert values, (f"refused call ({error.code()}: {error.details()}) has no x-query-id in its "
                    f"trailing metadata: {error.trailing_metadata()!r}")
    assert len(values) == 1, f"several x-query-id values: {values}"
    assert values[0].isdigit(), f"x-query-id is not a decimal number: {values[0]!r}"
    return int(values[0])


def refused(call, request, **kwargs) -> grpc.RpcError:
    try:
        response = call(request, timeout=RPC_TIMEOUT_S, **kwargs)
    except grpc.RpcError as error:
        return error
    pytest.fail(f"expected the call to be refused, got an answer: {response}")


def search_audit(gw: Gateway, pb: Stubs, **fields) -> list:
    stub = pb.oversight_grpc.OversightStub(gw.channel("demo-privacy-office"))
    return list(stub.SearchAuditLog(pb.oversight.SearchAuditLogRequest(**fields), timeout=RPC_TIMEOUT_S))


def audit_entry(gw: Gateway, pb: Stubs, sequence: int):
    entries = search_audit(gw, pb, after_sequence=sequence - 1, limit=1)
    assert entries, f"no audit entry after sequence {sequence - 1}"
    assert entries[0].sequence == sequence, (
        f"after_sequence={sequence - 1} limit=1 returned sequence {entries[0].sequence}, not {sequence}")
    return entries[0]


@dataclass
class Answered:
    request: object
    response: object


@dataclass
class Refused:
    request: object
    error: grpc.RpcError
    query_id: int


@pytest.fixture(scope="session")
def answered(gateway, pb) -> Answered:
    """GetProfile for a statutory purpose by the department that holds it."""
    stub = pb.query_grpc.CreditQueryStub(gateway.channel("demo-hr-bureau"))
    request = pb.query.GetProfileRequest(subject_code=LI_NA, purpose=STATUTORY_PURPOSE)
    response = stub.GetProfile(request, metadata=operator(), timeout=RPC_TIMEOUT_S)
    return Answered(request, response)


@pytest.fixture(scope="session")
def invalid_code(gateway, pb) -> Refused:
    stub = pb.query_grpc.CreditQueryStub(gateway.channel("demo-hr-bureau"))
    request = pb.query.GetProfileRequest(subject_code=INVALID_CODES["check character"], purpose=STATUTORY_PURPOSE)
    error = refused(stub.GetProfile, request, metadata=operator())
    return Refused(request, error, query_id_of(error))


@pytest.fixture(scope="session")
def missing_operator(gateway, pb) -> Refused:
    stub = pb.query_grpc.CreditQueryStub(gateway.channel("demo-hr-bureau"))
    request = pb.query.GetProfileRequest(subject_code=LI_NA, purpose=STATUTORY_PURPOSE)
    error = refused(stub.GetProfile, request)
    return Refused(request, error, query_id_of(error))


@pytest.fixture(scope="session")
def denied(gateway, pb) -> Refused:
    """A bank (consent purposes only) asking for a statutory purpose."""
    stub = pb.query_grpc.CreditQueryStub(gateway.channel("demo-bank"))
    request = pb.query.GetProfileRequest(subject_code=LI_NA, purpose=STATUTORY_PURPOSE)
    error = refused(stub.GetProfile, request, metadata=operator("op-bank-7"))
    return Refused(request, error, query_id_of(error))


# --------------------------------------------------------------------------------------------
# a. A statutory profile is answered, with the purpose's categories only.


def test_statutory_profile_is_answered_within_its_purpose(answered):
    response = answered.response
    categories = [r.category for r in response.records]
    assert response.query_id > 0
    assert response.subject.subject_code == LI_NA
    assert set(categories) <= STATUTORY_CATEGORIES, (
        f"{STATUTORY_PURPOSE} disclosed categories outside its list: {set(categories) - STATUTORY_CATEGORIES}")
    assert "dishonest-judgment-debtor" in categories
    assert "serious-tax-violation" in categories
    assert "admin-penalty" not in categories
    assert all(r.subject_code in ("", LI_NA) for r in response.records)
    assert not response.evaluation.grade, f"{STATUTORY_PURPOSE} shows no grade, got {response.evaluation.grade!r}"


# b. An invalid subject code is refused, naming the field, and the refusal has a query id.


@pytest.mark.parametrize("flaw", sorted(INVALID_CODES))
def test_invalid_subject_code_is_refused(gateway, pb, flaw):
    stub = pb.query_grpc.CreditQueryStub(gateway.channel("demo-hr-bureau"))
    code = INVALID_CODES[flaw]
    error = refused(stub.GetProfile, pb.query.GetProfileRequest(subject_code=code, purpose=STATUTORY_PURPOSE),
                    metadata=operator())
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, f"{flaw}: {error.code()} {error.details()}"
    assert "subject_code" in error.details(), f"{flaw}: details do not name the field: {error.details()!r}"
    assert query_id_of(error) > 0


def test_invalid_subject_code_fixture_call(invalid_code):
    assert invalid_code.error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "subject_code" in invalid_code.error.details()
    assert invalid_code.query_id > 0


# c. A missing operator is invalid; a purpose outside the institution's list is denied.


def test_missing_operator_is_invalid(missing_operator):
    error = missing_operator.error
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, f"{error.code()} {error.details()}"
    assert "x-operator-id" in error.details()
    assert missing_operator.query_id > 0


def test_purpose_outside_the_institution_is_denied(denied):
    error = denied.error
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED, f"{error.code()} {error.details()}"
    assert denied.query_id > 0


# d. No call completes without a client certificate from the gateway's CA.


def make_certificate(common_name: str, *, issuer_name=None, issuer_key=None,
                     not_before=None, not_after=None, ca=False):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name or subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - datetime.timedelta(hours=1))
        .not_valid_after(not_after or now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    certificate = builder.sign(issuer_key or key, hashes.SHA256())
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return certificate, certificate.public_bytes(serialization.Encoding.PEM), key_pem, key


def gateway_ca(gw: Gateway):
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    ca = x509.load_pem_x509_certificate(gw.ca())
    key = serialization.load_pem_private_key((gw.certs / "ca-key.pem").read_bytes(), password=None)
    return ca, key


# A refusal during or right after the handshake surfaces as UNAVAILABLE in grpcio; an
# authenticated-transport-but-unknown-caller refusal as UNAUTHENTICATED. Never an answer.
HANDSHAKE_REFUSALS = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNAUTHENTICATED}


def last_sequence(gw: Gateway, pb: Stubs) -> int:
    return max((e.sequence for e in search_audit(gw, pb)), default=0)


def assert_no_call_completes(gw: Gateway, pb: Stubs, channel: grpc.Channel, allowed=HANDSHAKE_REFUSALS):
    """GetProfile and Health/Check both fail with an allowed code. When only UNAVAILABLE is allowed
    (refused in the handshake), the request must not have reached the services either."""
    before = last_sequence(gw, pb)
    marker = f"op-refused-{os.getpid()}-{time.monotonic_ns()}"
    profile = refused(pb.query_grpc.CreditQueryStub(channel).GetProfile,
                      pb.query.GetProfileRequest(subject_code=LI_NA, purpose=STATUTORY_PURPOSE),
                      metadata=operator(marker))
    assert profile.code() in allowed, f"GetProfile: {profile.code()} {profile.details()}"
    check = channel.unary_unary(HEALTH_CHECK, request_serializer=pb.health.HealthCheckRequest.SerializeToString,
                                response_deserializer=pb.health.HealthCheckResponse.FromString)
    health = refused(check, pb.health.HealthCheckRequest())
    assert health.code() in allowed, f"Health/Check: {health.code()} {health.details()}"
    if allowed == {grpc.StatusCode.UNAVAILABLE}:
        reached = [e for e in search_audit(gw, pb, after_sequence=before) if e.operator_id == marker]
        assert not reached, f"a call refused in the handshake reached the services: {reached}"
    return profile


def test_no_client_certificate_is_refused(gateway, pb):
    assert_no_call_completes(gateway, pb, gateway.channel(root=gateway.ca()),
                             allowed={grpc.StatusCode.UNAVAILABLE})


def test_certificate_from_another_ca_is_refused(gateway, pb):
    other_ca, _, _, other_ca_key = make_certificate("Some other CA", ca=True)
    # Same common name as a real institution: only the issuer is wrong.
    _, cert, key, _ = make_certificate("demo-hr-bureau", issuer_name=other_ca.subject, issuer_key=other_ca_key)
    assert_no_call_completes(gateway, pb, gateway.channel(cert=cert, key=key),
                             allowed={grpc.StatusCode.UNAVAILABLE})


def test_self_signed_certificate_is_refused(gateway, pb):
    _, cert, key, _ = make_certificate("demo-hr-bureau")
    assert_no_call_completes(gateway, pb, gateway.channel(cert=cert, key=key),
                             allowed={grpc.StatusCode.UNAVAILABLE})


def unknown_institution_channel(gw: Gateway) -> grpc.Channel:
    """A certificate the handshake accepts (issued by the gateway's CA) for no configured institution."""
    ca, ca_key = gateway_ca(gw)
    _, cert, key, _ = make_certificate("not-an-institution", issuer_name=ca.subject, issuer_key=ca_key)
    return gw.channel(cert=cert, key=key)


def test_unknown_institution_from_the_gateway_ca_is_refused(gateway, pb):
    error = refused(pb.query_grpc.CreditQueryStub(unknown_institution_channel(gateway)).GetProfile,
                    pb.query.GetProfileRequest(subject_code=LI_NA, purpose=STATUTORY_PURPOSE),
                    metadata=operator())
    assert error.code() in HANDSHAKE_REFUSALS, f"{error.code()} {error.details()}"
    if error.code() == grpc.StatusCode.UNAUTHENTICATED:
        # Refused after the handshake: then it is an RPC like any other, and audited.
        entry = audit_entry(gateway, pb, query_id_of(error))
        assert entry.status_code == grpc.StatusCode.UNAUTHENTICATED.value[0]
        assert entry.outcome in ("DENIED", "INVALID")
        assert entry.records_disclosed == 0


def test_health_needs_a_known_institution(gateway, pb):
    channel = unknown_institution_channel(gateway)
    check = channel.unary_unary(HEALTH_CHECK, request_serializer=pb.health.HealthCheckRequest.SerializeToString,
                                response_deserializer=pb.health.HealthCheckResponse.FromString)
    error = refused(check, pb.health.HealthCheckRequest())
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED, f"{error.code()} {error.details()}"


def test_expired_certificate_from_the_gateway_ca_is_refused(gateway, pb):
    ca, ca_key = gateway_ca(gateway)
    now = datetime.datetime.now(datetime.timezone.utc)
    _, cert, key, _ = make_certificate("demo-hr-bureau", issuer_name=ca.subject, issuer_key=ca_key,
                                       not_before=now - datetime.timedelta(days=30),
                                       not_after=now - datetime.timedelta(days=1))
    assert_no_call_completes(gateway, pb, gateway.channel(cert=cert, key=key))


# e. Every one of the calls above is in the audit log, as the privacy office sees it.


def ssl_der(pem: bytes) -> bytes:
    import ssl
    return ssl.PEM_cert_to_DER_cert(pem.decode())


def test_answered_call_is_audited(gateway, pb, answered):
    response = answered.response
    entry = audit_entry(gateway, pb, response.query_id)
    assert entry.outcome == "ANSWERED"
    assert entry.status_code == 0
    assert entry.institution_id == "demo-hr-bureau"
    assert entry.method == GET_PROFILE
    assert entry.purpose == STATUTORY_PURPOSE
    assert entry.operator_id == "op-interop-1"
    assert entry.subject_pseudonym and LI_NA not in entry.subject_pseudonym
    assert entry.records_disclosed == len(response.records)
    # What the answer covered: the purpose's categories (an empty category is information too),
    # at least those of the records returned, never more than the purpose allows.
    assert {r.category for r in response.records} <= set(entry.categories_disclosed) <= STATUTORY_CATEGORIES
    # The answer states the same scope, and names every other category as withheld.
    assert list(response.covered) == list(entry.categories_disclosed)
    assert not set(response.covered) & {w.category for w in response.withheld}
    # Anyone holding the answer can recompute its digest (the server hashes the deterministic
    # encoding; query_id is the entry's own sequence, so it may be left out of what is hashed).
    unnumbered = type(response)()
    unnumbered.CopyFrom(response)
    unnumbered.query_id = 0
    assert entry.response_digest in (
        hashlib.sha256(response.SerializeToString(deterministic=True)).hexdigest(),
        hashlib.sha256(unnumbered.SerializeToString(deterministic=True)).hexdigest(),
    ), "response_digest is not the SHA-256 of the response's deterministic encoding"
    cert, _ = gateway.client_pair("demo-hr-bureau")
    assert entry.certificate_fingerprint == hashlib.sha256(ssl_der(cert)).hexdigest()
    assert entry.time.seconds > 0

    # Found through the filters too, not only by sequence.
    by_filters = search_audit(gateway, pb, institution_id="demo-hr-bureau", method=GET_PROFILE,
                              outcome="ANSWERED", purpose=STATUTORY_PURPOSE)
    assert response.query_id in [e.sequence for e in by_filters]
    assert all(e.institution_id == "demo-hr-bureau" and e.outcome == "ANSWERED" for e in by_filters)


def test_invalid_call_is_audited(gateway, pb, invalid_code):
    entry = audit_entry(gateway, pb, invalid_code.query_id)
    assert entry.outcome == "INVALID"
    assert entry.status_code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert entry.method == GET_PROFILE
    assert entry.institution_id == "demo-hr-bureau"
    assert "subject_code" in entry.reason
    code = invalid_code.request.subject_code
    assert code not in entry.subject_pseudonym
    assert code not in entry.reason, "the audit log must never hold a subject code in clear"


def test_missing_operator_is_audited(gateway, pb, missing_operator):
    entry = audit_entry(gateway, pb, missing_operator.query_id)
    assert entry.outcome == "INVALID"
    assert entry.status_code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "x-operator-id" in entry.reason


def test_denied_call_is_audited(gateway, pb, denied, answered):
    entry = audit_entry(gateway, pb, denied.query_id)
    assert entry.outcome == "DENIED"
    assert entry.status_code == grpc.StatusCode.PERMISSION_DENIED.value[0]
    assert entry.institution_id == "demo-bank"
    assert entry.operator_id == "op-bank-7"
    assert entry.purpose == STATUTORY_PURPOSE
    assert entry.records_disclosed == 0 and not entry.categories_disclosed
    # The pseudonym is keyed on the subject alone: the same person, the same pseudonym.
    assert entry.subject_pseudonym
    assert entry.subject_pseudonym == audit_entry(gateway, pb, answered.response.query_id).subject_pseudonym
    assert LI_NA not in entry.subject_pseudonym


def test_audit_search_by_subject_code(gateway, pb, answered, denied):
    entries = search_audit(gateway, pb, subject_code=LI_NA)
    sequences = [e.sequence for e in entries]
    assert answered.response.query_id in sequences
    assert denied.query_id in sequences
    assert len({e.subject_pseudonym for e in entries}) == 1
    assert sequences == sorted(sequences)

    others = search_audit(gateway, pb, subject_code="33010619900101123X")
    assert answered.response.query_id not in [e.sequence for e in others]


def test_audit_search_by_outcome(gateway, pb, answered, invalid_code, denied):
    invalid = [e.sequence for e in search_audit(gateway, pb, outcome="INVALID")]
    assert invalid_code.query_id in invalid
    assert answered.response.query_id not in invalid
    denied_entries = [e.sequence for e in search_audit(gateway, pb, outcome="DENIED", institution_id="demo-bank")]
    assert denied.query_id in denied_entries


def test_query_ids_are_distinct(answered, invalid_code, missing_operator, denied):
    ids = [answered.response.query_id, invalid_code.query_id, missing_operator.query_id, denied.query_id]
    assert len(set(ids)) == len(ids), ids


def test_audit_search_needs_the_privacy_office(gateway, pb):
    stub = pb.oversight_grpc.OversightStub(gateway.channel("demo-hr-bureau"))
    try:
        entries = list(stub.SearchAuditLog(pb.oversight.SearchAuditLogRequest(), timeout=RPC_TIMEOUT_S))
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, f"{error.code()} {error.details()}"
    else:
        pytest.fail(f"demo-hr-bureau read {len(entries)} audit entries")


# f. An answered query's entry survives SIGKILL of the server.


def test_audit_entry_survives_sigkill(own_gateway, pb):
    gw = own_gateway
    stub = pb.query_grpc.CreditQueryStub(gw.channel("demo-hr-bureau"))
    response = stub.GetProfile(pb.query.GetProfileRequest(subject_code=LI_NA, purpose=STATUTORY_PURPOSE),
                               metadata=operator("op-durable"), timeout=RPC_TIMEOUT_S)
    query_id = response.query_id
    assert query_id > 0

    gw.kill(signal.SIGKILL)
    assert gw.process.returncode == -signal.SIGKILL
    gw.start()  # same --data and --certs: the PKI is reused, the log reopened

    entry = audit_entry(gw, pb, query_id)
    assert entry.outcome == "ANSWERED"
    assert entry.operator_id == "op-durable"
    assert entry.method == GET_PROFILE

    # The restarted log goes on after the surviving entry; it does not reissue its sequence.
    stub = pb.query_grpc.CreditQueryStub(gw.channel("demo-hr-bureau"))
    again = stub.GetProfile(pb.query.GetProfileRequest(subject_code=LI_NA, purpose=STATUTORY_PURPOSE),
                            metadata=operator("op-durable"), timeout=RPC_TIMEOUT_S)
    assert again.query_id > query_id


# g. The standard health service.


def test_health_check_is_serving(gateway, pb):
    check = gateway.channel("demo-hr-bureau").unary_unary(
        HEALTH_CHECK, request_serializer=pb.health.HealthCheckRequest.SerializeToString,
        response_deserializer=pb.health.HealthCheckResponse.FromString)
    response = check(pb.health.HealthCheckRequest(), timeout=RPC_TIMEOUT_S)
    assert response.status == pb.health.HealthCheckResponse.SERVING
    # Any authenticated institution may ask, not only query institutions.
    check = gateway.channel("demo-court").unary_unary(
        HEALTH_CHECK, request_serializer=pb.health.HealthCheckRequest.SerializeToString,
        response_deserializer=pb.health.HealthCheckResponse.FromString)
    assert check(pb.health.HealthCheckRequest(), timeout=RPC_TIMEOUT_S).status == pb.health.HealthCheckResponse.SERVING


# h. The audit log is a verifiable log (DESIGN §8): checked here with an independent
#    implementation of RFC 9162 and of C2SP signed notes, and with the CLI's offline verifier.

GET_CHECKPOINT = "/creditgate.v1.Oversight/GetCheckpoint"


def cli(*args, check: bool = True) -> subprocess.CompletedProcess:
    """Runs the `creditgate` binary as a command-line tool (not a server)."""
    result = subprocess.run([str(creditgate_bin()), *map(str, args)], cwd=REPO_ROOT,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, (
            f"creditgate {' '.join(map(str, args))} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def privacy_office_flags(gw: Gateway) -> list[str]:
    return ["--server", gw.address, "--certs", str(gw.certs), "--as", "demo-privacy-office"]


def rfc9162_leaf_hash(entry) -> bytes:
    """SHA-256(0x00 || the entry's deterministic protobuf encoding)."""
    return hashlib.sha256(b"\x00" + entry.SerializeToString(deterministic=True)).digest()


def rfc9162_node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def rfc9162_root(leaves: list[bytes]) -> bytes:
    """MTH(D[n]), RFC 9162 §2.1.1."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return rfc9162_node(rfc9162_root(leaves[:k]), rfc9162_root(leaves[k:]))


def rfc9162_verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = rfc9162_node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = rfc9162_node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def note_key_id(name: str, encoded_key: bytes) -> bytes:
    """C2SP signed-note key id: the first 4 bytes of SHA-256(name || "\\n" || 0x01 || public key)."""
    return hashlib.sha256(name.encode() + b"\n" + encoded_key).digest()[:4]


def open_checkpoint_note(note: str, vkey: str) -> tuple[str, int, bytes]:
    """Checks a C2SP signed note's Ed25519 signature by `vkey` and parses the tlog-checkpoint
    body it signs: (origin, tree size, root hash)."""
    import base64
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    name, key_id_hex, key_b64 = vkey.split("+", 2)
    key = base64.b64decode(key_b64, validate=True)
    assert len(key) == 33 and key[0] == 0x01, f"not an Ed25519 verifier key: {vkey!r}"
    assert note_key_id(name, key).hex() == key_id_hex, f"the key id of {vkey!r} does not match its name and key"

    assert note.endswith("\n"), "a signed note ends with a newline"
    split = note.rindex("\n\n")
    text, signature_block = note[:split + 1], note[split + 2:]
    signatures = []
    for line in signature_block[:-1].split("\n"):
        assert line.startswith("\u2014 "), f"not a signature line: {line!r}"
        signer, blob = line[2:].split(" ", 1)
        raw = base64.b64decode(blob, validate=True)
        signatures.append((signer, raw[:4], raw[4:]))
    mine = [s for s in signatures if s[0] == name and s[1].hex() == key_id_hex]
    assert mine, f"no signature by {name}+{key_id_hex} in {signatures!r}"
    Ed25519PublicKey.from_public_bytes(key[1:]).verify(mine[0][2], text.encode())  # raises if bad

    lines = text[:-1].split("\n")
    assert len(lines) == 3, f"a checkpoint body has 3 lines, got {lines!r}"
    origin, size, root_b64 = lines
    assert size.isdigit() and (size == "0" or not size.startswith("0")), f"bad tree size {size!r}"
    root = base64.b64decode(root_b64, validate=True)
    assert base64.b64encode(root).decode() == root_b64 and len(root) == 32, f"bad root hash {root_b64!r}"
    return origin, int(size), root


def verifier_key(gw: Gateway) -> str:
    """The gateway's vkey from `creditgate audit public-key`, checked against one computed here
    from the 32-byte Ed25519 seed in <data>/audit-signing.key."""
    import base64
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    vkey = cli("audit", "public-key", "--data", gw.data,
               "--config", REPO_ROOT / "config" / "gateway.json").stdout.strip()
    seed = (gw.data / "audit-signing.key").read_bytes()
    assert len(seed) == 32
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    origin = vkey.split("+", 1)[0]
    encoded = b"\x01" + public
    assert vkey == f"{origin}+{note_key_id(origin, encoded).hex()}+{base64.b64encode(encoded).decode()}"
    return vkey


def test_checkpoint_verifies_independently(gateway, pb, answered, denied):
    stub = pb.oversight_grpc.OversightStub(gateway.channel("demo-privacy-office"))
    checkpoint, call = stub.GetCheckpoint.with_call(pb.oversight.GetCheckpointRequest(), timeout=RPC_TIMEOUT_S)
    own_query_id = int(dict(call.trailing_metadata())["x-query-id"])
    # The checkpoint covers what was committed before the call; the call's own entry is next.
    assert own_query_id == checkpoint.tree_size + 1
    assert checkpoint.tree_size >= max(answered.response.query_id, denied.query_id)

    vkey = verifier_key(gateway)
    origin, size, root = open_checkpoint_note(checkpoint.signed_note, vkey)
    assert (origin, size, root) == (checkpoint.origin, checkpoint.tree_size, checkpoint.root_hash)
    assert origin == vkey.split("+", 1)[0]

    entries = search_audit(gateway, pb, limit=10000)
    assert [e.sequence for e in entries[:size]] == list(range(1, size + 1))
    assert entries[size].sequence == own_query_id and entries[size].method == GET_CHECKPOINT
    assert all(e.origin == origin for e in entries)
    leaves = [rfc9162_leaf_hash(e) for e in entries[:size]]
    assert rfc9162_root(leaves) == root, "the root is not the RFC 9162 tree of the served entries"

    # Every entry under the checkpoint has an inclusion proof to its root.
    for index, leaf in enumerate(leaves):
        proof = stub.GetInclusionProof(
            pb.oversight.GetInclusionProofRequest(sequence=index + 1, tree_size=size), timeout=RPC_TIMEOUT_S)
        assert (proof.leaf_index, proof.tree_size) == (index, size)
        assert rfc9162_verify_inclusion(leaf, index, size, list(proof.hashes), root), f"entry {index + 1}"


def test_tampered_entry_is_named_by_audit_verify(own_gateway, pb, tmp_path):
    import sqlite3

    gw = own_gateway
    query = pb.query_grpc.CreditQueryStub(gw.channel("demo-hr-bureau"))
    ids = [query.GetProfile(pb.query.GetProfileRequest(subject_code=LI_NA, purpose=STATUTORY_PURPOSE),
                            metadata=operator(f"op-tamper-{n}"), timeout=RPC_TIMEOUT_S).query_id
           for n in range(3)]
    assert ids == [1, 2, 3]
    victim = ids[1]

    checkpoint_file, export_file = tmp_path / "checkpoint.txt", tmp_path / "export.jsonl"
    cli("audit", "checkpoint", "--out", checkpoint_file, *privacy_office_flags(gw))
    cli("audit", "export", "--out", export_file, *privacy_office_flags(gw))
    vkey = verifier_key(gw)
    good = cli("audit", "verify", "--export", export_file, "--checkpoint", checkpoint_file, "--key", vkey)
    assert "signature good" in good.stdout and "verified" in good.stdout, good.stdout
    _, size, root = open_checkpoint_note(checkpoint_file.read_text("utf-8"), vkey)
    assert size > victim

    # One byte of one stored entry, changed behind the gateway's back.
    with sqlite3.connect(gw.data / "creditgate.sqlite", timeout=30) as db:
        (operator_id,) = db.execute("SELECT operator_id FROM audit_entry WHERE sequence = ?", (victim,)).fetchone()
        assert operator_id == "op-tamper-1"
        forged = operator_id[:-1] + "7"
        changed = db.execute("UPDATE audit_entry SET operator_id = ? WHERE sequence = ?", (forged, victim))
        assert changed.rowcount == 1
    db.close()
    served = audit_entry(gw, pb, victim)
    assert served.operator_id == forged, "the gateway does not serve the changed row"
    stub = pb.oversight_grpc.OversightStub(gw.channel("demo-privacy-office"))
    proof = stub.GetInclusionProof(pb.oversight.GetInclusionProofRequest(sequence=victim, tree_size=size),
                                   timeout=RPC_TIMEOUT_S)
    assert not rfc9162_verify_inclusion(rfc9162_leaf_hash(served), victim - 1, size, list(proof.hashes), root)

    tampered_file = tmp_path / "export-tampered.jsonl"
    cli("audit", "export", "--out", tampered_file, *privacy_office_flags(gw))
    bad = cli("audit", "verify", "--export", tampered_file, "--checkpoint", checkpoint_file, "--key", vkey,
              check=False)
    output = bad.stdout + bad.stderr
    assert bad.returncode != 0, f"audit verify accepted a tampered export:\n{output}"
    assert f"entry {victim}:" in output, f"audit verify does not name entry {victim}:\n{output}"
    assert f"entry {victim - 1}:" not in output and f"entry {victim + 1}:" not in output, output


def test_access_log_verifies_offline_in_python(gateway, pb, answered, denied):
    """The person's app, written by no one here: through the portal (which must name the
    person's session), the access log of Li Na — every audited call about her — is checked
    against the signed checkpoint with Python's own protobuf encoding and hashing, and the
    entries' per-subject links show that none was left out."""
    rights = importlib.import_module("creditgate.v1.subject_rights_pb2")
    rights_grpc = importlib.import_module("creditgate.v1.subject_rights_pb2_grpc")
    stub = rights_grpc.SubjectRightsStub(gateway.channel("demo-portal"))
    request = rights.ListAccessLogRequest(subject_code=LI_NA)

    error = refused(stub.ListAccessLog, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "x-operator-id" in error.details()

    log = stub.ListAccessLog(request, metadata=operator("portal-session-1"), timeout=RPC_TIMEOUT_S)
    origin, size, root = open_checkpoint_note(log.checkpoint.signed_note, verifier_key(gateway))
    assert (origin, size, root) == (log.checkpoint.origin, log.checkpoint.tree_size, log.checkpoint.root_hash)
    sequences = [item.entry.sequence for item in log.entries]
    assert answered.response.query_id in sequences and denied.query_id in sequences
    assert query_id_of(error) in sequences, "the refused portal call is in her access log too"
    previous = 0
    for item in log.entries:
        entry = item.entry
        assert (item.sequence, item.method, item.institution_id) == (entry.sequence, entry.method, entry.institution_id)
        assert entry.origin == origin and item.tree_size == size
        proof = [bytes.fromhex(h) for h in item.inclusion_proof]
        assert rfc9162_verify_inclusion(rfc9162_leaf_hash(entry), entry.sequence - 1, size, proof, root), entry.sequence
        assert entry.previous_subject_sequence == previous, f"entry {entry.sequence} does not link to {previous}"
        previous = entry.sequence
    # Left out: the same check over the list without its second entry finds the break.
    assert len(log.entries) >= 3
    kept = [item.entry for i, item in enumerate(log.entries) if i != 1]
    breaks, previous = [], 0
    for entry in kept:
        if entry.previous_subject_sequence != previous:
            breaks.append(entry.sequence)
        previous = entry.sequence
    assert breaks == [log.entries[2].entry.sequence]


def test_access_log_verify_command(gateway, pb, answered):
    """`creditgate audit access-log --verify` checks the signed checkpoint, every proof and the
    links, and says so; with another log's key it fails and exits non-zero."""
    flags = ["--server", gateway.address, "--certs", str(gateway.certs), "--as", "demo-portal",
             "--operator", "portal-session-2"]
    result = cli("audit", "access-log", LI_NA, *flags, "--verify", "--key", verifier_key(gateway))
    assert "verified:" in result.stdout and "none is left out" in result.stdout, result.stdout
    import base64
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    origin = verifier_key(gateway).split("+", 1)[0]
    public = Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    encoded = b"\x01" + public
    foreign = f"{origin}+{note_key_id(origin, encoded).hex()}+{base64.b64encode(encoded).decode()}"
    failed = cli("audit", "access-log", LI_NA, *flags, "--verify", "--key", foreign, check=False)
    assert failed.returncode != 0 and "verification failed" in failed.stderr, (failed.stdout, failed.stderr)
