"""Wrong PC clocks (DESIGN §4 "Clocks"): order by causality, skew reported, future clamped.

PC A's clock is 3 days behind, PC B's a year ahead, from the moment each is set up (the
store's hybrid logical clock reads a skewed wall). Both edit the same field of one patient
in sequence, each after syncing the other's edit: every replica must end with the later
edit by causality, whatever the wall clocks say, and the server must report each PC's skew
and clamp the stamps from the future.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    live_server,
    sync_app,
    sync_settings,
)
from tests.syncclient.support import Pc, make_pc
from tests.syncclient.test_faults_proxy import enrolled

from emr_desktop.core.hlc import Hlc, HybridLogicalClock
from emr_desktop.core.records import Patient
from emr_desktop.services import patients as patient_service
from emr_desktop.store import store as store_module
from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.engine import SKEW_KEY, SyncReport, sync_once

DAY_MS = 24 * 3600 * 1000
BEHIND_MS = -3 * DAY_MS
AHEAD_MS = 365 * DAY_MS
#: How far a measured skew may stray from the one set (test run time, server tolerance).
SLACK_MS = 120_000


@pytest.fixture
def sync_db_url(tmp_path: Path) -> str:
    """The server on SQLite only (overrides the shared fixture's two databases)."""
    return f"sqlite:///{(tmp_path / 'emr-sync.db').as_posix()}"


def real_ms() -> int:
    return time.time_ns() // 1_000_000


def skewed_pc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, number: int, skew_ms: int
) -> Pc:
    """A PC whose every stamp, from set-up on, comes from a wall clock off by `skew_ms`."""

    def clock(node: str, wall_ms: Callable[[], int] | None = None) -> HybridLogicalClock:
        return HybridLogicalClock(node, wall_ms=lambda: real_ms() + skew_ms)

    with monkeypatch.context() as patch:
        patch.setattr(store_module, "HybridLogicalClock", clock)
        pc = make_pc(tmp_path, name, number)
    assert abs(pc.store.clock.now().wall_ms - real_ms() - skew_ms) < SLACK_MS
    return pc


def address(pc: Pc, patient_id: str) -> Any:
    with pc.store.unit_of_work(user_id=None) as uow:
        return uow.get(Patient, patient_id).address


def server_address(server: LiveServer, patient_id: str) -> Any:
    with server.harness.engine.connect() as conn:
        values = conn.execute(
            sa.text(
                "SELECT \"values\" FROM record_state WHERE kind = 'patient' AND record_id = :i"
            ),
            {"i": patient_id},
        ).scalar_one()
    import json

    return json.loads(values)["address"]


def edit(pc: Pc, patient_id: str, value: str) -> None:
    patient_service.update_patient(pc.store, pc.doctor, patient_id, address=value)


@pytest.fixture
def pcs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> tuple[Pc, SyncClient, Pc, SyncClient, SyncReport, SyncReport]:
    """A (3 days behind) and B (a year ahead), enrolled, each having pushed once."""
    a = skewed_pc(tmp_path, monkeypatch, "a", 1, BEHIND_MS)
    b = skewed_pc(tmp_path, monkeypatch, "b", 2, AHEAD_MS)
    ca = enrolled(a, live_server, live_server.base_url)
    cb = enrolled(b, live_server, live_server.base_url)
    return a, ca, b, cb, sync_once(a.store, ca), sync_once(b.store, cb)


def test_skew_is_reported_and_the_future_clamped(
    pcs: tuple[Pc, SyncClient, Pc, SyncClient, SyncReport, SyncReport],
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    a, _, b, _, report_a, report_b = pcs
    assert report_a.pushed > 0 and report_b.pushed > 0
    assert abs(report_a.skew_ms - BEHIND_MS) < SLACK_MS
    assert abs(report_b.skew_ms - AHEAD_MS) < SLACK_MS
    assert int(a.store.read_meta()[SKEW_KEY]) == report_a.skew_ms
    assert int(b.store.read_meta()[SKEW_KEY]) == report_b.skew_ms
    with live_server.harness.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT device_id, hlc, client_hlc FROM op_log")).all()
    now = real_ms()
    for device_id, hlc, client_hlc in rows:
        wall = Hlc.decode(hlc).wall_ms
        if device_id == b.store.device_id:
            # A year ahead: kept at the server's time, the device's own stamp kept aside.
            assert client_hlc is not None
            assert Hlc.decode(client_hlc).wall_ms - now > AHEAD_MS - SLACK_MS
            assert abs(wall - now) < SLACK_MS
        else:
            # Behind is harmless: never clamped.
            assert client_hlc is None
            assert wall < now


def _register(pc: Pc, client: SyncClient) -> str:
    patient = patient_service.register_patient(
        pc.store, pc.doctor, full_name="Phạm Thị Hoa", sex="female", date_of_birth="1985"
    )
    sync_once(pc.store, client)
    return patient.id


def _assert_everywhere(
    server: LiveServer, patient_id: str, expected: str, *pcs_and_clients: Any
) -> None:
    for pc, client in pcs_and_clients:
        sync_once(pc.store, client)
    for pc, _ in pcs_and_clients:
        assert address(pc, patient_id) == expected, pc.admin.username
    assert server_address(server, patient_id) == expected


def test_behind_then_ahead_the_later_edit_wins(
    pcs: tuple[Pc, SyncClient, Pc, SyncClient, SyncReport, SyncReport],
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    a, ca, b, cb, _, _ = pcs
    patient_id = _register(a, ca)
    sync_once(b.store, cb)
    edit(a, patient_id, "Sửa trước, ở máy A")
    sync_once(a.store, ca)
    sync_once(b.store, cb)
    edit(b, patient_id, "Sửa sau, ở máy B")
    sync_once(b.store, cb)
    _assert_everywhere(live_server, patient_id, "Sửa sau, ở máy B", (a, ca), (b, cb))


def test_ahead_then_behind_the_later_edit_wins(
    pcs: tuple[Pc, SyncClient, Pc, SyncClient, SyncReport, SyncReport],
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    a, ca, b, cb, _, _ = pcs
    patient_id = _register(b, cb)
    sync_once(a.store, ca)
    edit(b, patient_id, "Sửa trước, ở máy B")
    sync_once(b.store, cb)
    sync_once(a.store, ca)
    edit(a, patient_id, "Sửa sau, ở máy A")
    sync_once(a.store, ca)
    _assert_everywhere(live_server, patient_id, "Sửa sau, ở máy A", (b, cb), (a, ca))
