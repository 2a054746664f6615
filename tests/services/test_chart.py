"""Opening a chart: linked (merged) charts show the events of both; reads are audited."""

from __future__ import annotations

from decimal import Decimal

from emr_desktop.core.ids import new_id
from emr_desktop.core.records import Measurement, PatientLink, VitalSigns
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services import chart, clinical, patients
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
