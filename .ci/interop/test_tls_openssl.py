"""The gateway's TLS floor and client-certificate rules as `openssl s_client` sees them (DESIGN §2):
TLS 1.2 is the floor, a client certificate is required, and only the gateway's client CA is
trusted. Each refusal is checked next to a control that succeeds with the same command line but
the one thing changed, so a refusal cannot come from the client's own configuration.

Skipped only when `openssl` is missing (.ci/run installs it).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import overload
from test_interop import make_certificate

OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("tls-openssl")
    binary = Path(__import__("os").environ.get("CREDITGATE_BIN", overload.REPO_ROOT / ".build/debug/creditgate"))
    if not binary.is_absolute():
        binary = overload.REPO_ROOT / binary
    gw = overload.Server(binary, base, overload.load_config(base))
    gw.start()
    yield gw
    gw.stop()


# How long a connection must stay open after the handshake to count as accepted.
KEPT_OPEN_SECONDS = 5


def s_client(server, *flags: str, cert: Path | None = None, key: Path | None = None) -> tuple[bool, str]:
    """Runs a handshake; True when it completed and the server kept the connection (the client
    sends nothing, and with TLS 1.3 a refused certificate arrives as an alert after the
    handshake, so wait for the server's answer with -ign_eof and a short read)."""
    args = [OPENSSL, "s_client", "-connect", f"127.0.0.1:{server.port}", "-servername", "localhost",
            "-CAfile", str(server.certs / "ca.pem"), "-alpn", "h2", "-verify_return_error", *flags]
    if cert is not None:
        args += ["-cert", str(cert), "-key", str(key)]
    # An HTTP/2 client preface and an empty SETTINGS frame: a server that accepted the client
    # answers with its own SETTINGS; one that refused it sends an alert and closes.
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
    # -ign_eof: s_client keeps reading until the server closes. A server that refused the
    # certificate sends an alert and closes at once (with TLS 1.3 only after the handshake, so
    # without waiting s_client could leave before the alert and look accepted); one that
    # accepted it keeps the HTTP/2 connection open, and the wait runs out.
    try:
        result = subprocess.run([*args, "-ign_eof"], input=preface, capture_output=True, timeout=KEPT_OPEN_SECONDS)
    except subprocess.TimeoutExpired as kept_open:
        output = ((kept_open.stdout or b"") + (kept_open.stderr or b"")).decode("utf-8", "replace")
        return "Cipher is" in output, output
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    refused_markers = ("alert", "handshake failure", "no protocols available", "wrong version number",
                       "unsupported protocol", "errno=104", "write:errno", "ssl3_read_bytes")
    completed = result.returncode == 0 and "Cipher is" in output and "(NONE)" not in output.split("Cipher is", 1)[-1][:10]
    completed = completed and not any(marker in output.lower() for marker in refused_markers)
    return completed, output


def client(server, institution: str = "demo-hr-bureau") -> tuple[Path, Path]:
    clients = server.certs / "clients"
    return clients / f"{institution}.pem", clients / f"{institution}-key.pem"


def test_control_tls12_and_tls13_with_the_institution_certificate(server):
    cert, key = client(server)
    for version in ("-tls1_2", "-tls1_3"):
        completed, output = s_client(server, version, cert=cert, key=key)
        assert completed, f"{version} with a valid client certificate did not complete:\n{output[-2000:]}"


def test_tls11_and_older_are_refused(server):
    cert, key = client(server)
    # SECLEVEL=0 so that this client offers TLS 1.1 and 1.0 at all; the refusal must be the server's.
    for version in ("-tls1_1", "-tls1"):
        completed, output = s_client(server, version, "-cipher", "DEFAULT@SECLEVEL=0", cert=cert, key=key)
        assert not completed, f"{version} completed a handshake:\n{output[-2000:]}"
        assert "no protocols available" not in output, (
            f"{version}: the client refused to offer the version itself, so this proves nothing:\n{output[-2000:]}")


@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_no_client_certificate_is_refused(server, version):
    completed, output = s_client(server, version)
    assert not completed, f"{version} without a client certificate completed:\n{output[-2000:]}"


@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_certificate_from_another_ca_is_refused(server, tmp_path, version):
    from cryptography.hazmat.primitives import serialization

    other_ca, _, _, other_key = make_certificate("Some other CA", ca=True)
    # A configured institution's name, issued by a CA the gateway does not trust.
    _, cert_pem, key_pem, _ = make_certificate("demo-hr-bureau", issuer_name=other_ca.subject, issuer_key=other_key)
    cert, key = tmp_path / "foreign.pem", tmp_path / "foreign-key.pem"
    cert.write_bytes(cert_pem + other_ca.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(key_pem)
    key.chmod(0o600)
    completed, output = s_client(server, version, cert=cert, key=key)
    assert not completed, f"{version} with a foreign CA's certificate completed:\n{output[-2000:]}"



# Not checked here: which CAs the server names in its CertificateRequest. NIOSSL sends no CA
# names by default, so s_client cannot show the trust set; the Swift test
# TransportTrustTests.trustRoots asserts that the configured roots are exactly the client CA.
