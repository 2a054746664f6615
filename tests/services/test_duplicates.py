"""Finding, merging and unmerging duplicate charts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from emr_desktop.core.errors import ConflictError, PermissionDenied
from emr_desktop.core.records import Measurement, VitalSigns
from emr_desktop.services import chart, clinical, duplicates, patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store


def _pulse(pulse: int) -> VitalSigns:
    return VitalSigns(measurements=(Measurement("pulse", Decimal(pulse), "/min"),))


def test_find_merge_and_unmerge(store: Store, registrar: Session, doctor: Session) -> None:
    a = patients.register_patient(
        store,
        registrar,
        full_name="Bùi Thị Mận",
        sex="female",
        date_of_birth="1948",
        phones=("0977111222",),
    )
    b = patients.register_patient(
        store,
        registrar,
        full_name="BUI THI MAN",
        sex="female",
        date_of_birth="1948",
        phones=("0977111222",),
    )
    patients.register_patient(
        store, registrar, full_name="Bùi Thị Mận", sex="female", date_of_birth="1991"
    )
    clinical.record_event(store, doctor, patient_id=a.id, body=_pulse(70))
    clinical.record_event(store, doctor, patient_id=b.id, body=_pulse(90))
    found = duplicates.likely_duplicates(store, registrar, a.id)
    assert [c.patient.id for c in found] == [b.id]
    link = duplicates.merge_patients(
        store, registrar, survivor_id=a.id, replaced_id=b.id, reason="Cùng người, đăng ký hai lần"
    )
    merged = chart.open_chart(store, doctor, b.id)
    assert merged.patient.id == a.id and len(merged.events) == 2
    with pytest.raises(ConflictError):
        duplicates.merge_patients(
            store, registrar, survivor_id=a.id, replaced_id=b.id, reason="again"
        )
    duplicates.unmerge_patients(store, registrar, link.id)
    assert len(chart.open_chart(store, doctor, a.id).events) == 1
    assert chart.open_chart(store, doctor, b.id).patient.id == b.id


def test_nurses_do_not_merge(store: Store, nurse: Session) -> None:
    a = patients.register_patient(store, nurse, full_name="Tô Văn Hùng", sex="male")
    b = patients.register_patient(store, nurse, full_name="To Van Hung", sex="male")
    with pytest.raises(PermissionDenied):
        duplicates.merge_patients(store, nurse, survivor_id=a.id, replaced_id=b.id, reason="x")
