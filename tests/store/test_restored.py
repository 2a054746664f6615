"""Restoring a backup (`store.restored`, `store.mrn`): the catch-up mark and the record
numbers of an enrolled PC, nothing more for a PC never enrolled, and the pulled copies of
the PC's own ops merging without false conflicts (`replica.apply_remote_ops(own_until=)`).
The catch-up pull itself runs against the real server in
`tests/syncclient/test_restore_catch_up.py`."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.syncclient.support import outbox_ops

from emr_desktop.cli.main import main
from emr_desktop.core.hlc import Hlc
from emr_desktop.core.records import Patient
from emr_desktop.core.timeutil import utc_now
from emr_desktop.core.wire import Op
from emr_desktop.services import maintenance, patients
from emr_desktop.services.auth import Session
from emr_desktop.store import mrn, restored
from emr_desktop.store.replica import apply_remote_ops
from emr_desktop.store.schema import conflict, mrn_range, outbox
from emr_desktop.store.store import Store

BLOCK_3 = 3 * mrn.MRN_BLOCK


def _enroll_offline(store: Store, device_number: int = 3) -> None:
    """What enrollment leaves in the store (`syncclient.engine.enroll`), without a server."""
    with store.engine.begin() as conn:
        conn.execute(
            sa.insert(sa.table("meta", sa.column("key"), sa.column("value"))).values(
                key=restored.DEVICE_NUMBER_KEY, value=str(device_number)
            )
        )
        mrn.set_mrn_block(conn, store.device_id, device_number)


def _mrn_row(store: Store) -> tuple[int, int, int]:
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(mrn_range.c.first, mrn_range.c.last, mrn_range.c.next).where(
                mrn_range.c.device_id == store.device_id
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


def _register(store: Store, session: Session, name: str = "Nguyễn Văn An") -> Patient:
    return patients.register_patient(store, session, full_name=name, sex="male")


def test_restoring_a_pc_never_enrolled_changes_nothing_more(
    store: Store,
    admin: Session,
    registrar: Session,
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _register(store, registrar)
    backup = maintenance.backup_store(store, admin, tmp_path / "standalone.emrbak")
    meta_then, range_then = store.read_meta(), _mrn_row(store)
    lost = _register(store, registrar, "Trần Thị Bình")
    store.close()

    assert main(["--data-dir", str(data_dir), "restore", str(backup), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["catch_up"], answer["mrn_next"]) == (False, None)
    back = Store.open(data_dir)
    try:
        # No mark, no skip: the store is the backup, as before this change.
        assert back.read_meta() == meta_then
        assert _mrn_row(back) == range_then
        with back.engine.connect() as conn:
            top = conn.execute(sa.select(sa.func.max(outbox.c.device_seq))).scalar_one()
            nxt = conn.exec_driver_sql(
                "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'"
            ).scalar_one()
        assert nxt < restored.OUTBOX_SKIP and (top is None or nxt >= top)
        # Nothing on any server to bring back: the next number is the backup's next.
        assert _register(back, registrar).mrn == lost.mrn
    finally:
        back.close()


def test_restoring_an_enrolled_pc_marks_it_and_skips_numbers(
    store: Store, admin: Session, registrar: Session, data_dir: Path, tmp_path: Path
) -> None:
    _enroll_offline(store)
    issued = _register(store, registrar)
    assert issued.mrn == f"{BLOCK_3:010d}"
    cursor = "41"
    store.write_meta(restored.PULL_CURSOR_KEY, cursor)
    clock = store.clock.last.encode()
    backup = maintenance.backup_store(store, admin, tmp_path / "enrolled.emrbak")
    _register(store, registrar, "Trần Thị Bình")  # lost with the disk
    store.close()

    back = Store.restore(data_dir, backup)
    try:
        meta = back.read_meta()
        mark = restored.pending_catch_up(meta)
        assert mark is not None
        assert (mark.mrn_skipped, mark.mrn_next) == (10_000, BLOCK_3 + 1 + 10_000)
        assert mark.clock >= clock
        # The catch-up starts where the backup's pulls stopped (see the module's docstring).
        assert meta[restored.PULL_CURSOR_KEY] == cursor
        after = _register(back, registrar, "Lê Văn Cường")
        assert after.mrn == f"{BLOCK_3 + 1 + 10_000:010d}"
        assert outbox_ops(back)[-1].device_seq > restored.OUTBOX_SKIP
    finally:
        back.close()


def test_the_skip_grows_with_the_backups_age(store: Store, registrar: Session) -> None:
    _enroll_offline(store)
    _register(store, registrar)
    # Restored 30 days (and a few ms) after its last write: 31 days' worth.
    with store.engine.begin() as conn:
        mark = restored.mark_restored(conn, now=utc_now() + timedelta(days=30))
    assert mark is not None
    assert mark.mrn_skipped == 31 * mrn.RESTORE_SKIP_PER_DAY
    assert _mrn_row(store)[2] == BLOCK_3 + 1 + 31_000


_DAY = 86_400_000


@pytest.mark.parametrize(
    ("elapsed_ms", "skipped"),
    [
        (-5_000, 10_000),
        (0, 10_000),
        (1, 10_000),
        (10 * _DAY, 10_000),
        (10 * _DAY + 1, 11_000),
        (365 * _DAY, 365_000),
    ],
)
def test_restore_skip(elapsed_ms: int, skipped: int) -> None:
    assert mrn.restore_skip(elapsed_ms) == skipped


def test_the_skip_stops_at_the_blocks_end(store: Store) -> None:
    _enroll_offline(store)
    with store.engine.begin() as conn:
        conn.execute(mrn_range.update().values(next=BLOCK_3 + mrn.MRN_BLOCK - 5))
        moved = mrn.skip_after_restore(conn, store.device_id, 10_000)
        assert mrn.skip_after_restore(conn, "no-such-device", 10) is None
    # Past the end: the PC registers nobody (`services.patients.next_mrn` says so).
    assert moved == BLOCK_3 + mrn.MRN_BLOCK


def test_the_counter_moves_past_the_blocks_numbers_held_never_back(
    store: Store, registrar: Session
) -> None:
    _enroll_offline(store)
    first = _register(store, registrar)
    with store.engine.begin() as conn:
        # Numbers of another block, and what is not a number, do not count.
        for number in (f"{BLOCK_3 + 500:010d}", f"{BLOCK_3 + mrn.MRN_BLOCK:010d}", "00030009x9"):
            conn.execute(
                sa.text("UPDATE patient SET mrn = :mrn WHERE id = :id"),
                {"mrn": number, "id": first.id},
            )
            moved = mrn.move_past_issued(conn, store.device_id)
            assert moved == BLOCK_3 + 501
        conn.execute(mrn_range.update().values(next=BLOCK_3 + 9_000))
        assert mrn.move_past_issued(conn, store.device_id) == BLOCK_3 + 9_000


def test_finishing_the_catch_up_clears_the_mark_and_counts_shared_numbers(
    store: Store, registrar: Session
) -> None:
    _enroll_offline(store)
    one, two = _register(store, registrar), _register(store, registrar, "Trần Thị Bình")
    with store.engine.begin() as conn:
        restored.mark_restored(conn, now=utc_now())
        assert mrn.numbers_shared(conn, store.device_id) == 0
        conn.execute(
            sa.text("UPDATE patient SET mrn = :m WHERE id = :id"), {"m": one.mrn, "id": two.id}
        )
        assert mrn.numbers_shared(conn, store.device_id) == 1
        assert restored.finish_catch_up(conn, store.device_id) == BLOCK_3 + 2 + 10_000
    assert restored.pending_catch_up(store.read_meta()) is None


def _stamps(store: Store, patient_id: str) -> dict[str, str]:
    with store.unit_of_work(user_id=None) as uow:
        return uow.field_hlcs(Patient, patient_id)


def _apply(store: Store, ops: list[Op], own_until: str) -> list[str]:
    """Apply `ops` as a catch-up page, keep nothing; returns the fields found in conflict."""
    with store.unit_of_work(user_id=None) as uow:
        report = apply_remote_ops(uow.conn, store, ops, own_until=own_until)
        recorded = uow.conn.execute(sa.select(conflict.c.field)).scalars().all()
        assert sorted(c.field for c in report.conflicts) == sorted(recorded)
    return list(recorded)


def test_own_ops_pulled_back_merge_without_false_conflicts(
    store: Store, registrar: Session
) -> None:
    person = _register(store, registrar)
    patients.update_patient(store, registrar, person.id, address="Thôn 1")
    patients.update_patient(store, registrar, person.id, address="Thôn 2")
    held = _stamps(store, person.id)
    ops = outbox_ops(store)
    clock = store.clock.last.encode()

    # Every own op of the backup, pulled back in order: the store already holds them all.
    assert _apply(store, ops, own_until=clock) == []
    # The same pages without the rule: the first address edit looks concurrent with the
    # second, which was made on top of it.
    assert _apply(store, ops, own_until="") == ["address"]
    with store.unit_of_work(user_id=None) as uow:
        assert uow.get(Patient, person.id).address == "Thôn 2"
    assert _stamps(store, person.id) == held


def test_an_edit_lost_with_the_disk_and_one_made_after_the_restore_do_conflict(
    store: Store, registrar: Session
) -> None:
    person = _register(store, registrar)
    created = _stamps(store, person.id)["address"]
    backup_clock = store.clock.last.encode()
    lost_stamp = store.clock.now()  # an edit made after the backup, synced, then lost
    store.clock.now()
    # After the restore, not knowing of that edit, a clerk edits the same field.
    patients.update_patient(
        store, registrar, person.id, address="Thôn Mới", base={"address": created}
    )
    lost = Op(
        op_id="lost-edit",
        device_id=store.device_id,
        device_seq=7,
        kind="patient",
        record_id=person.id,
        fields={"address": "Thôn Cũ"},
        hlc=lost_stamp.encode(),
        base={"address": created},
        user_id=registrar.user_id,
        created_at=utc_now().isoformat(),
    )
    assert Hlc.decode(lost.hlc) > Hlc.decode(backup_clock)
    # Truly concurrent: both values are kept, the later one shown, the other for review.
    assert _apply(store, [lost], own_until=backup_clock) == ["address"]
