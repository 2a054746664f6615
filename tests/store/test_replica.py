"""Pulled ops applied to a real store: made by a second real store of the same facility."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from tests.syncclient.support import Pc, canonical_dump, make_pc, outbox_ops

from emr_desktop.core.records import Measurement, VitalSigns
from emr_desktop.core.wire import Op
from emr_desktop.services import clinical
from emr_desktop.services import patients as patient_service
from emr_desktop.store.replica import ApplyReport, apply_remote_ops, open_conflict_count
from emr_desktop.store.schema import conflict, outbox
from emr_desktop.store.store import Store


def _apply(store: Store, ops: list[Op]) -> ApplyReport:
    with store.unit_of_work(user_id=None) as uow:
        report = apply_remote_ops(uow.conn, store, ops)
        uow.commit()
    return report


def _outbox_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


def _register(pc: Pc, name: str = "Nguyễn Văn Bình") -> str:
    patient = patient_service.register_patient(
        pc.store, pc.doctor, full_name=name, sex="male", date_of_birth="1980", address="Thôn 1"
    )
    return patient.id


def test_pulled_patient_is_stored_and_searchable(tmp_path: Path) -> None:
    a, b = make_pc(tmp_path, "a"), make_pc(tmp_path, "b")
    patient_id = _register(a)
    before = _outbox_count(b.store)
    report = _apply(b.store, outbox_ops(a.store))
    # All but the facility, which B created itself after A did: the later creation wins.
    assert report.applied == len(outbox_ops(a.store)) - 1
    found = patient_service.find_patients(b.store, b.doctor, "nguyen van binh")
    assert [p.id for p in found] == [patient_id]
    assert patient_service.find_patients(b.store, b.doctor, "Bình")[0].id == patient_id
    # Nothing pulled goes back out.
    assert _outbox_count(b.store) == before
    patient_a = canonical_dump(a.store)["patient"]
    assert canonical_dump(b.store)["patient"] == patient_a


def test_applying_twice_changes_nothing(tmp_path: Path) -> None:
    a, b = make_pc(tmp_path, "a"), make_pc(tmp_path, "b")
    patient_id = _register(a)
    clinical.record_event(
        a.store,
        a.doctor,
        patient_id=patient_id,
        body=VitalSigns(measurements=(Measurement("pulse", Decimal(80), "/min"),)),
    )
    ops = outbox_ops(a.store)
    _apply(b.store, ops)
    once = canonical_dump(b.store)
    report = _apply(b.store, ops)
    assert report.applied == 0
    assert report.unchanged == len(ops)
    assert canonical_dump(b.store) == once
    assert once["clinical_event"] == canonical_dump(a.store)["clinical_event"]


def test_later_update_replaces_the_field_and_reindexes(tmp_path: Path) -> None:
    a, b = make_pc(tmp_path, "a"), make_pc(tmp_path, "b")
    patient_id = _register(a)
    _apply(b.store, outbox_ops(a.store))
    seen = len(outbox_ops(a.store))
    patient_service.update_patient(a.store, a.doctor, patient_id, full_name="Trần Thị Cúc")
    _apply(b.store, outbox_ops(a.store)[seen:])
    assert patient_service.get_patient(b.store, b.doctor, patient_id).full_name == "Trần Thị Cúc"
    assert [p.id for p in patient_service.find_patients(b.store, b.doctor, "tran thi cuc")] == [
        patient_id
    ]
    assert patient_service.find_patients(b.store, b.doctor, "nguyen van binh") == []


def test_concurrent_edit_keeps_the_losing_value_as_a_conflict(tmp_path: Path) -> None:
    a, b = make_pc(tmp_path, "a"), make_pc(tmp_path, "b")
    patient_id = _register(a)
    _apply(b.store, outbox_ops(a.store))
    seen_a, seen_b = len(outbox_ops(a.store)), len(outbox_ops(b.store))
    patient_service.update_patient(a.store, a.doctor, patient_id, address="Xóm Đông")
    patient_service.update_patient(b.store, b.doctor, patient_id, address="Xóm Tây")
    report_b = _apply(b.store, outbox_ops(a.store)[seen_a:])
    report_a = _apply(a.store, outbox_ops(b.store)[seen_b:])
    assert len(report_a.conflicts) == len(report_b.conflicts) == 1
    # Both PCs keep the same winner and the same loser.
    assert report_a.conflicts == report_b.conflicts
    winner = patient_service.get_patient(a.store, a.doctor, patient_id).address
    assert patient_service.get_patient(b.store, b.doctor, patient_id).address == winner
    with b.store.engine.connect() as conn:
        row = conn.execute(select(conflict)).one()
        assert open_conflict_count(conn) == 1
    assert row.field == "address"
    assert row.status == "open"
    assert {row.winner_value, row.loser_value} == {'"Xóm Đông"', '"Xóm Tây"'}
    assert row.winner_value == f'"{winner}"'
    # Seen again, the same conflict is not recorded twice.
    _apply(b.store, outbox_ops(a.store)[seen_a:])
    with b.store.engine.connect() as conn:
        assert open_conflict_count(conn) == 1
    assert canonical_dump(a.store)["patient"] == canonical_dump(b.store)["patient"]


def test_own_ops_are_skipped(tmp_path: Path) -> None:
    a = make_pc(tmp_path, "a")
    _register(a)
    before = canonical_dump(a.store)
    ops = outbox_ops(a.store)
    report = _apply(a.store, ops)
    assert report.skipped_own == len(ops)
    assert report.applied == 0
    assert canonical_dump(a.store) == before


def test_the_clock_moves_past_pulled_stamps(tmp_path: Path) -> None:
    a, b = make_pc(tmp_path, "a"), make_pc(tmp_path, "b")
    _register(a)
    ops = outbox_ops(a.store)
    _apply(b.store, ops)
    assert b.store.clock.now().encode() > max(op.hlc for op in ops)
