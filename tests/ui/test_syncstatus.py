"""The sync status bar against a real server: changes go out, others' changes come in and
the screens are told; the server stopped shows "offline" and a retry catches up."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
import tests.sync.conftest as sync_conftest
from pytestqt.qtbot import QtBot
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    SyncHarness,
    live_server,
    serve,
    sync_app,
    sync_db_url,
    sync_settings,
)
from tests.syncclient.support import make_pc
from tests.ui.conftest import logged_in, settle

from emr_desktop.services import patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.credentials import SERVER_URL_KEY, load_credential
from emr_desktop.syncclient.engine import enroll, pending_op_count, sync_once
from emr_desktop.ui.context import PATIENTS, SYNC, AppContext
from emr_desktop.ui.syncstatus import SyncStatusBar

BarMaker = Callable[[], SyncStatusBar]


@pytest.fixture
def make_bar(qtbot: QtBot, ctx: AppContext) -> Iterator[BarMaker]:
    bars: list[SyncStatusBar] = []

    def make() -> SyncStatusBar:
        # An hour between automatic syncs: every sync in these tests is one the test asks for.
        bar = SyncStatusBar(ctx, interval=3600, poll_ms=100, duplicates_ms=50)
        qtbot.addWidget(bar)
        bar.show()
        bars.append(bar)
        return bar

    yield make
    for bar in bars:
        bar.stop()


def _enroll(store: Store, url: str, code: str) -> SyncClient:
    client = SyncClient(url, session=requests.Session(), timeout=10)
    enroll(store, url, code, "PC", client=client)
    client.credential = load_credential(store)
    return client


def _wait_synced(qtbot: QtBot, bar: SyncStatusBar, store: Store) -> None:
    qtbot.waitUntil(
        lambda: (
            bar.status is not None
            and bar.status.online
            and bar.status.pending_ops == 0
            and not bar.syncing
        ),
        timeout=20_000,
    )
    assert pending_op_count(store) == 0


def test_a_standalone_pc_says_so_and_counts_duplicates(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session, make_bar: BarMaker
) -> None:
    bar = make_bar()
    assert bar.mode == "starting"
    logged_in(ctx, registrar)
    settle(qtbot, ctx)
    assert bar.mode == "standalone"
    assert "Độc lập" in bar.state.text()
    assert bar.sync_now.isHidden() and bar.pending.isHidden()
    assert bar.duplicates.text() == "0 hồ sơ nghi trùng"

    for name in ("Bùi Thị Mận", "BUI THI MAN"):
        patient = patients.register_patient(
            store, registrar, full_name=name, sex="female", date_of_birth="1948"
        )
        ctx.data_changed.emit(PATIENTS, patient.id)
    qtbot.waitUntil(lambda: bar.duplicates.text() == "1 hồ sơ nghi trùng", timeout=5000)


def test_an_administrator_sees_no_duplicate_count(
    qtbot: QtBot, ctx: AppContext, admin: Session, make_bar: BarMaker
) -> None:
    logged_in(ctx, admin)
    bar = make_bar()
    settle(qtbot, ctx)
    assert bar.duplicates.isHidden()


def test_an_enrolled_pc_sends_its_changes_and_shows_what_others_sent(
    qtbot: QtBot,
    tmp_path: Path,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    make_bar: BarMaker,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    _enroll(store, live_server.base_url, live_server.enroll_code())
    patients.register_patient(store, doctor, full_name="Vi Văn Mười", sex="male")
    assert pending_op_count(store) > 0
    logged_in(ctx, doctor)
    bar = make_bar()
    _wait_synced(qtbot, bar, store)
    assert bar.mode == "enrolled"
    assert "Trực tuyến" in bar.state.text()
    assert bar.pending.text() == "0 thay đổi chờ gửi"
    assert bar.last_sync.text().startswith("Đồng bộ lần cuối: ")
    assert bar.conflicts.text() == "0 xung đột"

    other = make_pc(tmp_path, "b", device_number=2)
    other_client = _enroll(other.store, live_server.base_url, live_server.enroll_code())
    patients.register_patient(other.store, other.doctor, full_name="Trịnh Văn Tám", sex="male")
    sync_once(other.store, other_client)
    with qtbot.waitSignal(
        ctx.data_changed, timeout=20_000, check_params_cb=lambda kind, _pid: kind == SYNC
    ):
        bar.sync_now.click()
    assert [p.full_name for p in patients.find_patients(store, doctor, "Trịnh Văn Tám")] == [
        "Trịnh Văn Tám"
    ]
    _wait_synced(qtbot, bar, store)


def test_the_server_gone_shows_offline_and_a_retry_catches_up(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    make_bar: BarMaker,
    sync_app: SyncHarness,  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The server comes back where it was: the same port.
    port = sync_conftest._free_port()
    monkeypatch.setattr(sync_conftest, "_free_port", lambda: port)
    logged_in(ctx, doctor)
    with serve(sync_app.app) as url:
        _enroll(store, url, sync_app.enroll_code())
        bar = make_bar()
        _wait_synced(qtbot, bar, store)

    patients.register_patient(store, doctor, full_name="Lục Văn Chín", sex="male")
    waiting = pending_op_count(store)
    bar.sync_now.click()
    qtbot.waitUntil(
        lambda: bar.status is not None and not bar.status.online and not bar.syncing,
        timeout=20_000,
    )
    assert "Ngoại tuyến" in bar.state.text()
    assert bar.pending.text() == f"{waiting} thay đổi chờ gửi"
    assert "Không kết nối được máy chủ" in bar.state.toolTip()

    with serve(sync_app.app):
        bar.sync_now.click()
        _wait_synced(qtbot, bar, store)
    assert "Trực tuyến" in bar.state.text()


def test_an_enrolled_pc_without_its_credential_says_sync_is_unavailable(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, make_bar: BarMaker
) -> None:
    store.write_meta(SERVER_URL_KEY, "http://127.0.0.1:9")
    logged_in(ctx, doctor)
    bar = make_bar()
    settle(qtbot, ctx)
    assert bar.mode == "unavailable"
    assert "Không đồng bộ được" in bar.state.text()
    assert "chưa được đăng ký" in bar.state.toolTip()


def test_a_pc_older_than_the_servers_minimum_says_it_needs_an_update(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    make_bar: BarMaker,
    sync_app: SyncHarness,  # noqa: F811 - the fixture imported above
) -> None:
    from dataclasses import replace

    from emr_desktop import __version__
    from emr_sync.app import create_app

    minimum = "99.0"  # above the installed version, which the bar's client reports
    settings = replace(sync_app.settings, min_client_version=minimum)
    with serve(create_app(settings, sync_app.engine)) as url:
        client = SyncClient(url, session=requests.Session(), timeout=10, client_version=minimum)
        enroll(store, url, sync_app.enroll_code(), "PC", client=client)
        patients.register_patient(store, doctor, full_name="Hà Văn Mười", sex="male")
        waiting = pending_op_count(store)
        logged_in(ctx, doctor)
        bar = make_bar()
        qtbot.waitUntil(
            lambda: bar.status is not None and bar.status.update_required, timeout=20_000
        )
        settle(qtbot, ctx)
    assert bar.state.text() == (
        f"● Phiên bản {__version__} cũ hơn phiên bản tối thiểu 99.0 của máy chủ: cần cập nhật; "
        "vẫn làm việc ngoại tuyến được"
    )
    assert bar.pending.text() == f"{waiting} thay đổi chờ gửi"
    assert pending_op_count(store) == waiting
