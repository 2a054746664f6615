"""Replacing a broken PC whose disk survived, with `emr-admin`, against the real server.

The disk of an enrolled PC, with changes never synced, goes into a new PC: a new, empty
keyring. The key comes back with the recovery key, the PC is enrolled again as the same
device (`enroll --replace`), and the next sync pushes what was waiting; its record numbers
go on from the same block, and the old PC's credential is refused.
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from tests.sync.conftest import (  # noqa: F401 - fixtures
    FACILITY_CODE,
    LiveServer,
    live_server,
    sync_app,
    sync_db_url,
    sync_settings,
)

from emr_desktop.cli.main import EXIT_ERROR, main
from emr_desktop.store.store import Store
from emr_desktop.syncclient.credentials import load_credential
from emr_sync.db import device, enroll_code, op_log

ADMIN_PASSWORD = "admin-password-1"
#: The password `SyncHarness.add_user` gives.
REGISTRAR_PASSWORD = "password-123"


def _run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    status = main(["--data-dir", str(data_dir), *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _json(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> dict[str, object]:
    status, out, err = _run(capsys, data_dir, *args, "--json")
    assert status == 0, err
    answer: dict[str, object] = json.loads(out)
    return answer


def _register(capsys: pytest.CaptureFixture[str], data_dir: Path, name: str) -> dict[str, object]:
    return _json(
        capsys, data_dir, "patient", "add", "--full-name", name, "--sex", "female",
        "--user", "tn.hoa",
    )  # fmt: skip


def _new_keyring(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Another PC: the file keyring the tests use lives under XDG_DATA_HOME."""
    path.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(path))


def _server_ops_of(live: LiveServer, device_id: str) -> set[str]:
    with live.harness.engine.connect() as conn:
        rows = conn.execute(sa.select(op_log.c.record_id).where(op_log.c.device_id == device_id))
        return {str(r) for r in rows.scalars()}


def test_a_broken_pcs_disk_in_a_new_pc_syncs_what_was_waiting(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    _new_keyring(monkeypatch, tmp_path / "old-pc-keyring")
    old_dir = tmp_path / "old-pc" / "emr"
    monkeypatch.setenv("EMR_PASSWORD", ADMIN_PASSWORD)
    init = _json(
        capsys, old_dir, "init", "--facility", FACILITY_CODE, "--facility-name", "TTYT",
        "--admin", "qt.may01",
    )  # fmt: skip
    recovery_key = str(init["recovery_key"])
    live_server.harness.add_user("tn.hoa", "registrar")
    server = live_server.base_url
    _json(capsys, old_dir, "enroll", "--server", server, "--code", live_server.enroll_code(),
          "--device-name", "Tiếp đón 1", "--user", "qt.may01")  # fmt: skip
    _json(capsys, old_dir, "sync", "--once")  # the registrar comes down from the server

    monkeypatch.setenv("EMR_PASSWORD", REGISTRAR_PASSWORD)
    synced = _register(capsys, old_dir, "Nguyễn Thị Bảy")
    _json(capsys, old_dir, "sync", "--once")
    # The link is down from here on: these wait in the outbox when the PC breaks.
    waiting = [_register(capsys, old_dir, name) for name in ("Trần Thị Tám", "Lê Thị Chín")]
    with Store.open(old_dir) as store:
        device_id = store.device_id
        old_credential = load_credential(store)
    assert _server_ops_of(live_server, device_id).isdisjoint({str(p["id"]) for p in waiting})

    # The disk goes into a new PC: the same files, a keyring that has never seen them.
    new_dir = tmp_path / "new-pc" / "emr"
    new_dir.parent.mkdir()
    shutil.move(old_dir, new_dir)
    _new_keyring(monkeypatch, tmp_path / "new-pc-keyring")
    status, _, err = _run(capsys, new_dir, "sync", "--once")
    assert status == EXIT_ERROR
    assert "emr-admin recover" in err

    _json(capsys, new_dir, "recover", "--recovery-key", recovery_key)
    status, _, err = _run(capsys, new_dir, "sync", "--once")
    assert status == EXIT_ERROR
    assert "máy số 1" in err
    assert "enroll --replace" in err  # the key is back, the device credential is not

    monkeypatch.setenv("EMR_PASSWORD", ADMIN_PASSWORD)
    code = live_server.enroll_code()
    enroll = ["enroll", "--server", server, "--code", code, "--user", "qt.may01"]
    status, _, err = _run(capsys, new_dir, *enroll)
    assert status == EXIT_ERROR
    assert "--replace" in err
    assert "máy số 1" in err
    answer = _json(capsys, new_dir, *enroll, "--replace")  # the same code: it was not used
    assert (answer["device_id"], answer["device_number"], answer["replaced"]) == (
        device_id,
        1,
        True,
    )
    # Given no name, the device is listed under the computer's name.
    assert answer["device_name"] == socket.gethostname()

    report = _json(capsys, new_dir, "sync", "--once")
    assert report["pushed"] == len(waiting)
    on_server = _server_ops_of(live_server, device_id)
    assert {str(synced["id"]), *(str(p["id"]) for p in waiting)} <= on_server
    with live_server.harness.engine.connect() as conn:
        used_by = conn.execute(
            sa.select(enroll_code.c.used_by).where(enroll_code.c.used_at.is_not(None))
        ).scalars()
        assert list(used_by) == [device_id, device_id]  # the refused try used no code
        row = conn.execute(sa.select(device).where(device.c.id == device_id)).one()
        count = conn.execute(sa.select(sa.func.count()).select_from(device)).scalar_one()
    assert (row.device_number, row.revoked_at, count) == (1, None, 1)

    # The old PC's credential is dead; the new one works.
    stale = requests.get(
        f"{server}/v1/pull", headers={"Authorization": f"Bearer {old_credential}"}, timeout=10
    )
    assert stale.status_code == 401
    # Record numbers go on from the same block: none is issued twice.
    monkeypatch.setenv("EMR_PASSWORD", REGISTRAR_PASSWORD)
    mrns = [str(p["mrn"]) for p in (synced, *waiting)]
    after = _register(capsys, new_dir, "Phạm Thị Mười")
    assert mrns == ["0001000000", "0001000001", "0001000002"]
    assert after["mrn"] == "0001000003"
    assert _json(capsys, new_dir, "sync", "--once")["pushed"] == 1
