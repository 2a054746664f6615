"""The systemd units of `sync/deploy/`: `systemd-analyze verify` accepts them without a
warning, and the service keeps its hardening."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.sync.deploy.conftest import DEPLOY

UNITS = (
    "emr-sync.service",
    "emr-sync@.service",
    "emr-sync-migrate.service",
    "emr-sync-backup.service",
    "emr-sync-backup.timer",
)
INSTALLED_SERVER = "/opt/emr-sync/.venv/bin/emr-sync-server"
INSTALLED_BACKUP = "/opt/emr-sync/sync/deploy/backup.sh"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / name)
    return parser


def test_systemd_analyze_verify_accepts_every_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (no systemd on this box)")
    # verify checks that ExecStart= exists: point it at this checkout's programs.
    server = Path(sys.executable).with_name("emr-sync-server")
    assert server.exists()
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        text = text.replace(INSTALLED_SERVER, str(server))
        text = text.replace(INSTALLED_BACKUP, str(DEPLOY / "backup.sh"))
        assert "/opt/emr-sync/.venv" not in text
        (tmp_path / name).write_text(text)
    units = [str(tmp_path / n) for n in UNITS if n != "emr-sync@.service"]
    units.append(str(tmp_path / "emr-sync@8443.service"))
    (tmp_path / "emr-sync@8443.service").symlink_to(tmp_path / "emr-sync@.service")
    result = subprocess.run(
        [analyze, "verify", "--man=no", *units],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    # verify exits 0 on unknown or misspelt settings, only warning: a warning fails here.
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "")


def test_verify_would_catch_a_bad_setting(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (no systemd on this box)")
    bad = tmp_path / "bad.service"
    bad.write_text("[Service]\nExecStart=/bin/true\nProtectSystem=strictly\n")
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(bad)], capture_output=True, text=True, check=False
    )
    assert "strictly" in result.stderr


@pytest.mark.parametrize("name", ["emr-sync.service", "emr-sync@.service"])
def test_the_server_units_are_hardened_and_listen_on_loopback(name: str) -> None:
    service = _unit(name)["Service"]
    assert service["User"] == "emr-sync"
    assert service["EnvironmentFile"] == "/etc/emr-sync/env"
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"] == "/var/lib/emr-sync"
    assert service["NoNewPrivileges"] == "yes"
    assert service["PrivateTmp"] == "yes"
    assert service["Restart"] == "on-failure"
    assert service["CapabilityBoundingSet"] == ""
    start = service["ExecStart"].split()
    assert start[:2] == [INSTALLED_SERVER, "serve"]
    assert start[start.index("--host") + 1] == "127.0.0.1"


def test_the_instances_wait_for_the_migration() -> None:
    unit = _unit("emr-sync@.service")["Unit"]
    assert "emr-sync-migrate.service" in unit["Requires"]
    assert "emr-sync-migrate.service" in unit["After"]
    migrate = _unit("emr-sync-migrate.service")["Service"]
    assert migrate["ExecStart"].split()[1:] == ["migrate"]
    assert migrate["Type"] == "oneshot"
