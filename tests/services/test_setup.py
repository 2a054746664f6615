"""Setting up a PC that joins its facility on the server: the first administrator's
username is checked against the facility's accounts pulled during the setup, or left out
when the facility has an administrator (against a live server on 127.0.0.1)."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    live_server,
    sync_app,
    sync_db_url,
    sync_settings,
)

from emr_desktop.core.errors import AuthenticationError, ValidationError
from emr_desktop.core.records import User
from emr_desktop.services import auth
from emr_desktop.services.setup import EnrolledFacility, EnrolledSetup, initialize_enrolled
from emr_desktop.store.keys import RECOVERY_FILE
from emr_desktop.store.store import DB_FILE, STORE_FILE, Store
from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.credentials import load_credential, server_url
from emr_desktop.syncclient.engine import enroll, pull_changes, sync_once

PASSWORD = "mat-khau-quan-tri-1"


def _enroller(server: LiveServer) -> Callable[[Store], EnrolledFacility]:
    code = server.enroll_code()

    def enroll_store(store: Store) -> EnrolledFacility:
        r = enroll(store, server.base_url, code, "PC", client=SyncClient(server.base_url))
        return EnrolledFacility(r.facility_id, r.facility_code, r.facility_name, r.device_number)

    return enroll_store


def _pull(store: Store) -> None:
    pull_changes(store, SyncClient(server_url(store), credential=load_credential(store)))


def _join(server: LiveServer, data_dir: Path, admin: str = "", **kw: object) -> EnrolledSetup:
    return initialize_enrolled(
        data_dir,
        enroll=_enroller(server),
        admin_username=admin,
        admin_full_name="Quản Trị Viên",
        admin_password=PASSWORD,
        pull_accounts=kw.get("pull", _pull),  # type: ignore[arg-type]
    )


def _sync(store: Store) -> None:
    sync_once(store, SyncClient(server_url(store), credential=load_credential(store)))


def test_a_pc_cannot_take_a_username_another_pc_gave_its_administrator(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    first = _join(live_server, tmp_path / "pc1", "quantri")
    assert first.accounts_checked and first.admin_username == "quantri"
    _sync(first.store)

    with pytest.raises(ValidationError) as info:
        _join(live_server, tmp_path / "pc2", "QuanTri")
    assert (info.value.field, info.value.rule) == ("username", "unique")
    assert "mã mới" in info.value.message_vi and "new one" in info.value.message_en
    assert not (tmp_path / "pc2" / STORE_FILE).exists()

    other = _join(live_server, tmp_path / "pc3", "qt.may03")
    assert other.accounts_checked
    assert auth.login(other.store, "qt.may03", PASSWORD).role == "admin"
    first.store.close()
    other.store.close()


def test_a_pc_goes_without_a_local_administrator_when_the_facility_has_one(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    live_server.harness.add_user("it.nam", "admin")
    setup = _join(live_server, tmp_path / "pc")
    assert (setup.admin_username, setup.accounts_checked) == (None, True)
    store = setup.store
    # Offline from now on: the account pulled during the setup logs in.
    session = auth.login(store, "IT.Nam", "password-123")
    assert session.role == "admin"
    with store.unit_of_work(user_id=None) as uow:
        assert [u.username for u in uow.find(User)] == ["it.nam"]
    store.close()


def test_no_local_administrator_needs_one_on_the_server(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    live_server.harness.add_user("bs.an", "doctor")
    with pytest.raises(ValidationError) as info:
        _join(live_server, tmp_path / "pc")
    assert (info.value.field, info.value.rule) == ("username", "required")
    assert not (tmp_path / "pc" / STORE_FILE).exists()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_when_the_pull_fails_the_setup_completes_and_says_the_name_is_unchecked(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    live_server.harness.add_user("quantri", "admin")
    dead = f"http://127.0.0.1:{_closed_port()}"

    def pull_over_a_dropped_link(store: Store) -> None:
        pull_changes(store, SyncClient(dead, credential=load_credential(store), timeout=2))

    setup = _join(live_server, tmp_path / "pc", "quantri", pull=pull_over_a_dropped_link)
    assert (setup.admin_username, setup.accounts_checked) == ("quantri", False)
    store = setup.store
    local = auth.login(store, "quantri", PASSWORD).user_id
    # The next sync brings the server's account of the same name: each password opens
    # its own account, so no one is locked out.
    _sync(store)
    from_server = auth.login(store, "quantri", "password-123")
    assert from_server.user_id != local and from_server.full_name == "Nguyễn Văn An"
    assert auth.login(store, "quantri", PASSWORD).user_id == local
    with pytest.raises(AuthenticationError):
        auth.login(store, "quantri", "not-either-one")
    store.close()

    with pytest.raises(ValidationError) as info:
        _join(live_server, tmp_path / "pc2", pull=pull_over_a_dropped_link)
    assert info.value.rule == "required"


#: A setup in another process, cut short like a power cut (no clean-up runs) at `where`:
#: during the first pull, or between moving the database and the manifest into place.
_CUT_SETUP = """
import os, sys
from pathlib import Path
from emr_desktop.services import setup
from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.engine import enroll

data_dir, url, code, where, password = sys.argv[1:6]

def enroll_store(store):
    r = enroll(store, url, code, "PC", client=SyncClient(url))
    return setup.EnrolledFacility(r.facility_id, r.facility_code, r.facility_name, r.device_number)

def power_cut_in_pull(store):
    os._exit(9)

replace = os.replace

def power_cut_before_the_manifest(src, dst):
    if Path(dst) == Path(data_dir) / setup.STORE_FILE:
        os._exit(9)
    replace(src, dst)

if where == "moves":
    os.replace = power_cut_before_the_manifest
setup.initialize_enrolled(
    Path(data_dir),
    enroll=enroll_store,
    admin_username="quantri",
    admin_full_name="Quản Trị Viên",
    admin_password=password,
    pull_accounts=power_cut_in_pull if where == "pull" else None,
)
"""


@pytest.mark.parametrize("where", ["pull", "moves"])
def test_a_setup_cut_short_leaves_no_store_and_the_next_setup_completes(
    tmp_path: Path,
    where: str,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    data_dir = tmp_path / "pc"
    args = [str(data_dir), live_server.base_url, live_server.enroll_code(), where, PASSWORD]
    cut = subprocess.run(
        [sys.executable, "-c", _CUT_SETUP, *args], capture_output=True, text=True, timeout=120
    )
    assert cut.returncode == 9, cut.stderr
    # Enrolled on the server, but no store here: the program offers the setup again.
    assert not (data_dir / STORE_FILE).exists()
    assert list(data_dir.glob(".setup-*"))
    assert (data_dir / DB_FILE).exists() == (where == "moves")

    setup = _join(live_server, data_dir, "quantri")
    assert auth.login(setup.store, "quantri", PASSWORD).role == "admin"
    setup.store.close()
    assert sorted(p.name for p in data_dir.iterdir()) == sorted(
        [DB_FILE, RECOVERY_FILE, STORE_FILE]
    )
    with Store.open(data_dir) as store:
        assert auth.login(store, "quantri", PASSWORD).role == "admin"
