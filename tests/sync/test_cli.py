"""`emr-sync-server` administration commands (SQLite file and PostgreSQL)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from emr_desktop.core.ids import facility_id_for, new_id
from emr_sync import admin, cli
from emr_sync.db import open_database


def _run(
    capsys: pytest.CaptureFixture[str], url: str, *args: str, as_json: bool = True
) -> tuple[int, Any, str]:
    argv = [*args, "--database-url", url]
    if as_json:
        argv.append("--json")
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, (json.loads(out) if as_json and status == 0 else out), err


def test_facility_user_enroll_code_devices_and_status(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, sync_db_url: str
) -> None:
    status, facility, _ = _run(capsys, sync_db_url, "facility", "add", "70009", "TTYT Thử")
    assert status == 0
    assert facility == {"id": facility_id_for("70009"), "code": "70009", "name": "TTYT Thử"}

    monkeypatch.setenv(cli.PASSWORD_ENV, "mat-khau-123")
    status, user, _ = _run(
        capsys,
        sync_db_url,
        *("user", "add", "bs.an", "--facility", "70009", "--role", "doctor"),
        *("--full-name", "nguyễn văn an"),
    )
    assert status == 0
    assert (user["username"], user["role"], user["facility"]) == ("bs.an", "doctor", "70009")

    status, code, _ = _run(capsys, sync_db_url, "enroll-code", "--facility", "70009")
    assert status == 0
    engine = open_database(sync_db_url)
    try:
        device_id = new_id()
        admin.enroll(engine, code=code["code"], device_id=device_id, device_name="PC 1")
    finally:
        engine.dispose()

    status, devices, _ = _run(capsys, sync_db_url, "devices", "list")
    assert [(d["id"], d["facility"], d["revoked_at"]) for d in devices] == [
        (device_id, "70009", None)
    ]
    status, revoked, _ = _run(capsys, sync_db_url, "devices", "revoke", device_id)
    assert status == 0
    assert revoked["revoked_at"]

    status, summary, _ = _run(capsys, sync_db_url, "status")
    assert summary["facilities"] == [
        {
            "code": "70009",
            "name": "TTYT Thử",
            "id": facility_id_for("70009"),
            "last_seq": 1,
            "ops": 1,
            "devices": 0,
            "revoked_devices": 1,
            "open_conflicts": 0,
            "duplicate_usernames": 0,
        }
    ]
    status, text, _ = _run(capsys, sync_db_url, "status", as_json=False)
    assert "70009" in text


def test_password_is_read_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    monkeypatch.delenv(cli.PASSWORD_ENV, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("tu-stdin-123\n"))
    _run(capsys, url, "facility", "add", "70001", "TTYT")
    status, user, _ = _run(
        capsys, url, "user", "add", "dd.binh", "--facility", "70001", "--role", "nurse",
        "--full-name", "Trần Thị Bình",
    )  # fmt: skip
    assert status == 0
    engine = open_database(url)
    try:
        from emr_sync.db import read_transaction
        from emr_sync.ingest import load_state

        with read_transaction(engine) as conn:
            state = load_state(conn, "user", user["id"])
    finally:
        engine.dispose()
    assert state is not None
    from argon2 import PasswordHasher

    assert PasswordHasher().verify(state.values["password_hash"], "tu-stdin-123")
    assert state.values["full_name"] == "Trần Thị Bình"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("facility", "add", "7", "X"), "validation"),
        (("enroll-code", "--facility", "99999"), "unknown_facility"),
        (("devices", "revoke", "nope"), "unknown_device"),
        (
            ("user", "add", "x", "--facility", "70001", "--role", "chief", "--full-name", "A B"),
            "validation",
        ),
    ],
)
def test_errors_go_to_stderr_in_both_languages(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: tuple[str, ...],
    code: str,
) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    monkeypatch.setenv(cli.PASSWORD_ENV, "mat-khau-123")
    _run(capsys, url, "facility", "add", "70001", "TTYT")
    status, out, err = _run(capsys, url, *args)
    assert status != 0
    assert out == ""
    assert json.loads(err)["error"]["code"] == code
    status, _, err = _run(capsys, url, *args, as_json=False)
    assert status != 0
    assert "Lỗi:" in err
    assert "Error:" in err


def test_duplicate_facility_and_username_are_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    monkeypatch.setenv(cli.PASSWORD_ENV, "mat-khau-123")
    assert _run(capsys, url, "facility", "add", "70001", "TTYT")[0] == 0
    assert _run(capsys, url, "facility", "add", "70001", "TTYT")[0] == 1
    user = ("user", "add", "a.b", "--facility", "70001", "--role", "doctor", "--full-name", "A B")
    assert _run(capsys, url, *user)[0] == 0
    status, _, err = _run(capsys, url, *user)
    assert status == 1
    assert json.loads(err)["error"]["code"] == "user_exists"


def test_data_dir_default_database_is_an_sqlite_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert cli.main(["facility", "add", "70001", "TTYT", "--data-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    assert (tmp_path / "emr-sync.db").is_file()
