"""The PC's audit log reaches the real server (uvicorn on 127.0.0.1, SQLite and PostgreSQL):
after the records, in order, resent harmlessly after a fault, as a declared branch after a
restore, and never at the cost of the records sync."""

from __future__ import annotations

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
from tests.syncclient.support import Pc, make_pc
from tests.syncclient.test_live_server import _enrolled

from emr_desktop.cli.main import main
from emr_desktop.core.auditchain import row_hash
from emr_desktop.core.ids import new_id
from emr_desktop.core.records import Patient
from emr_desktop.services import auth, chart, maintenance, patients
from emr_desktop.store import audit as store_audit
from emr_desktop.store.store import Store
from emr_desktop.syncclient import engine
from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.credentials import load_credential
from emr_desktop.syncclient.engine import (
    AUDIT_PUSHED_HASH_KEY,
    AUDIT_PUSHED_SEQ_KEY,
    AUDIT_RESTORED_FROM_KEY,
    pending_audit_count,
    pending_op_count,
    sync_once,
)
from emr_sync import audit as server_audit
from emr_sync.db import audit_row


class AuditFaults(HTTPAdapter):
    """Real HTTP, with faults on `/v1/audit` only: the next `cut` requests never reach the
    server; the answers of the next `drop_answers` are lost after the server kept the rows."""

    def __init__(self) -> None:
        super().__init__()
        self.cut = 0
        self.drop_answers = 0
        self.audit_requests = 0

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        if not (request.url or "").endswith("/v1/audit"):
            return super().send(request, *args, **kwargs)
        self.audit_requests += 1
        if self.cut:
            self.cut -= 1
            raise requests.ConnectionError("connection reset before sending")
        response = super().send(request, *args, **kwargs)
        if self.drop_answers and response.status_code == 200:
            self.drop_answers -= 1
            raise requests.ConnectionError("connection reset after the server answered")
        return response


def _client(pc: Pc, server: LiveServer, faults: AuditFaults) -> SyncClient:
    _enrolled(pc, server)
    session = requests.Session()
    session.mount("http://", faults)
    return SyncClient(
        server.base_url, session=session, timeout=10, credential=load_credential(pc.store)
    )


def _work(pc: Pc, name: str) -> Patient:
    """A registration and a reading of the chart: audit rows with the patient's id."""
    patient = patients.register_patient(pc.store, pc.doctor, full_name=name, sex="female")
    chart.open_chart(pc.store, pc.doctor, patient.id)
    return patient


def _pc_chain(store: Store) -> list[tuple[int, str, str]]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT seq, id, hash FROM audit_log ORDER BY seq").all()
    return [(int(seq), str(id_), str(hash_)) for seq, id_, hash_ in rows]


def _server_chain(server: LiveServer, device_id: str) -> list[tuple[int, int, str, str]]:
    with server.harness.engine.connect() as conn:
        rows = conn.execute(
            sa.select(audit_row.c.branch, audit_row.c.seq, audit_row.c.id, audit_row.c.hash)
            .where(audit_row.c.device_id == device_id)
            .order_by(audit_row.c.branch, audit_row.c.seq)
        ).all()
    return [(int(r.branch), int(r.seq), str(r.id), str(r.hash)) for r in rows]


def test_the_audit_rows_reach_the_server_after_a_sync(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pc = make_pc(tmp_path, "a", 1)
    link = _client(pc, live_server, AuditFaults())
    patient = _work(pc, "Nguyễn Thị An")
    # Small batches: the rows go in several requests, each acknowledged on its own.
    monkeypatch.setattr(engine, "AUDIT_BATCH", 4)
    written = _pc_chain(pc.store)
    report = sync_once(pc.store, link)
    assert (report.audit_failed, report.audit_left) == (False, 0)
    assert report.pushed > 0 and pending_op_count(pc.store) == 0
    # Every row written up to the audit push, and the ones the sync itself wrote before it.
    assert report.audit_pushed >= len(written)
    on_server = _server_chain(live_server, pc.store.device_id)
    assert [(0, *row) for row in _pc_chain(pc.store)] == on_server
    meta = pc.store.read_meta()
    assert (int(meta[AUDIT_PUSHED_SEQ_KEY]), meta[AUDIT_PUSHED_HASH_KEY]) == on_server[-1][1::2]
    assert pending_audit_count(pc.store) == 0
    # Who read the chart, on the server, by the patient's id.
    trail = server_audit.patient_trail(live_server.harness.engine, patient.id)
    assert [row["action"] for row in trail] == ["patient.register", "chart.read"]
    assert {row["username"] for row in trail} == {"bs.a"}
    assert server_audit.verify(live_server.harness.engine)["ok"] is True


def test_a_lost_answer_or_a_crash_before_the_meta_write_resends_harmlessly(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
) -> None:
    pc = make_pc(tmp_path, "a", 1)
    faults = AuditFaults()
    link = _client(pc, live_server, faults)
    _work(pc, "Trần Văn Bình")
    faults.drop_answers = 1
    first = sync_once(pc.store, link)
    # The records went; the server kept the rows, but the PC never heard so.
    assert pending_op_count(pc.store) == 0 and first.audit_failed
    assert AUDIT_PUSHED_SEQ_KEY not in pc.store.read_meta()
    kept = _server_chain(live_server, pc.store.device_id)
    assert kept and first.audit_left == len(_pc_chain(pc.store))
    second = sync_once(pc.store, link)
    assert (second.audit_failed, second.audit_left) == (False, 0)
    assert [(0, *row) for row in _pc_chain(pc.store)] == _server_chain(
        live_server, pc.store.device_id
    )

    # The PC dies after the server's OK, before its meta is written: as if it never was.
    before = pc.store.read_meta()
    _work(pc, "Lê Thị Cúc")
    sync_once(pc.store, link)
    with pc.store.engine.begin() as conn:
        for key in (AUDIT_PUSHED_SEQ_KEY, AUDIT_PUSHED_HASH_KEY):
            conn.exec_driver_sql("UPDATE meta SET value = ? WHERE key = ?", (before[key], key))
    third = sync_once(pc.store, link)
    assert third.audit_failed is False
    resent = [seq for seq, _, _ in _pc_chain(pc.store) if seq > int(before[AUDIT_PUSHED_SEQ_KEY])]
    assert third.audit_pushed == len(resent) > 0
    on_server = _server_chain(live_server, pc.store.device_id)
    assert [(0, *row) for row in _pc_chain(pc.store)] == on_server
    assert len({row_id for _, _, row_id, _ in on_server}) == len(on_server)


def test_a_restored_pc_pushes_its_new_rows_as_a_declared_branch(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    live_server: LiveServer,  # noqa: F811
) -> None:
    a = make_pc(tmp_path, "a", 1)
    link = _client(a, live_server, AuditFaults())
    _work(a, "Nguyễn Thị An")
    sync_once(a.store, link)
    pushed_before_backup = int(a.store.read_meta()[AUDIT_PUSHED_SEQ_KEY])
    _work(a, "Hoàng Thị Hạnh")  # in the backup, not yet on the server
    backup = maintenance.backup_store(a.store, a.admin, tmp_path / "may-a.emrbak")
    backed_up = _pc_chain(a.store)
    # After the backup: more reads, pushed; then the disk is lost.
    _work(a, "Phạm Văn Dũng")
    sync_once(a.store, link)
    lost = _pc_chain(a.store)
    assert len(lost) > len(backed_up)
    data_dir, device_id = a.store.data_dir, a.store.device_id
    a.store.close()

    assert main(["--data-dir", str(data_dir), "restore", str(backup), "--json"]) == 0
    capsys.readouterr()
    store = Store.open(data_dir)
    pc = Pc(
        store,
        auth.login(store, "admin.a", ADMIN_PASSWORD),
        auth.login(store, "bs.a", STAFF_PASSWORD),
    )
    assert int(store.read_meta()[AUDIT_PUSHED_SEQ_KEY]) == pushed_before_backup
    report = sync_once(store, SyncClient(live_server.base_url, credential=load_credential(store)))
    assert (report.audit_failed, report.audit_left) == (False, 0)
    meta = store.read_meta()
    assert AUDIT_RESTORED_FROM_KEY not in meta

    # The server keeps both: the lost PC's rows, and the restored chain from the backup on.
    restored_chain = _pc_chain(store)
    assert restored_chain[: len(backed_up)] == backed_up
    on_server = _server_chain(live_server, device_id)
    assert [row for row in on_server if row[0] == 0] == [(0, *row) for row in lost]
    new_rows = restored_chain[len(backed_up) :]
    assert [row for row in on_server if row[0] == 1] == [(1, *row) for row in new_rows]
    report_server = server_audit.verify(live_server.harness.engine)
    assert report_server["ok"] is True
    [fork] = report_server["forks"]
    assert (fork["device_id"], fork["fork_seq"], fork["fork_hash"]) == (
        device_id,
        backed_up[-1][0],
        backed_up[-1][2],
    )
    assert fork["abandoned_hash"] == lost[-1][2]

    # Later rows go on the new branch as usual, with no second fork.
    _work(pc, "Đặng Văn Phúc")
    later = sync_once(store, SyncClient(live_server.base_url, credential=load_credential(store)))
    assert (later.audit_failed, later.audit_left) == (False, 0)
    assert len(server_audit.verify(live_server.harness.engine)["forks"]) == 1
    assert [row for row in _server_chain(live_server, device_id) if row[0] == 1] == [
        (1, *row) for row in _pc_chain(store)[len(backed_up) :]
    ]
    store.close()


def test_a_failing_audit_push_does_not_fail_the_records_sync(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
) -> None:
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    faults = AuditFaults()
    link = _client(a, live_server, faults)
    patient = _work(a, "Võ Thị Én")
    faults.cut = 1
    report = sync_once(a.store, link)
    assert report.audit_failed and report.audit_pushed == 0
    assert report.audit_left == len(_pc_chain(a.store)) == pending_audit_count(a.store)
    assert pending_op_count(a.store) == 0
    # The other PC has the patient: the records went all the same.
    sync_once(b.store, _enrolled(b, live_server))
    assert patients.get_patient(b.store, b.doctor, patient.id).full_name == "Võ Thị Én"
    assert _server_chain(live_server, a.store.device_id) == []
    retried = sync_once(a.store, link)
    assert (retried.audit_failed, retried.audit_left) == (False, 0)
    assert len(_server_chain(live_server, a.store.device_id)) == len(_pc_chain(a.store))


def test_a_chain_the_pc_does_not_continue_without_a_restore_is_reported_not_forked(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
) -> None:
    """Rows on the server this PC never had, and no restore in its log: nothing declared."""
    a = make_pc(tmp_path, "a", 1)
    link = _client(a, live_server, AuditFaults())
    _work(a, "Nguyễn Văn An")
    sync_once(a.store, link)
    held = _server_chain(live_server, a.store.device_id)
    with live_server.harness.engine.begin() as conn:
        conn.execute(
            audit_row.update()
            .where(audit_row.c.device_id == a.store.device_id, audit_row.c.seq == held[-1][1])
            .values(hash="f" * 64)
        )
    _work(a, "Nguyễn Văn Bảo")
    report = sync_once(a.store, link)
    assert report.audit_failed and report.audit_left > 0
    assert AUDIT_RESTORED_FROM_KEY not in a.store.read_meta()
    assert server_audit.verify(live_server.harness.engine)["forks"] == []


def _lose_server_rows_after(server: LiveServer, device_id: str, seq: int) -> None:
    """The server restored from its own older backup: the device's rows after `seq` gone
    (only the audit rows matter here; the records are left as they are)."""
    with server.harness.engine.begin() as conn:
        conn.execute(
            audit_row.delete().where(audit_row.c.device_id == device_id, audit_row.c.seq > seq)
        )


def test_a_restore_declared_to_a_server_restored_from_an_older_backup_falls_back(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    live_server: LiveServer,  # noqa: F811
) -> None:
    """The PC declares its restore, but its rows do not go yet; then the server is restored
    from a backup older than the row declared: the PC goes on after the server's last row
    instead of being refused at every sync."""
    a = make_pc(tmp_path, "a", 1)
    link = _client(a, live_server, AuditFaults())
    _work(a, "Nguyễn Thị An")
    sync_once(a.store, link)
    server_backup_seq = int(a.store.read_meta()[AUDIT_PUSHED_SEQ_KEY])
    _work(a, "Trần Văn Bình")
    sync_once(a.store, link)
    backup = maintenance.backup_store(a.store, a.admin, tmp_path / "may-a.emrbak")
    _work(a, "Lê Thị Cúc")
    sync_once(a.store, link)  # rows after the PC's backup, on the server; then the disk is lost
    data_dir, device_id = a.store.data_dir, a.store.device_id
    a.store.close()

    assert main(["--data-dir", str(data_dir), "restore", str(backup), "--json"]) == 0
    capsys.readouterr()
    store = Store.open(data_dir)
    pc = Pc(
        store,
        auth.login(store, "admin.a", ADMIN_PASSWORD),
        auth.login(store, "bs.a", STAFF_PASSWORD),
    )
    client = SyncClient(live_server.base_url, credential=load_credential(store))
    # One request's worth: the restore is declared, nothing is sent yet.
    assert engine.push_audit(store, client, max_batches=1).pushed == 0
    declared = store.read_meta()[AUDIT_RESTORED_FROM_KEY]
    assert declared in {hash_ for _, _, hash_ in _pc_chain(store)}

    _lose_server_rows_after(live_server, device_id, server_backup_seq)
    _work(pc, "Phạm Văn Dũng")
    report = sync_once(store, client)
    assert (report.audit_failed, report.audit_left) == (False, 0)
    assert AUDIT_RESTORED_FROM_KEY not in store.read_meta()
    # The server's chain is this PC's, continued straight from its last row: nothing forked.
    assert _server_chain(live_server, device_id) == [(0, *row) for row in _pc_chain(store)]
    checked = server_audit.verify(live_server.harness.engine)
    assert (checked["ok"], checked["forks"]) == (True, [])
    again = sync_once(store, client)
    assert (again.audit_failed, again.audit_left) == (False, 0)
    store.close()


def test_a_declared_restore_unknown_and_a_server_tip_elsewhere_declares_from_the_start(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    live_server: LiveServer,  # noqa: F811
) -> None:
    """The server's last row is not in this PC's chain either (a row the PC never had, sent
    here over the API as another disk of the device would): the PC declares from the
    chain's start, and the server forks at the newest row of the PC's chain it holds."""
    a = make_pc(tmp_path, "a", 1)
    link = _client(a, live_server, AuditFaults())
    _work(a, "Nguyễn Văn An")
    sync_once(a.store, link)
    server_backup_seq = int(a.store.read_meta()[AUDIT_PUSHED_SEQ_KEY])
    _work(a, "Nguyễn Văn Bảo")
    sync_once(a.store, link)
    backup = maintenance.backup_store(a.store, a.admin, tmp_path / "may-a.emrbak")
    _work(a, "Nguyễn Văn Cường")
    sync_once(a.store, link)
    data_dir, device_id = a.store.data_dir, a.store.device_id
    a.store.close()

    assert main(["--data-dir", str(data_dir), "restore", str(backup), "--json"]) == 0
    capsys.readouterr()
    store = Store.open(data_dir)
    client = SyncClient(live_server.base_url, credential=load_credential(store))
    engine.push_audit(store, client, max_batches=1)
    assert AUDIT_RESTORED_FROM_KEY in store.read_meta()
    # The server's older backup: the shared start, then one row this PC never had.
    _lose_server_rows_after(live_server, device_id, server_backup_seq)
    with store.engine.connect() as conn:
        [mine] = store_audit.rows_after(conn, server_backup_seq, 1)
    other = {**mine, "id": new_id(), "detail": '{"other_disk": true}'}
    other["hash"] = row_hash(mine["prev_hash"], other)
    client.push_audit(device_id=device_id, rows=[other])
    foreign = _server_chain(live_server, device_id)[-1]
    assert foreign == (0, other["seq"], other["id"], other["hash"])

    report = sync_once(store, client)
    assert (report.audit_failed, report.audit_left) == (False, 0)
    assert AUDIT_RESTORED_FROM_KEY not in store.read_meta()
    on_server = _server_chain(live_server, device_id)
    assert [r for r in on_server if r[0] == 0][-1] == foreign  # nothing logged is dropped
    chain = _pc_chain(store)
    held = [(0, *row) for row in chain[:server_backup_seq]]
    assert [r for r in on_server if r[0] == 0][:-1] == held
    assert [r for r in on_server if r[0] == 1] == [(1, *row) for row in chain[server_backup_seq:]]
    checked = server_audit.verify(live_server.harness.engine)
    assert checked["ok"] is True
    [fork] = checked["forks"]
    assert fork["fork_seq"] == server_backup_seq
    store.close()
