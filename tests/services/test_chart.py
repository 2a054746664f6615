"""Opening a chart: linked (merged) charts show the events of both; reads are audited."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from emr_desktop.core.errors import PermissionDenied, ValidationError
from emr_desktop.core.ids import new_id
from emr_desktop.core.records import Measurement, PatientLink, VitalSigns
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services import chart, clinical, patients, wards
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store


def _vitals(pulse: int) -> VitalSigns:
    return VitalSigns(measurements=(Measurement("pulse", Decimal(pulse), "/min"),))


def test_merged_chart_shows_the_events_of_both(store: Store, doctor: Session) -> None:
    kept = patients.register_patient(
        store, doctor, full_name="Lương Văn Tám", sex="male", date_of_birth="1948"
    )
    dup = patients.register_patient(
        store, doctor, full_name="Luong Van Tam", sex="male", date_of_birth="1948"
    )
    clinical.record_event(store, doctor, patient_id=kept.id, body=_vitals(80))
    clinical.record_event(store, doctor, patient_id=dup.id, body=_vitals(90))
    with store.unit_of_work(user_id=doctor.user_id) as uow:
        uow.add(
            PatientLink(
                id=new_id(),
                facility_id=doctor.facility_id,
                created_at=utc_now(),
                created_by=doctor.user_id,
                device_id=store.device_id,
                replaced_id=dup.id,
                replaced_by=kept.id,
                reason="trùng",
            )
        )
        uow.commit()
    for key in (kept.id, dup.id):
        result = chart.open_chart(store, doctor, key)
        assert result.patient.id == kept.id and result.merged_ids == (dup.id,)
        assert sorted(e.body["measurements"][0]["value"] for e in result.events) == ["80", "90"]
    assert [p.id for p in patients.find_patients(store, doctor, "luong van tam")] == [kept.id]


def test_chart_read_is_audited_with_the_patient(store: Store, doctor: Session) -> None:
    p = patients.register_patient(store, doctor, full_name="Mai Thị Đào", sex="female")
    chart.open_chart(store, doctor, p.id)
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT action, user_id, patient_id FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).one()
    assert tuple(row) == ("chart.read", doctor.user_id, p.id)


def test_the_directory_names_staff_departments_beds_and_the_beds_taken(
    store: Store, admin: Session, doctor: Session, nurse: Session
) -> None:
    medicine = wards.add_department(store, admin, code="NOI", name="Khoa Nội tổng hợp")
    clinic = wards.add_department(
        store, admin, code="KKB", name="Khoa Khám bệnh", kind="outpatient"
    )
    beds = [
        wards.add_bed(store, admin, department_id=medicine.id, code=code)
        for code in ("G10", "G2", "G1")
    ]
    p = patients.register_patient(store, nurse, full_name="Kim Văn Lực", sex="male")
    stay = clinical.start_encounter(
        store,
        doctor,
        patient_id=p.id,
        kind="inpatient",
        department_id=medicine.id,
        bed_id=beds[1].id,
    )
    directory = chart.facility_directory(store, nurse)
    assert directory.staff_name(doctor.user_id) == "Trần Thị Lan"
    assert [d.code for d in directory.departments] == ["KKB", "NOI"]
    assert [b.code for b in directory.beds_of(medicine.id)] == ["G1", "G2", "G10"]
    assert directory.beds_of(clinic.id) == []
    assert directory.occupied_beds == {beds[1].id: stay.id}
    assert directory.bed_code(directory.bed_of_encounter(stay.id)) == "G2"
    assert directory.department_name(medicine.id) == "Khoa Nội tổng hợp"
    clinical.discharge_patient(store, doctor, stay.id, treatment_result="1")
    assert chart.facility_directory(store, nurse).occupied_beds == {}


def test_saving_a_copy_of_a_document_needs_the_export_right_and_is_audited(
    store: Store, doctor: Session, nurse: Session, tmp_path: Path
) -> None:
    p = patients.register_patient(store, nurse, full_name="Kim Thị Na", sex="female")
    event = clinical.attach_document(
        store, nurse, patient_id=p.id, title="Phiếu đồng ý", media_type="text/plain", data=b"ok"
    )
    with pytest.raises(PermissionDenied):
        chart.export_attachment(store, nurse, event.id, tmp_path / "nurse.txt")
    assert chart.export_attachment(store, doctor, event.id, tmp_path / "copy.txt") == 2
    assert (tmp_path / "copy.txt").read_bytes() == b"ok"
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT user_id, patient_id, target_id, detail FROM audit_log "
            "WHERE action = 'attachment.export'"
        ).one()
    assert tuple(row[:3]) == (doctor.user_id, p.id, event.id)
    assert "copy.txt" not in (row[3] or "")
    note = clinical.record_event(store, doctor, patient_id=p.id, body=_vitals(70))
    with pytest.raises(ValidationError):
        chart.export_attachment(store, doctor, note.id, tmp_path / "vitals.txt")
    assert not (tmp_path / "vitals.txt").exists()
