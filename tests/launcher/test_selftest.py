"""The self-test's checks, in process: they pass on a sound installation, name what fails,
leave nothing behind and never touch the keyring the process had."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import ssl
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    live_server,
    sync_app,
    sync_db_url,
    sync_settings,
)

from emr_desktop.core.wire import PROTOCOL_VERSION
from emr_desktop.launcher import selftest

EXPECTED_CHECKS = [
    "store",
    "records",
    "audit",
    "reopen",
    "catalogues",
    "pdf",
    "fhir",
    "keyring",
    "qt",
    "translations",
    "dicom",
]


class TripwireKeyring(keyring.backend.KeyringBackend):
    """Stands for the PC's real keyring: records any use, and fails it."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append(f"get {service}")
        raise keyring.errors.KeyringError("the real keyring was used")

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append(f"set {service}")
        raise keyring.errors.PasswordSetError("the real keyring was used")

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append(f"delete {service}")
        raise keyring.errors.PasswordDeleteError("the real keyring was used")


@pytest.fixture
def own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary directory the self-test gets (to see that it is left empty)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def tripwire() -> Iterator[TripwireKeyring]:
    previous = keyring.get_keyring()
    wire = TripwireKeyring()
    keyring.set_keyring(wire)
    yield wire
    keyring.set_keyring(previous)


def test_every_check_passes_and_nothing_is_left(own_tmp: Path, tripwire: TripwireKeyring) -> None:
    report = selftest.run_self_test()
    failed = [c for c in report.checks if not c.ok]
    assert failed == []
    assert report.ok and report.cleaned_up
    assert [c.name for c in report.checks] == EXPECTED_CHECKS
    assert list(own_tmp.iterdir()) == []
    # The keyring the process had was neither used nor replaced.
    assert tripwire.calls == []
    assert keyring.get_keyring() is tripwire
    data = report.to_json()
    assert json.loads(json.dumps(data, ensure_ascii=False))["ok"] is True
    lines = selftest.report_lines(report)
    assert lines[-1] == f"ĐẠT / PASSED: {len(EXPECTED_CHECKS)}/{len(EXPECTED_CHECKS)}"


def test_an_interrupted_run_still_removes_its_directory(
    own_tmp: Path, tripwire: TripwireKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(state: object) -> tuple[str, str]:
        raise KeyboardInterrupt

    monkeypatch.setattr(selftest, "_check_audit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        selftest.run_self_test()
    assert list(own_tmp.iterdir()) == []
    assert keyring.get_keyring() is tripwire


def test_a_failed_check_does_not_stop_the_others(own_tmp: Path) -> None:
    report = selftest.run_self_test("http://127.0.0.1:9")
    assert not report.ok
    assert [c.name for c in report.checks] == [*EXPECTED_CHECKS, "server"]
    assert [c.name for c in report.checks if not c.ok] == ["server"]
    assert selftest.report_lines(report)[-1].startswith("KHÔNG ĐẠT / FAILED: 11/12")


def test_server_check_against_the_real_server(live_server: LiveServer) -> None:  # noqa: F811
    vi, en = selftest.check_server(live_server.base_url)
    assert f"protocol {PROTOCOL_VERSION}" in en
    assert live_server.base_url in vi


def test_server_check_refuses_a_version_below_the_servers_minimum(tmp_path: Path) -> None:
    from tests.sync.conftest import serve

    from emr_sync.app import create_app
    from emr_sync.db import open_database
    from emr_sync.settings import Settings

    settings = Settings(
        data_dir=tmp_path / "server",
        database_url=f"sqlite:///{(tmp_path / 'server.db').as_posix()}",
        min_client_version="99.0",
    )
    engine = open_database(settings.database_url)
    try:
        with (
            serve(create_app(settings, engine)) as url,
            pytest.raises(selftest.CheckFailed) as caught,
        ):
            selftest.check_server(url)
    finally:
        engine.dispose()
    assert "older than the server's minimum 99.0" in caught.value.message_en
    assert "cũ hơn phiên bản tối thiểu 99.0" in caught.value.message_vi


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"status": "ok", "protocols": [1], "server_time_ms": 1}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def untrusted_https(tmp_path: Path) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 whose certificate no CA vouches for."""
    cert, key = _self_signed(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_tls_problems_are_named(untrusted_https: str) -> None:
    with pytest.raises(selftest.CheckFailed) as caught:
        selftest.check_server(untrusted_https)
    assert caught.value.message_en.startswith(f"TLS problem with {untrusted_https}")
    assert "self-signed certificate" in caught.value.message_en
    assert caught.value.message_vi.startswith("lỗi TLS")
