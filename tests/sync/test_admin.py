"""Usernames in a facility: `admin.add_user` refuses one already used (whatever its case),
and names two PCs gave their administrators offline are listed and renamed, the rename
reaching the PCs as an ordinary pulled edit (live server, real PC stores)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.sync.conftest import FACILITY_CODE, LiveServer, SyncHarness

from emr_desktop.core.errors import AuthenticationError
from emr_desktop.services import auth
from emr_desktop.services.setup import initialize
from emr_desktop.store.store import Store
from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.credentials import load_credential
from emr_desktop.syncclient.engine import enroll, sync_once
from emr_sync import admin, cli
from emr_sync.errors import ApiError


def test_a_username_is_refused_when_the_facility_has_it_in_any_case(
    sync_app: SyncHarness,
) -> None:
    sync_app.add_user("it.nam", "admin")
    with pytest.raises(ApiError) as info:
        sync_app.add_user("IT.Nam", "doctor")
    assert (info.value.status, info.value.code, info.value.field) == (
        409,
        "user_exists",
        "username",
    )
    # Another facility may have its own it.nam.
    sync_app.add_facility("70002")
    assert sync_app.add_user("IT.Nam", "admin", facility_code="70002")["facility"] == "70002"


def _pc(server: LiveServer, data_dir: Path, password: str) -> Store:
    """A PC set up offline with "quantri" as its first administrator, then enrolled."""
    store, _key = initialize(
        data_dir,
        facility_code=FACILITY_CODE,
        facility_name="Trung tâm Y tế huyện Thử",
        admin_username="quantri",
        admin_full_name="Quản Trị Viên",
        admin_password=password,
    )
    enroll(store, server.base_url, server.enroll_code(), data_dir.name)
    return store


def _sync(server: LiveServer, store: Store) -> None:
    sync_once(store, SyncClient(server.base_url, credential=load_credential(store)))


def test_names_shared_by_two_pcs_are_listed_and_one_is_renamed_everywhere(
    tmp_path: Path,
    live_server: LiveServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pc1 = _pc(live_server, tmp_path / "pc1", "mat-khau-may-1")
    pc2 = _pc(live_server, tmp_path / "pc2", "mat-khau-may-2")
    for store in (pc1, pc2, pc1):
        _sync(live_server, store)
    pc2_admin = auth.login(pc2, "quantri", "mat-khau-may-2").user_id
    url = live_server.harness.settings.database_url

    assert cli.main(["status", "--database-url", url, "--json"]) == 0
    [facility] = json.loads(capsys.readouterr().out)["facilities"]
    assert facility["duplicate_usernames"] == 1
    assert cli.main(["user", "duplicates", "--database-url", url, "--json"]) == 0
    [shared] = json.loads(capsys.readouterr().out)
    assert (shared["facility"], shared["username"]) == (FACILITY_CODE, "quantri")
    assert pc2_admin in {a["id"] for a in shared["accounts"]} and len(shared["accounts"]) == 2

    assert cli.main(["user", "rename", pc2_admin, "QuanTri", "--database-url", url]) == 1
    assert "đã có" in capsys.readouterr().err
    assert cli.main(["user", "rename", pc2_admin, "qt.may02", "--database-url", url]) == 0
    assert "username=qt.may02" in capsys.readouterr().out
    assert admin.duplicate_usernames(live_server.harness.engine) == []

    for store in (pc1, pc2):
        _sync(live_server, store)
        assert auth.login(store, "qt.may02", "mat-khau-may-2").user_id == pc2_admin
        assert auth.login(store, "quantri", "mat-khau-may-1").user_id != pc2_admin
        with pytest.raises(AuthenticationError):
            auth.login(store, "quantri", "mat-khau-may-2")
        store.close()
