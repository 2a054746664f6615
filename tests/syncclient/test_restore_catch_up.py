"""A PC restored from a backup gets back what it synced after the backup, against the real
server (SQLite and PostgreSQL), and never issues a record number twice (`store.restored`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from requests.adapters import HTTPAdapter
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    live_server,
    sync_app,
    sync_db_url,
    sync_settings,
)
from tests.syncclient.support import (
    FAKE_URL,
    FakeServer,
    FaultyAdapter,
    Pc,
    canonical_dump,
    make_pc,
)
from tests.syncclient.test_live_server import _enrolled

from emr_desktop.cli.main import main
from emr_desktop.core.errors import SyncError
from emr_desktop.core.records import ClinicalNote, Patient
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services import auth, clinical, maintenance, patients
from emr_desktop.store import mrn, restored
from emr_desktop.store.replica import open_conflict_count
from emr_desktop.store.schema import clinical_event, patient
from emr_desktop.store.store import Store
from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.credentials import load_credential
from emr_desktop.syncclient.engine import PULL_CURSOR_KEY, enroll, pending_op_count, sync_once
from emr_sync.db import op_log

BLOCK_1 = 1_000_000
SCAN = b"%PDF-1.4 giay chuyen tuyen " + bytes(range(256)) * 8


def _register(pc: Pc, name: str) -> Patient:
    return patients.register_patient(pc.store, pc.doctor, full_name=name, sex="female")


def _rows(store: Store, table: sa.Table, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored rows of `ids`, every column but the local row number."""
    with store.engine.connect() as conn:
        found = conn.execute(sa.select(table).where(table.c.id.in_(ids))).all()
    return {row.id: {k: v for k, v in row._mapping.items() if k != "pk"} for row in found}


def _mrns(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return sorted(conn.execute(sa.select(patient.c.mrn)).scalars())


def _client(server: LiveServer, store: Store, adapter: FaultyAdapter, limit: int) -> SyncClient:
    session = requests.Session()
    session.mount("http://", adapter)
    return SyncClient(
        server.base_url,
        session=session,
        timeout=10,
        credential=load_credential(store),
        pull_limit=limit,
    )


def test_a_restored_pc_gets_back_what_it_synced_after_the_backup(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 1)
    link_a, link_b = _enrolled(a, live_server), _enrolled(b, live_server)
    for name in ("Nguyễn Thị An", "Trần Văn Bình"):
        _register(a, name)
    sync_once(a.store, link_a)
    sync_once(b.store, link_b)
    # In the backup's outbox, pushed after the backup: the restored PC pushes it again.
    waiting = _register(a, "Hoàng Thị Hạnh")
    backup_cursor = int(a.store.read_meta()[PULL_CURSOR_KEY])
    backup = maintenance.backup_store(a.store, a.admin, tmp_path / "may-a.emrbak")

    # After the backup: two patients, a signed note and a scan, synced; then the disk is lost.
    later = [_register(a, name) for name in ("Lê Thị Cúc", "Phạm Văn Dũng")]
    note = clinical.record_event(
        a.store,
        a.doctor,
        patient_id=later[0].id,
        body=ClinicalNote(note_type="progress", text="Sốt 38,5 độ, ho khan"),
        sign_password=STAFF_PASSWORD,
    )
    scan = clinical.attach_document(
        a.store,
        a.doctor,
        patient_id=later[1].id,
        title="Giấy chuyển tuyến",
        media_type="application/pdf",
        data=SCAN,
    )
    sync_once(a.store, link_a)
    assert pending_op_count(a.store) == 0
    later_ids = [p.id for p in later]
    events = [note.id, scan.id]
    before = (_rows(a.store, patient, later_ids), _rows(a.store, clinical_event, events))
    used = _mrns(a.store)
    assert used == [f"{BLOCK_1 + n:010d}" for n in range(5)]
    data_dir, device_id = a.store.data_dir, a.store.device_id
    a.store.close()

    assert main(["--data-dir", str(data_dir), "restore", str(backup), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    # The backup was taken minutes ago: the smallest skip, from where the backup stood.
    skipped_to = BLOCK_1 + 3 + 10_000
    assert (answer["catch_up"], answer["mrn_next"]) == (True, skipped_to)

    store = Store.open(data_dir)
    pc = Pc(
        store,
        auth.login(store, "admin.a", ADMIN_PASSWORD),
        auth.login(store, "bs.a", STAFF_PASSWORD),
    )
    assert _rows(store, patient, later_ids) == {}
    assert pending_op_count(store) == 1
    # Before the catch-up, offline: a number the PC cannot have issued since the backup.
    walk_in = _register(pc, "Võ Thị Én")
    assert walk_in.mrn == f"{skipped_to:010d}"

    # The catch-up pull in pages of two, the link cut at the second page.
    faulty = FaultyAdapter(HTTPAdapter(), [None, None, "drop_before"])
    with pytest.raises(SyncError):
        sync_once(store, _client(live_server, store, faulty, limit=2))
    assert faulty.injected == ["drop_before"]
    halfway = store.read_meta()
    assert restored.pending_catch_up(halfway) is not None
    assert int(halfway[PULL_CURSOR_KEY]) > backup_cursor  # the first page is kept

    report = sync_once(store, _client(live_server, store, FaultyAdapter(HTTPAdapter()), 2))
    assert report.conflicts == 0
    meta = store.read_meta()
    assert restored.CATCH_UP_KEY not in meta
    # Back, as they were stored before the disk was lost.
    assert (_rows(store, patient, later_ids), _rows(store, clinical_event, events)) == before
    assert report.downloaded == 1
    assert clinical.read_attachment(store, pc.doctor, scan.id) == SCAN
    with store.engine.connect() as conn:
        assert open_conflict_count(conn) == 0
        caught_up = conn.exec_driver_sql(
            "SELECT count(*) FROM audit_log WHERE action = 'store.restore_caught_up'"
        ).scalar_one()
    assert caught_up == 1

    # Record numbers: none issued twice, now or later.
    after = _register(pc, "Đặng Văn Phúc")
    assert after.mrn == f"{skipped_to + 1:010d}"
    mrns = _mrns(store)
    assert len(mrns) == len(set(mrns)) == 7
    assert set(used) | {walk_in.mrn, after.mrn} == set(mrns)

    # Every op of this device is on the server once, and its outbox numbers never repeat.
    sync_once(store, SyncClient(live_server.base_url, credential=load_credential(store)))
    sync_once(b.store, link_b)
    assert pending_op_count(store) == 0
    assert canonical_dump(store) == canonical_dump(b.store)
    with live_server.harness.engine.connect() as conn:
        rows = conn.execute(
            sa.select(op_log.c.device_seq, op_log.c.record_id).where(
                op_log.c.device_id == device_id
            )
        ).all()
    numbers = [row.device_seq for row in rows]
    assert len(numbers) == len(set(numbers))
    # Pushed twice (before the loss, and again from the restored outbox), logged once.
    assert [row.record_id for row in rows].count(waiting.id) == 1
    store.close()


def test_a_server_without_own_leaves_the_catch_up_waiting(tmp_path: Path) -> None:
    """A server from before `own` ignores it: nothing is applied, the mark stays, and the
    message says the server must be updated."""
    fake = FakeServer()
    pc = make_pc(tmp_path, "a", 1)
    client = SyncClient(FAKE_URL, session=fake.session())
    enroll(pc.store, FAKE_URL, fake.new_code(), "PC", client=client)
    client.credential = load_credential(pc.store)
    sync_once(pc.store, client)
    other = make_pc(tmp_path, "b", 2)
    other_client = SyncClient(FAKE_URL, session=fake.session())
    enroll(other.store, FAKE_URL, fake.new_code(), "PC", client=other_client)
    other_client.credential = load_credential(other.store)
    patients.register_patient(other.store, other.doctor, full_name="Hồ Văn Giang", sex="male")
    sync_once(other.store, other_client)

    with pc.store.engine.begin() as conn:
        restored.mark_restored(conn, now=utc_now())
    before = pc.store.read_meta()
    with pytest.raises(SyncError) as err:
        sync_once(pc.store, client)
    assert "cập nhật máy chủ" in err.value.message_vi
    assert "server must be updated" in err.value.message_en
    assert pc.store.read_meta() == before
    with pc.store.engine.connect() as conn:
        names = conn.execute(sa.select(patient.c.full_name)).scalars().all()
    assert "Hồ Văn Giang" not in names


def test_a_backup_from_before_enrolment_restored_and_replaced_issues_no_number_twice(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    """A standalone PC's backup, restored after the lost disk was enrolled and synced, then
    enrolled again as the same device: it catches up like any restored store."""
    a = make_pc(tmp_path, "a", 1)
    _register(a, "Nguyễn Thị An")
    backup = maintenance.backup_store(a.store, a.admin, tmp_path / "truoc-dang-ky.emrbak")
    link = _enrolled(a, live_server)
    later = [_register(a, name) for name in ("Trần Văn Bình", "Lê Thị Cúc")]
    sync_once(a.store, link)
    assert pending_op_count(a.store) == 0
    used = _mrns(a.store)
    assert used == [f"{BLOCK_1 + n:010d}" for n in range(3)]
    a.store.close()  # the disk is lost

    store = Store.restore(tmp_path / "may-moi", backup)
    assert restored.CATCH_UP_KEY not in store.read_meta()  # a standalone backup
    pc = Pc(
        store,
        auth.login(store, "admin.a", ADMIN_PASSWORD),
        auth.login(store, "bs.a", STAFF_PASSWORD),
    )
    link = _enrolled(pc, live_server, replace=True)
    # Before the catch-up: past the skip, not the lost disk's next numbers.
    walk_in = _register(pc, "Võ Thị Én")
    assert walk_in.mrn not in used
    assert walk_in.mrn == f"{BLOCK_1 + 1 + mrn.RESTORE_SKIP_MIN:010d}"
    assert restored.pending_catch_up(store.read_meta()) is not None

    report = sync_once(store, link)
    assert report.conflicts == 0
    assert restored.CATCH_UP_KEY not in store.read_meta()
    assert set(_rows(store, patient, [p.id for p in later])) == {p.id for p in later}
    mrns = _mrns(store)
    assert len(mrns) == len(set(mrns)) == 4
    assert set(mrns) == {*used, walk_in.mrn}
    store.close()
