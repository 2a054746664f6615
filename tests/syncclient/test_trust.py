"""TLS against the hospital's own certificate authority, installed in the system's store."""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_PROBE = """
import sys
import requests
if sys.argv[2] == "system":
    from emr_desktop.syncclient.trust import use_system_trust
    use_system_trust()
    use_system_trust()  # twice changes nothing
try:
    print(requests.get(sys.argv[1], timeout=10).status_code)
except requests.exceptions.SSLError:
    print("ssl-error")
"""


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _hospital_ca_and_server(tmp: Path) -> tuple[Path, Path, Path]:
    """A hospital CA (the kind IT installs on every PC) and a server certificate it signed
    for 127.0.0.1: the CA file, the server's certificate and key files."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("CA Benh vien huyen (test)"))
        .issuer_name(_name("CA Benh vien huyen (test)"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("emr-sync.benhvien.local"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = tmp / "ca.pem", tmp / "server.pem", tmp / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_file, cert_file, key_file


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hospital_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on loopback with a certificate of the hospital's CA; its URL and the
    CA file."""
    ca_file, cert_file, key_file = _hospital_ca_and_server(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/v1/health", ca_file
    finally:
        server.shutdown()
        server.server_close()


def _probe(url: str, ca_file: Path, trust: str) -> str:
    """What a fresh process says when it asks the server: the status, or "ssl-error".

    The CA is "installed in the system's store" by pointing OpenSSL's default file at it
    (SSL_CERT_FILE), as IT installing it into /etc/ssl does on a Linux PC."""
    env = {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    env["SSL_CERT_FILE"] = str(ca_file)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, url, trust],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def test_the_hospitals_ca_in_the_system_store_is_trusted(
    hospital_server: tuple[str, Path],
) -> None:
    url, ca_file = hospital_server
    assert _probe(url, ca_file, "system") == "200"


def test_without_the_system_store_the_same_server_is_refused(
    hospital_server: tuple[str, Path],
) -> None:
    # What every PC did before: requests' own list of public authorities only.
    url, ca_file = hospital_server
    assert _probe(url, ca_file, "certifi") == "ssl-error"


def test_a_certificate_no_trusted_authority_signed_is_still_refused(
    hospital_server: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = hospital_server
    (tmp_path / "other").mkdir()
    other_ca, _, _ = _hospital_ca_and_server(tmp_path / "other")
    assert _probe(url, other_ca, "system") == "ssl-error"
