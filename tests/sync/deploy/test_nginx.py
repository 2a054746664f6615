"""`sync/deploy/nginx/emr-sync.conf` for real: `nginx -t`, then nginx with a throwaway
self-signed certificate on free loopback ports in front of two `emr-sync-server` processes
sharing one PostgreSQL database; two PCs sync through it at the same time."""

from __future__ import annotations

import os
import random
import re
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import sqlalchemy as sa
from tests.sync.conftest import FACILITY_CODE
from tests.sync.deploy.conftest import DEPLOY, Database, free_port, server_process, tool
from tests.syncclient.support import Pc, canonical_dump, make_pc
from tests.syncclient.test_engine import _work

from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.credentials import load_credential
from emr_desktop.syncclient.engine import enroll, pending_op_count, sync_once
from emr_sync import admin
from emr_sync.db import open_database

CONF = DEPLOY / "nginx" / "emr-sync.conf"


@dataclass(frozen=True)
class Nginx:
    prefix: Path
    https_url: str
    http_port: int
    https_port: int
    cert: Path

    def access_log(self) -> str:
        path = self.prefix / "logs" / "emr-sync.access.log"
        return path.read_text() if path.exists() else ""


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1 (openssl)."""
    openssl = tool("openssl")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            openssl,
            *("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _replace_once(text: str, old: str, new: str, count: int = 1) -> str:
    # The shipped file must still have the shape this test adapts: fail loudly if not.
    assert text.count(old) == count, f"{old!r} is in the config {text.count(old)} times"
    return text.replace(old, new)


def _configure(prefix: Path, upstreams: tuple[int, int]) -> tuple[Path, int, int, Path]:
    """The shipped config adapted to `prefix` (ports, paths); returns the main conf."""
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    cert, key = _certificate(prefix)
    http_port, https_port = free_port(), free_port()
    site = CONF.read_text()
    site = _replace_once(site, "listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
    site = _replace_once(site, "listen 80;", f"listen 127.0.0.1:{http_port};")
    site = _replace_once(site, "/etc/ssl/emr-sync/fullchain.pem", str(cert))
    site = _replace_once(site, "/etc/ssl/emr-sync/privkey.pem", str(key))
    site = _replace_once(site, "server 127.0.0.1:8443 ", f"server 127.0.0.1:{upstreams[0]} ")
    site = _replace_once(site, "server 127.0.0.1:8444 ", f"server 127.0.0.1:{upstreams[1]} ")
    site = _replace_once(site, "/var/log/nginx/", f"{prefix}/logs/", count=3)
    (prefix / "emr-sync.conf").write_text(site)
    temp = prefix / "tmp"
    main = f"""
{"user root root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 128; }}
http {{
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    access_log {prefix}/logs/access.log;
    include {prefix}/emr-sync.conf;
}}
"""
    conf = prefix / "nginx.conf"
    conf.write_text(main)
    return conf, http_port, https_port, cert


def _nginx_command(conf: Path) -> list[str]:
    nginx = tool("nginx")
    prefix = conf.parent
    return [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "logs" / "error.log")]


@contextmanager
def _running_nginx(prefix: Path, upstreams: tuple[int, int]) -> Iterator[Nginx]:
    conf, http_port, https_port, cert = _configure(prefix, upstreams)
    command = _nginx_command(conf)
    subprocess.run([*command, "-t"], check=True, capture_output=True)
    output = (prefix / "logs" / "nginx.out").open("wb")
    process = subprocess.Popen(
        [*command, "-g", "daemon off;"], stdout=output, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("nginx did not start") from None
                time.sleep(0.05)
        yield Nginx(prefix, f"https://127.0.0.1:{https_port}", http_port, https_port, cert)
    finally:
        process.terminate()
        process.wait(timeout=15)
        output.close()


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    conf, *_ = _configure(tmp_path, (free_port(), free_port()))
    result = subprocess.run([*_nginx_command(conf), "-t"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
    assert "test is successful" in result.stderr


def test_nginx_refuses_a_broken_configuration(tmp_path: Path) -> None:
    conf, *_ = _configure(tmp_path, (free_port(), free_port()))
    site = tmp_path / "emr-sync.conf"
    site.write_text(site.read_text().replace("ssl_protocols", "ssl_protocol"))
    result = subprocess.run([*_nginx_command(conf), "-t"], capture_output=True, text=True)
    assert result.returncode != 0
    assert "ssl_protocol" in result.stderr


def _enrolled(pc: Pc, url: str, code: str, cert: Path) -> SyncClient:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would replace `verify`
    session.verify = str(cert)
    client = SyncClient(url, session=session, timeout=60)
    enroll(pc.store, url, code, "PC", client=client)
    client.credential = load_credential(pc.store)
    return client


def _status_line(nginx: Nginx, request: bytes) -> bytes:
    """The first line of nginx's answer to raw `request` bytes (TLS, no body sent)."""
    context = ssl.create_default_context(cafile=str(nginx.cert))
    with (
        socket.create_connection(("127.0.0.1", nginx.https_port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        tls.sendall(request)
        return tls.recv(4096).split(b"\r\n", 1)[0]


def _tls_version(nginx: Nginx, version: ssl.TLSVersion) -> str | None:
    context = ssl.create_default_context(cafile=str(nginx.cert))
    context.minimum_version = version
    context.maximum_version = version
    with (
        socket.create_connection(("127.0.0.1", nginx.https_port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        return tls.version()


def test_two_server_processes_behind_nginx_serve_two_pcs_at_once(
    tmp_path: Path, new_database: object
) -> None:
    database: Database = new_database()  # type: ignore[operator]
    engine = open_database(database.sqlalchemy_url)
    try:
        _serve_two_pcs(tmp_path, database, engine)
    finally:
        engine.dispose()


def _serve_two_pcs(tmp_path: Path, database: Database, engine: sa.Engine) -> None:
    admin.add_facility(engine, FACILITY_CODE, "Trung tâm Y tế huyện Thử")
    codes = [admin.make_enroll_code(engine, FACILITY_CODE)["code"] for _ in range(2)]
    url = database.sqlalchemy_url
    with (
        server_process(url, tmp_path / "s1") as one,
        server_process(url, tmp_path / "s2") as two,
        _running_nginx(tmp_path / "nginx", (one.port, two.port)) as nginx,
    ):
        health = requests.get(nginx.https_url + "/v1/health", verify=str(nginx.cert), timeout=10)
        assert health.json()["status"] == "ok"
        assert health.headers["Strict-Transport-Security"] == "max-age=63072000"
        plain = requests.get(
            f"http://127.0.0.1:{nginx.http_port}/v1/health", allow_redirects=False, timeout=10
        )
        assert plain.status_code == 301
        assert plain.headers["Location"].startswith("https://")
        # Only the API is served: no API description from outside.
        docs = requests.get(nginx.https_url + "/docs", verify=str(nginx.cert), timeout=10)
        assert docs.status_code == 404
        assert _tls_version(nginx, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
        assert _tls_version(nginx, ssl.TLSVersion.TLSv1_3) == "TLSv1.3"

        a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
        clients = {
            "a": _enrolled(a, nginx.https_url, codes[0], nginx.cert),
            "b": _enrolled(b, nginx.https_url, codes[1], nginx.cert),
        }
        pcs = {"a": a, "b": b}
        rng = random.Random(9)
        start = threading.Barrier(2)

        def sync(name: str) -> int:
            start.wait()
            return sync_once(pcs[name].store, clients[name]).pushed

        expected = 0
        with ThreadPoolExecutor(2) as pool:
            for _ in range(3):
                for pc in pcs.values():
                    _work(pc, rng, 2)
                expected += sum(pending_op_count(pc.store) for pc in pcs.values())
                pushed = list(pool.map(sync, ["a", "b"]))
                assert all(count > 0 for count in pushed)
        for name in ("a", "b"):
            sync_once(pcs[name].store, clients[name])
        assert canonical_dump(a.store) == canonical_dump(b.store)

        # Sequence order is commit order across processes: 1..N, no gap, no repeat.
        with engine.connect() as conn:
            seqs = conn.execute(sa.text("SELECT seq FROM op_log ORDER BY seq")).scalars().all()
        assert seqs == list(range(1, len(seqs) + 1))
        assert len(seqs) >= expected

        # Both processes took requests.
        served = set(re.findall(r" 127\.0\.0\.1:(\d+)$", nginx.access_log(), re.MULTILINE))
        assert served == {str(one.port), str(two.port)}

        # A CCCD in a path never reaches the access log.
        cccd = "001099012345"
        requests.get(
            f"{nginx.https_url}/v1/patients/by-cccd/{cccd}",
            headers={"Authorization": f"Bearer {clients['a'].credential}"},
            verify=str(nginx.cert),
            timeout=10,
        )
        time.sleep(0.2)
        log_text = nginx.access_log()
        assert "/v1/patients/by-cccd/-" in log_text
        assert cccd not in log_text

        # Attachments up to 50 MB pass nginx (the server itself answers: no such event);
        # more is refused by nginx before the body is read.
        auth = f"Authorization: Bearer {clients['a'].credential}\r\n".encode()
        head = b"PUT /v1/attachments/none HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth
        too_big = head + b"Content-Length: 54525952\r\n\r\n"
        assert b" 413 " in _status_line(nginx, too_big)
        answer = requests.put(
            nginx.https_url + "/v1/attachments/none",
            data=b"\0" * (5 * 1024 * 1024),
            headers={"Authorization": f"Bearer {clients['a'].credential}"},
            verify=str(nginx.cert),
            timeout=60,
        )
        assert answer.json()["error"]["code"] == "attachment_event_not_found"
