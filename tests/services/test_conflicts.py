"""Reviewing concurrent edits: keep the winner, or put the other value back everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.syncclient.support import Pc, make_pc, outbox_ops

from emr_desktop.core.errors import ConflictError, PermissionDenied, ValidationError
from emr_desktop.services import conflicts
from emr_desktop.services import patients as patient_service
from emr_desktop.store.replica import apply_remote_ops


def _exchange(a: Pc, b: Pc, seen: dict[str, int]) -> None:
    """Give each PC the other's new ops (what a sync through the server does)."""
    for src, dst in ((a, b), (b, a)):
        ops = outbox_ops(src.store)
        new = ops[seen.get(id(src.store).__str__(), 0) :]
        seen[str(id(src.store))] = len(ops)
        with dst.store.unit_of_work(user_id=None) as uow:
            apply_remote_ops(uow.conn, dst.store, new)
            uow.commit()


def _conflicting_pcs(tmp_path: Path) -> tuple[Pc, Pc, str, dict[str, int]]:
    a, b = make_pc(tmp_path, "a"), make_pc(tmp_path, "b", device_number=2)
    seen: dict[str, int] = {}
    patient = patient_service.register_patient(
        a.store, a.doctor, full_name="Đinh Văn Lộc", sex="male", address="Thôn 1"
    )
    _exchange(a, b, seen)
    patient_service.update_patient(a.store, a.doctor, patient.id, address="Xóm Đông")
    patient_service.update_patient(b.store, b.doctor, patient.id, address="Xóm Tây")
    _exchange(a, b, seen)
    return a, b, patient.id, seen


def test_put_the_other_value_back_everywhere(tmp_path: Path) -> None:
    a, b, patient_id, seen = _conflicting_pcs(tmp_path)
    [conflict] = conflicts.list_conflicts(a.store, a.doctor)
    assert conflict.field == "address" and conflict.record_id == patient_id
    assert {conflict.winner_value, conflict.loser_value} == {"Xóm Đông", "Xóm Tây"}
    settled = conflicts.resolve_conflict(a.store, a.doctor, conflict.id, keep="other")
    assert settled.status == "resolved"
    assert conflicts.list_conflicts(a.store, a.doctor) == []
    _exchange(a, b, seen)
    for pc in (a, b):
        assert patient_service.get_patient(pc.store, pc.doctor, patient_id).address == (
            conflict.loser_value
        )
    with pytest.raises(ConflictError):
        conflicts.resolve_conflict(a.store, a.doctor, conflict.id, keep="winner")


def test_keep_the_winner_writes_nothing(tmp_path: Path) -> None:
    a, _, patient_id, _ = _conflicting_pcs(tmp_path)
    [conflict] = conflicts.list_conflicts(a.store, a.doctor)
    before = len(outbox_ops(a.store))
    conflicts.resolve_conflict(a.store, a.doctor, conflict.id, keep="winner")
    assert len(outbox_ops(a.store)) == before
    assert patient_service.get_patient(a.store, a.doctor, patient_id).address == (
        conflict.winner_value
    )
    with pytest.raises(ValidationError):
        conflicts.resolve_conflict(a.store, a.doctor, conflict.id, keep="both")


def test_only_those_who_may_edit_settle(tmp_path: Path) -> None:
    a, _, _, _ = _conflicting_pcs(tmp_path)
    [conflict] = conflicts.list_conflicts(a.store, a.doctor)
    with pytest.raises(PermissionDenied):
        conflicts.resolve_conflict(a.store, a.admin, conflict.id, keep="other")
