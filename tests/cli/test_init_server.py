"""`emr-admin init --server … --code …`: a PC joins its facility in one step, fetches the
facility's accounts, and needs no administrator of its own (against the real server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    live_server,
    sync_app,
    sync_db_url,
    sync_settings,
)

from emr_desktop.cli.main import main
from emr_desktop.store.store import STORE_FILE


def _init(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    status = main(["--data-dir", str(data_dir), "init", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_pc_joins_with_the_facilitys_accounts_and_refuses_a_taken_name(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    live_server.harness.add_user("it.nam", "admin")
    server = live_server.base_url
    status, out, err = _init(
        capsys, tmp_path / "pc1", "--server", server, "--code", live_server.enroll_code(), "--json"
    )
    assert status == 0, err
    joined = json.loads(out)
    assert (joined["admin"], joined["accounts_checked"], joined["device_number"]) == (
        None,
        True,
        1,
    )
    monkeypatch.setenv("EMR_PASSWORD", "password-123")
    status, _out, err = _init(capsys, tmp_path / "pc1", "--facility", "70001")
    assert status != 0  # a store is there already
    assert main(["--data-dir", str(tmp_path / "pc1"), "facility", "show", "--user", "it.nam"]) == 0
    capsys.readouterr()

    monkeypatch.setenv("EMR_PASSWORD", "mat-khau-may-2")
    code = live_server.enroll_code()
    status, _out, err = _init(
        capsys, tmp_path / "pc2", "--server", server, "--code", code, "--admin", "IT.NAM"
    )
    assert status != 0 and "đã có trong cơ sở" in err and "taken" in err
    assert not (tmp_path / "pc2" / STORE_FILE).exists()

    status, _out, err = _init(
        capsys, tmp_path / "pc3", "--server", server, "--code", "X", "--facility", "70001"
    )
    assert status != 0 and "--facility" in err
    status, _out, err = _init(capsys, tmp_path / "pc3", "--facility-name", "Trạm")
    assert status != 0 and "--facility" in err
