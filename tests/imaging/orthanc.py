"""A real PACS for the tests: Orthanc with its DICOMweb plugin, started on loopback.

`running_orthanc(workdir)` writes a configuration into `workdir` (storage and index there,
HTTP on a free loopback port, the DICOM port disabled, no remote access, HTTP basic
authentication with a random password, the DICOMweb plugin at `/dicom-web/`), starts
`/usr/sbin/Orthanc`, waits until `/system` answers and yields an `Orthanc` (url, user,
password). It is stopped when the block ends. `dev.py` installs the Debian packages
`orthanc` and `orthanc-dicomweb`; without them `orthanc_missing()` says why the tests skip.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import requests

ORTHANC = Path("/usr/sbin/Orthanc")
DICOMWEB_PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")
USER = "pacs"
#: Orthanc opens its index and loads the plugin in about a second; be generous on a busy CI.
START_TIMEOUT = 30.0


class Orthanc(NamedTuple):
    """A running Orthanc: the base URL of its REST API (DICOMweb is under `dicom_web`)."""

    url: str
    user: str
    password: str

    @property
    def dicom_web(self) -> str:
        return f"{self.url}/dicom-web"

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)


def orthanc_missing() -> str | None:
    """Why Orthanc cannot run here, or None when it can."""
    if not ORTHANC.exists():
        return f"{ORTHANC} is not installed (Debian package 'orthanc'; `python dev.py` installs it)"
    if not DICOMWEB_PLUGIN.exists():
        return (
            f"{DICOMWEB_PLUGIN} is not installed (Debian package 'orthanc-dicomweb'; "
            "`python dev.py` installs it)"
        )
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _config(workdir: Path, http_port: int, password: str) -> dict[str, Any]:
    return {
        "Name": "EMR test PACS",
        "StorageDirectory": str(workdir / "storage"),
        "IndexDirectory": str(workdir / "index"),
        "HttpPort": http_port,
        "DicomServerEnabled": False,
        "DicomPort": free_port(),
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": True,
        "RegisteredUsers": {USER: password},
        "HttpsVerifyPeers": False,
        "Plugins": [str(DICOMWEB_PLUGIN)],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
        # Vietnamese names need UTF-8 (the default, Latin-1, drops "Ễ" and "Ă" from answers).
        "DefaultEncoding": "Utf8",
        # Keep what was uploaded exactly as it was sent: the tests compare bytes.
        "StorageCompression": False,
        "OverwriteInstances": False,
    }


def _wait_until_up(proc: subprocess.Popen[bytes], server: Orthanc, log_file: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"Orthanc exited with status {proc.returncode} while starting:\n"
                + log_file.read_text("utf-8", errors="replace")[-4000:]
            )
        try:
            answer = requests.get(f"{server.url}/system", auth=server.auth, timeout=1.0)
        except requests.RequestException:
            time.sleep(0.1)
            continue
        if answer.status_code == 200:
            return
        time.sleep(0.1)
    raise RuntimeError(
        f"Orthanc did not answer /system within {START_TIMEOUT:g} s:\n"
        + log_file.read_text("utf-8", errors="replace")[-4000:]
    )


@contextmanager
def running_orthanc(workdir: Path) -> Iterator[Orthanc]:
    """Start Orthanc with its DICOMweb plugin on loopback; stop it when the block ends."""
    workdir.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(16)
    http_port = free_port()
    config_file = workdir / "orthanc.json"
    config_file.write_text(json.dumps(_config(workdir, http_port, password), indent=2), "utf-8")
    server = Orthanc(f"http://127.0.0.1:{http_port}", USER, password)
    log_file = workdir / "orthanc.log"
    with open(log_file, "wb") as log:
        proc = subprocess.Popen(
            [str(ORTHANC), str(config_file)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    try:
        _wait_until_up(proc, server, log_file)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def upload(server: Orthanc, data: bytes) -> str:
    """Store one DICOM file through Orthanc's REST API (`POST /instances`); its Orthanc id."""
    answer = requests.post(
        f"{server.url}/instances",
        data=data,
        auth=server.auth,
        headers={"Content-Type": "application/dicom"},
        timeout=30,
    )
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    if result.get("Status") not in ("Success", "AlreadyStored"):
        raise RuntimeError(f"Orthanc refused the upload: {result}")
    return str(result["ID"])
