"""The nurses' worklist, right patient / right drug and the medication record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from tests.conftest import STAFF_PASSWORD

from emr_desktop.core.errors import PermissionDenied, ValidationError
from emr_desktop.core.ids import new_id
from emr_desktop.core.records import (
    ClinicalEvent,
    EncounterKind,
    Measurement,
    MedicationAdministration,
    Patient,
    Prescription,
    PrescriptionItem,
    VitalSigns,
)
from emr_desktop.core.timeutil import VIETNAM_TZ, utc_now
from emr_desktop.services import clinical, conflicts, nursing, patients, wards
from emr_desktop.services.auth import Session
from emr_desktop.services.nursing import DoseStatus, DoubleDose, NotDue, WrongDrug, WrongPatient
from emr_desktop.store.store import Store

START = date(2025, 3, 1)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=VIETNAM_TZ)  # type: ignore[misc]


#: Morning of the second day of treatment.
NOW = local(2025, 3, 2, 8, 10)


@dataclass
class Ward:
    department_id: str
    patient: Patient
    other: Patient
    stay_id: str
    other_stay_id: str
    twice_daily: str
    early: str
    night: str
    prn: str


def _admit(
    store: Store, doctor: Session, department_id: str, bed_id: str, name: str
) -> tuple[Patient, str]:
    patient = patients.register_patient(
        store, doctor, full_name=name, sex="female", date_of_birth="1950"
    )
    stay = clinical.start_encounter(
        store,
        doctor,
        patient_id=patient.id,
        kind=EncounterKind.INPATIENT,
        department_id=department_id,
        bed_id=bed_id,
        reason="Viêm phổi",
    )
    return patient, stay.id


def _order(
    store: Store,
    doctor: Session,
    stay_id: str,
    drug: str,
    times: tuple[str, ...],
    *,
    as_needed: bool = False,
    signed: bool = True,
    dose: str = "1",
) -> str:
    return nursing.order_medication(
        store,
        doctor,
        encounter_id=stay_id,
        drug_code=drug,
        dose=Decimal(dose),
        times=times,
        start_date=START,
        days=5,
        as_needed=as_needed,
        sign_password=STAFF_PASSWORD if signed else None,
    ).id


@pytest.fixture
def ward(store: Store, admin: Session, doctor: Session) -> Ward:
    department = wards.add_department(store, admin, code="NOI", name="Khoa Nội tổng hợp")
    g1 = wards.add_bed(store, admin, department_id=department.id, code="G1")
    g2 = wards.add_bed(store, admin, department_id=department.id, code="G2")
    patient, stay = _admit(store, doctor, department.id, g1.id, "Nguyễn Thị Hoa")
    other, other_stay = _admit(store, doctor, department.id, g2.id, "Lê Thị Mai")
    return Ward(
        department_id=department.id,
        patient=patient,
        other=other,
        stay_id=stay,
        other_stay_id=other_stay,
        # Ceftriaxon twice a day, Omeprazol at 06:00, Gentamicin at 22:00 and 02:00.
        twice_daily=_order(store, doctor, stay, "T0040", ("08:00", "20:00")),
        early=_order(store, doctor, stay, "T0068", ("06:00",)),
        night=_order(store, doctor, stay, "T0044", ("22:00", "02:00")),
        prn=_order(store, doctor, stay, "T0001", (), as_needed=True),
    )


def _mine(doses: list[nursing.ScheduledDose], patient: Patient) -> list[nursing.ScheduledDose]:
    return [d for d in doses if d.patient_id == patient.id]


def test_the_ward_worklist_sorts_overdue_due_upcoming_then_as_needed(
    store: Store, nurse: Session, doctor: Session, ward: Ward
) -> None:
    _order(store, doctor, ward.stay_id, "T0077", ("08:00",), signed=False)  # a draft
    doses = _mine(
        nursing.worklist(store, nurse, department_id=ward.department_id, now=NOW), ward.patient
    )
    assert [(d.drug_code, d.due_at, d.status) for d in doses] == [
        # Last night's doses, hours late with nothing recorded: missed, at the top with
        # the overdue ones.
        ("T0044", local(2025, 3, 1, 22, 0), DoseStatus.MISSED),
        ("T0044", local(2025, 3, 2, 2, 0), DoseStatus.MISSED),
        ("T0068", local(2025, 3, 2, 6, 0), DoseStatus.OVERDUE),
        ("T0040", local(2025, 3, 2, 8, 0), DoseStatus.DUE),
        ("T0040", local(2025, 3, 2, 20, 0), DoseStatus.UPCOMING),
        # 22:00 is beyond the twelve hours ahead.
        ("T0001", None, DoseStatus.AS_NEEDED),
    ]
    first = doses[3]
    assert (first.patient_name, first.mrn, first.bed_code) == (
        "Nguyễn Thị Hoa",
        ward.patient.mrn,
        "G1",
    )
    assert (first.dose, first.dose_unit, first.route, first.booth) == (
        Decimal(1),
        "lọ",
        "iv",
        False,
    )
    assert first.department_id == ward.department_id


def test_the_window_and_the_status_thresholds(store: Store, nurse: Session, ward: Ward) -> None:
    def status_at(now: datetime) -> str:
        doses = nursing.worklist(
            store, nurse, department_id=ward.department_id, now=now, before_hours=1, after_hours=1
        )
        return next(
            d.status
            for d in doses
            if d.order_id == ward.twice_daily and d.due_at == NOW.replace(minute=0)
        )

    assert status_at(local(2025, 3, 2, 7, 29)) == DoseStatus.UPCOMING
    assert status_at(local(2025, 3, 2, 7, 30)) == DoseStatus.DUE
    assert status_at(local(2025, 3, 2, 8, 30)) == DoseStatus.DUE
    assert status_at(local(2025, 3, 2, 8, 31)) == DoseStatus.OVERDUE
    doses = nursing.worklist(
        store, nurse, department_id=ward.department_id, now=NOW, before_hours=1, after_hours=1
    )
    assert {d.due_at for d in doses if d.due_at} == {local(2025, 3, 2, 8, 0)}


def test_orders_entered_in_error_stopped_or_of_another_ward_are_left_out(
    store: Store, admin: Session, doctor: Session, nurse: Session, ward: Ward
) -> None:
    clinical.mark_entered_in_error(
        store, doctor, ward.early, reason="Nhầm bệnh nhân", sign_password=STAFF_PASSWORD
    )
    nursing.stop_medication_order(
        store,
        doctor,
        order_id=ward.night,
        reason="Đủ liệu trình",
        sign_password=STAFF_PASSWORD,
        at=local(2025, 3, 2, 12, 0),
    )
    surgery = wards.add_department(store, admin, code="NGOAI", name="Khoa Ngoại")
    elsewhere, stay = _admit(
        store,
        doctor,
        surgery.id,
        wards.add_bed(store, admin, department_id=surgery.id, code="G1").id,
        "Trần Văn Nam",
    )
    _order(store, doctor, stay, "T0040", ("08:00",))
    doses = nursing.worklist(store, nurse, department_id=ward.department_id, now=NOW)
    assert {d.patient_id for d in doses} == {ward.patient.id}
    assert [(d.drug_code, d.due_at) for d in doses if d.drug_code != "T0001"] == [
        # Before the stop: still to account for.
        ("T0044", local(2025, 3, 1, 22, 0)),
        ("T0044", local(2025, 3, 2, 2, 0)),
        ("T0040", local(2025, 3, 2, 8, 0)),
        ("T0040", local(2025, 3, 2, 20, 0)),
    ]
    assert nursing.worklist(store, nurse, department_id=surgery.id, now=NOW)[0].patient_id == (
        elsewhere.id
    )


def test_recording_given_partial_held_and_refused(store: Store, nurse: Session, ward: Ward) -> None:
    given = nursing.record_administration(
        store,
        nurse,
        order_id=ward.twice_daily,
        scheduled_for=local(2025, 3, 2, 8, 0),
        outcome="given",
        wristband_scanned=True,
        site="Tĩnh mạch cẳng tay trái",
        sign_password=STAFF_PASSWORD,
        at=local(2025, 3, 2, 8, 5),
    )
    assert isinstance(given.body, MedicationAdministration)
    assert (given.body.dose, given.body.dose_unit, given.status) == (Decimal(1), "lọ", "signed")
    assert given.effective_at == local(2025, 3, 2, 8, 5)
    assert given.encounter_id == ward.stay_id
    nursing.record_administration(
        store,
        nurse,
        order_id=ward.prn,
        scheduled_for=None,
        outcome="given",
        dose=Decimal("0.5"),
        at=local(2025, 3, 2, 7, 0),
    )
    nursing.record_administration(
        store,
        nurse,
        order_id=ward.early,
        scheduled_for=local(2025, 3, 2, 6, 0),
        outcome="refused",
        reason="Bệnh nhân từ chối",
        at=local(2025, 3, 2, 6, 10),
    )
    with pytest.raises(ValidationError) as error:
        nursing.record_administration(
            store,
            nurse,
            order_id=ward.night,
            scheduled_for=local(2025, 3, 2, 2, 0),
            outcome="held",
            at=NOW,
        )
    assert error.value.field == "reason"
    doses = {
        (d.order_id, d.due_at): d
        for d in nursing.worklist(store, nurse, department_id=ward.department_id, now=NOW)
    }
    dose = doses[(ward.twice_daily, local(2025, 3, 2, 8, 0))]
    assert dose.status == DoseStatus.GIVEN
    assert [a.recorded_by_name for a in dose.administrations] == ["Lê Thị Hoa"]
    assert dose.administrations[0].wristband_scanned
    assert doses[(ward.early, local(2025, 3, 2, 6, 0))].status == DoseStatus.REFUSED
    prn = doses[(ward.prn, None)]
    assert prn.administrations[0].partial
    assert prn.next_allowed_at == local(2025, 3, 2, 7, 0) + nursing.PRN_MIN_INTERVAL


def test_a_partial_dose_and_the_ordered_dose_as_a_ceiling(
    store: Store, doctor: Session, nurse: Session, ward: Ward
) -> None:
    twice = _order(store, doctor, ward.stay_id, "T0131", ("07:00", "19:00"), dose="2")
    nursing.record_administration(
        store,
        nurse,
        order_id=twice,
        scheduled_for=local(2025, 3, 2, 7, 0),
        outcome="given",
        dose=Decimal(1),
        reason="Bệnh nhân nôn, chỉ uống được 1 viên",
        at=local(2025, 3, 2, 7, 10),
    )
    dose = next(
        d
        for d in nursing.worklist(store, nurse, department_id=ward.department_id, now=NOW)
        if d.order_id == twice and d.due_at == local(2025, 3, 2, 7, 0)
    )
    assert dose.status == DoseStatus.PARTIAL
    with pytest.raises(ValidationError) as error:
        nursing.record_administration(
            store,
            nurse,
            order_id=twice,
            scheduled_for=local(2025, 3, 2, 19, 0),
            outcome="given",
            dose=Decimal(3),
            at=local(2025, 3, 2, 19, 0),
        )
    assert (error.value.field, error.value.rule) == ("dose", "above_ordered")
    with pytest.raises(ValidationError) as error:
        nursing.record_administration(
            store,
            nurse,
            order_id=twice,
            scheduled_for=local(2025, 3, 2, 19, 30),
            outcome="given",
            at=local(2025, 3, 2, 19, 30),
        )
    assert (error.value.field, error.value.rule) == ("scheduled_for", "schedule")


def _audit_actions(store: Store) -> list[tuple[str, str]]:
    with store.unit_of_work(user_id=None) as uow:
        rows = uow.conn.exec_driver_sql(
            "SELECT action, detail FROM audit_log ORDER BY seq"
        ).fetchall()
    return [(r[0], r[1]) for r in rows]


def test_a_dose_recorded_twice_is_refused_unless_overridden_and_the_override_is_audited(
    store: Store, nurse: Session, ward: Ward
) -> None:
    first = nursing.record_administration(
        store,
        nurse,
        order_id=ward.twice_daily,
        scheduled_for=local(2025, 3, 2, 8, 0),
        outcome="given",
        at=local(2025, 3, 2, 8, 5),
    )
    with pytest.raises(DoubleDose) as error:
        nursing.record_administration(
            store,
            nurse,
            order_id=ward.twice_daily,
            scheduled_for=local(2025, 3, 2, 8, 0),
            outcome="given",
            at=local(2025, 3, 2, 8, 20),
        )
    assert (error.value.field, error.value.rule) == ("override_reason", "same_dose")
    assert "08:05 02/03/2025" in error.value.message_vi
    assert "Ceftriaxon" in error.value.message_en
    # Refused: nothing was written.
    assert not [a for a in _audit_actions(store) if a[0] == "administration.override"]
    # Too soon: the evening dose given at 10:00, two hours after the morning one.
    with pytest.raises(DoubleDose) as error:
        nursing.record_administration(
            store,
            nurse,
            order_id=ward.twice_daily,
            scheduled_for=local(2025, 3, 2, 20, 0),
            outcome="given",
            at=local(2025, 3, 2, 10, 0),
        )
    assert error.value.rule == "min_interval"
    assert "11 giờ" in error.value.message_vi
    second = nursing.record_administration(
        store,
        nurse,
        order_id=ward.twice_daily,
        scheduled_for=local(2025, 3, 2, 8, 0),
        outcome="given",
        override_reason="Liều đầu bị đổ, bác sĩ cho dùng lại",
        at=local(2025, 3, 2, 8, 20),
    )
    assert isinstance(second.body, MedicationAdministration)
    assert second.body.reason == "Liều đầu bị đổ, bác sĩ cho dùng lại"
    overrides = [a for a in _audit_actions(store) if a[0] == "administration.override"]
    assert len(overrides) == 1
    assert first.id in overrides[0][1] and "same_dose" in overrides[0][1]
    assert "bị đổ" not in overrides[0][1]
    dose = next(
        d
        for d in nursing.worklist(store, nurse, department_id=ward.department_id, now=NOW)
        if d.order_id == ward.twice_daily and d.due_at == local(2025, 3, 2, 8, 0)
    )
    assert dose.double_dose and len(dose.administrations) == 2


def test_a_held_dose_may_still_be_given_but_not_held_twice(
    store: Store, nurse: Session, ward: Ward
) -> None:
    def record(outcome: str, minute: int) -> None:
        nursing.record_administration(
            store,
            nurse,
            order_id=ward.early,
            scheduled_for=local(2025, 3, 2, 6, 0),
            outcome=outcome,
            reason=None if outcome == "given" else "Bệnh nhân đang ngủ",
            at=local(2025, 3, 2, 6, minute),
        )

    record("held", 0)
    with pytest.raises(DoubleDose):
        record("held", 5)
    record("given", 40)
    with pytest.raises(DoubleDose):
        record("given", 45)


def test_the_as_needed_minimum_interval(store: Store, nurse: Session, ward: Ward) -> None:
    def give(at: datetime, override: str | None = None) -> None:
        nursing.record_administration(
            store,
            nurse,
            order_id=ward.prn,
            scheduled_for=None,
            outcome="given",
            override_reason=override,
            at=at,
        )

    give(local(2025, 3, 2, 1, 0))
    with pytest.raises(DoubleDose):
        give(local(2025, 3, 2, 4, 0))
    give(local(2025, 3, 2, 4, 0), override="Sốt 40 °C, bác sĩ trực đồng ý")
    give(local(2025, 3, 2, 9, 0))
    with pytest.raises(ValidationError) as error:
        nursing.record_administration(
            store,
            nurse,
            order_id=ward.prn,
            scheduled_for=local(2025, 3, 2, 9, 0),
            outcome="given",
            at=NOW,
        )
    assert error.value.rule == "as_needed"


def test_wristbands_find_the_patient_by_code_or_typed_record_number(
    store: Store, nurse: Session, ward: Ward
) -> None:
    code = nursing.wristband_code(ward.patient)
    assert code == f"BN{ward.patient.mrn}"
    assert nursing.patient_for_wristband(store, nurse, code).id == ward.patient.id
    assert nursing.patient_for_wristband(store, nurse, f" {ward.patient.mrn}\n").id == (
        ward.patient.id
    )
    assert nursing.patient_for_wristband(store, nurse, ward.patient.mrn.lstrip("0")).id == (
        ward.patient.id
    )
    with pytest.raises(ValidationError) as error:
        nursing.patient_for_wristband(store, nurse, "  ")
    assert error.value.field == "wristband"


def test_the_wrong_wristband_is_refused_without_naming_the_other_patient(
    store: Store, nurse: Session, ward: Ward
) -> None:
    assert (
        nursing.check_wristband(
            store, nurse, patient_id=ward.patient.id, code=nursing.wristband_code(ward.patient)
        ).id
        == ward.patient.id
    )
    with pytest.raises(WrongPatient) as error:
        nursing.check_wristband(
            store, nurse, patient_id=ward.patient.id, code=nursing.wristband_code(ward.other)
        )
    assert (error.value.field, error.value.rule) == ("wristband", "same_patient")
    for message in (error.value.message_vi, error.value.message_en):
        assert ward.other.mrn in message and ward.patient.mrn in message
        assert "Mai" not in message and "Hoa" not in message
    assert any(a[0] == "nursing.wrong_patient" for a in _audit_actions(store))


def test_scanning_the_drug_selects_the_dose_due(store: Store, nurse: Session, ward: Ward) -> None:
    dose = nursing.select_dose(
        store, nurse, patient_id=ward.patient.id, drug_code_or_barcode=" t0040 ", now=NOW
    )
    assert (dose.order_id, dose.due_at, dose.status) == (
        ward.twice_daily,
        local(2025, 3, 2, 8, 0),
        DoseStatus.DUE,
    )
    prn = nursing.select_dose(
        store, nurse, patient_id=ward.patient.id, drug_code_or_barcode="T0001", now=NOW
    )
    assert prn.as_needed and prn.order_id == ward.prn


def test_a_wrong_drug_is_refused_naming_the_drug_scanned_and_the_drugs_due(
    store: Store, nurse: Session, ward: Ward
) -> None:
    with pytest.raises(WrongDrug) as error:
        nursing.select_dose(
            store, nurse, patient_id=ward.patient.id, drug_code_or_barcode="T0090", now=NOW
        )
    assert (error.value.field, error.value.rule) == ("drug", "ordered")
    assert "Amlodipin 5 mg (T0090)" in error.value.message_vi
    assert "Ceftriaxon 1 g" in error.value.message_en
    assert ward.patient.mrn in error.value.message_en
    assert "Hoa" not in error.value.message_en
    # Another patient's wristband scanned where a drug was expected.
    with pytest.raises(WrongDrug) as error:
        nursing.select_dose(
            store,
            nurse,
            patient_id=ward.patient.id,
            drug_code_or_barcode=nursing.wristband_code(ward.other),
            now=NOW,
        )
    assert "vòng tay" in error.value.message_vi
    # The other patient's drugs are not this one's.
    with pytest.raises(WrongDrug):
        nursing.select_dose(
            store, nurse, patient_id=ward.other.id, drug_code_or_barcode="T0040", now=NOW
        )


def test_a_drug_ordered_but_not_due_says_when_it_is(
    store: Store, nurse: Session, ward: Ward
) -> None:
    nursing.record_administration(
        store,
        nurse,
        order_id=ward.twice_daily,
        scheduled_for=local(2025, 3, 2, 8, 0),
        outcome="given",
        at=local(2025, 3, 2, 8, 5),
    )
    with pytest.raises(NotDue) as error:
        nursing.select_dose(
            store,
            nurse,
            patient_id=ward.patient.id,
            drug_code_or_barcode="T0040",
            now=local(2025, 3, 2, 9, 0),
        )
    assert "08:05 02/03/2025" in error.value.message_vi
    assert "20:00 02/03/2025" in error.value.message_en


def test_the_mar_grid_of_a_day(store: Store, doctor: Session, nurse: Session, ward: Ward) -> None:
    nursing.record_administration(
        store,
        nurse,
        order_id=ward.night,
        scheduled_for=local(2025, 3, 2, 2, 0),
        outcome="given",
        at=local(2025, 3, 2, 2, 10),
    )
    nursing.record_administration(
        store,
        nurse,
        order_id=ward.prn,
        scheduled_for=None,
        outcome="given",
        at=local(2025, 3, 2, 3, 0),
    )
    nursing.stop_medication_order(
        store,
        doctor,
        order_id=ward.early,
        reason="Hết đau thượng vị",
        sign_password=STAFF_PASSWORD,
        at=local(2025, 3, 2, 12, 0),
    )
    grid = nursing.mar_grid(store, nurse, patient_id=ward.patient.id, day=date(2025, 3, 2), now=NOW)
    assert grid.times == ("02:00", "06:00", "08:00", "20:00", "22:00")
    rows = {r.drug_code: r for r in grid.rows}
    assert list(rows) == ["T0040", "T0044", "T0068", "T0001"]
    assert [(c.time, c.status) for c in rows["T0044"].cells] == [
        ("02:00", DoseStatus.GIVEN),
        ("22:00", DoseStatus.UPCOMING),
    ]
    assert [(c.time, c.status) for c in rows["T0040"].cells] == [
        ("08:00", DoseStatus.DUE),
        ("20:00", DoseStatus.UPCOMING),
    ]
    assert rows["T0068"].stopped and not rows["T0040"].stopped
    assert [a.at for a in rows["T0001"].prn] == [local(2025, 3, 2, 3, 0)]
    later = nursing.mar_grid(
        store, nurse, patient_id=ward.patient.id, day=date(2025, 3, 3), now=NOW
    )
    assert "T0068" not in {r.drug_code for r in later.rows}
    first_day = nursing.mar_grid(store, nurse, patient_id=ward.patient.id, day=START, now=NOW)
    assert first_day.times == ("06:00", "08:00", "20:00", "22:00")


def test_the_handover_of_a_shift(store: Store, doctor: Session, nurse: Session, ward: Ward) -> None:
    nursing.record_administration(
        store,
        nurse,
        order_id=ward.night,
        scheduled_for=local(2025, 3, 1, 22, 0),
        outcome="given",
        at=local(2025, 3, 1, 22, 5),
    )
    nursing.record_administration(
        store,
        nurse,
        order_id=ward.prn,
        scheduled_for=None,
        outcome="given",
        at=local(2025, 3, 2, 3, 0),
    )
    nursing.record_administration(
        store,
        nurse,
        order_id=ward.twice_daily,
        scheduled_for=local(2025, 3, 1, 20, 0),
        outcome="held",
        reason="Chờ kết quả cấy máu",
        at=local(2025, 3, 1, 20, 0),
    )
    clinical.record_event(
        store,
        nurse,
        patient_id=ward.patient.id,
        encounter_id=ward.stay_id,
        body=VitalSigns(measurements=(Measurement("temperature", Decimal("38.6"), "°C"),)),
        effective_at=local(2025, 3, 2, 5, 0),
    )
    report = nursing.handover(
        store,
        nurse,
        department_id=ward.department_id,
        start=local(2025, 3, 1, 19, 0),
        end=local(2025, 3, 2, 7, 0),
        now=local(2025, 3, 2, 7, 5),
    )
    assert [p.patient_id for p in report.patients] == [ward.patient.id, ward.other.id]
    mine = report.patients[0]
    assert mine.bed_code == "G1"
    assert [d.due_at for d in mine.given] == [local(2025, 3, 1, 22, 0)]
    assert [d.due_at for d in mine.held] == [local(2025, 3, 1, 20, 0)]
    assert [d.due_at for d in mine.missed] == [local(2025, 3, 2, 2, 0)]
    assert [d.due_at for d in mine.overdue] == [local(2025, 3, 2, 6, 0)]
    assert [a.at for a in mine.prn_given] == [local(2025, 3, 2, 3, 0)]
    assert mine.latest_vitals is not None
    assert mine.latest_vitals.value("temperature") == Decimal("38.6")
    assert mine.latest_vitals_at == local(2025, 3, 2, 5, 0)
    assert report.patients[1].given == () and report.patients[1].latest_vitals is None


def test_new_and_stopped_orders_in_the_handover(
    store: Store, doctor: Session, nurse: Session, ward: Ward
) -> None:
    # The fixture's orders were written moments ago (their creation time is the wall
    # clock's): a two-hour window around now holds them, whatever the time of day.
    now = utc_now()  # to the millisecond, as stored
    stop = nursing.stop_medication_order(
        store,
        doctor,
        order_id=ward.early,
        reason="Hết đau",
        sign_password=STAFF_PASSWORD,
        at=now,
    )
    report = nursing.handover(
        store,
        nurse,
        department_id=ward.department_id,
        start=now - timedelta(hours=1),
        end=now + timedelta(hours=1),
        now=now,
    )
    mine = report.patients[0]
    assert {o.order_id for o in mine.new_orders} == {
        ward.twice_daily,
        ward.early,
        ward.night,
        ward.prn,
    }
    assert [(o.order_id, o.by_name) for o in mine.stopped_orders] == [(ward.early, "Trần Thị Lan")]
    assert mine.stopped_orders[0].at == stop.effective_at


def test_the_booth_lists_outpatient_injections_of_their_course(
    store: Store, doctor: Session, nurse: Session
) -> None:
    patient = patients.register_patient(
        store, doctor, full_name="Đỗ Văn Bình", sex="male", date_of_birth="1980"
    )
    visit = clinical.start_encounter(
        store, doctor, patient_id=patient.id, kind=EncounterKind.OUTPATIENT
    )
    written = local(2025, 3, 1, 9, 30)
    rx = clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        effective_at=written,
        sign_password=STAFF_PASSWORD,
        body=Prescription(
            items=(
                PrescriptionItem(
                    drug_code="T0044",
                    drug_name="Gentamicin 80 mg/2 ml",
                    dosage="Tiêm bắp: ngày 1 lần, mỗi lần 1 ống",
                    quantity=Decimal(3),
                    unit="ống",
                    days=3,
                    route="im",
                ),
                PrescriptionItem(
                    drug_code="T0001",
                    drug_name="Paracetamol 500 mg",
                    dosage="Uống: ngày 2 lần, mỗi lần 1 viên",
                    quantity=Decimal(6),
                    unit="viên",
                    days=3,
                ),
            )
        ),
    )
    booth = nursing.worklist(store, nurse, booth=True, now=local(2025, 3, 2, 15, 0))
    assert [(d.order_id, d.due_at, d.status, d.booth) for d in booth] == [
        (f"{rx.id}/T0044", local(2025, 3, 2, 7, 0), DoseStatus.DUE, True)
    ]
    assert (booth[0].dose, booth[0].dose_unit, booth[0].mrn) == (Decimal(1), "ống", patient.mrn)
    nursing.record_administration(
        store,
        nurse,
        order_id=booth[0].order_id,
        scheduled_for=booth[0].due_at,
        outcome="given",
        wristband_scanned=True,
        at=local(2025, 3, 2, 15, 5),
    )
    again = nursing.worklist(store, nurse, booth=True, now=local(2025, 3, 2, 15, 10))
    assert again[0].status == DoseStatus.GIVEN
    # The course is over after three days; the evening before the first, nothing is due.
    assert nursing.worklist(store, nurse, booth=True, now=local(2025, 3, 4, 9, 0)) == []
    assert nursing.worklist(store, nurse, booth=True, now=local(2025, 2, 28, 9, 0)) == []
    # Not the booth's: a prescription of an inpatient stay.
    dose = nursing.select_dose(
        store,
        nurse,
        patient_id=patient.id,
        drug_code_or_barcode="T0044",
        now=local(2025, 3, 3, 8, 0),
    )
    assert dose.due_at == local(2025, 3, 3, 7, 0)


def test_the_worklist_needs_a_ward_or_the_booth_and_chart_access(
    store: Store, registrar: Session, nurse: Session, ward: Ward
) -> None:
    with pytest.raises(ValidationError):
        nursing.worklist(store, nurse, now=NOW)
    with pytest.raises(ValidationError):
        nursing.worklist(store, nurse, department_id=ward.department_id, booth=True, now=NOW)
    with pytest.raises(PermissionDenied):
        nursing.worklist(store, registrar, department_id=ward.department_id, now=NOW)
    with pytest.raises(PermissionDenied):
        nursing.record_administration(
            store,
            registrar,
            order_id=ward.twice_daily,
            scheduled_for=local(2025, 3, 2, 8, 0),
            outcome="given",
        )
    nursing.worklist(store, nurse, department_id=ward.department_id, now=NOW)
    assert any(a[0] == "nursing.worklist" for a in _audit_actions(store))


def test_a_draft_order_cannot_be_given(
    store: Store, doctor: Session, nurse: Session, ward: Ward
) -> None:
    draft = _order(store, doctor, ward.stay_id, "T0077", ("08:00",), signed=False)
    with pytest.raises(ValidationError) as error:
        nursing.record_administration(
            store,
            nurse,
            order_id=draft,
            scheduled_for=local(2025, 3, 2, 8, 0),
            outcome="given",
            at=NOW,
        )
    assert error.value.rule == "in_force"


def _pulled_dose(store: Store, nurse: Session, ward: Ward, order_id: str, at: datetime) -> str:
    """An administration as if another PC had recorded it offline and it came in a pull."""
    event = ClinicalEvent(
        id=new_id(),
        facility_id=nurse.facility_id,
        patient_id=ward.patient.id,
        encounter_id=ward.stay_id,
        effective_at=at,
        created_at=at,
        created_by=nurse.user_id,
        device_id="another-booth-pc",
        body=MedicationAdministration(
            medication_order_id=order_id,
            scheduled_for=local(2025, 3, 2, 8, 0),
            outcome="given",
            dose=Decimal(1),
            dose_unit="lọ",
        ),
    )
    with store.unit_of_work(user_id=None) as uow:
        uow.add_event(event)
        uow.commit()
    return event.id


def test_double_doses_from_another_pc_become_conflicts_once(
    store: Store, doctor: Session, nurse: Session, ward: Ward
) -> None:
    nursing.record_administration(
        store,
        nurse,
        order_id=ward.twice_daily,
        scheduled_for=local(2025, 3, 2, 8, 0),
        outcome="given",
        at=local(2025, 3, 2, 8, 5),
    )
    # A second record on this PC passed the rule by override: not a sync conflict.
    overridden = nursing.record_administration(
        store,
        nurse,
        order_id=ward.twice_daily,
        scheduled_for=local(2025, 3, 2, 8, 0),
        outcome="given",
        override_reason="Liều đầu bị đổ",
        at=local(2025, 3, 2, 8, 15),
    )
    assert nursing.detect_double_doses(store) == 0
    theirs = _pulled_dose(store, nurse, ward, ward.twice_daily, local(2025, 3, 2, 8, 9))
    # One recorded in error on the other PC, then marked so: not a dose.
    wrong = _pulled_dose(store, nurse, ward, ward.twice_daily, local(2025, 3, 2, 8, 30))
    clinical.mark_entered_in_error(store, nurse, wrong, reason="Ghi nhầm")
    # Theirs doubles the first dose; the override, given without knowing of theirs, too.
    assert nursing.detect_double_doses(store) == 2
    assert nursing.detect_double_doses(store) == 0
    found = conflicts.list_conflicts(store, nurse)
    assert [(c.record_id, c.field) for c in found] == [
        (theirs, "double_dose"),
        (overridden.id, "double_dose"),
    ]
    assert {c.winner_value for c in found} == {"08:05 02/03/2025 · 1 lọ · Lê Thị Hoa"}
    assert found[0].loser_value == "08:09 02/03/2025 · 1 lọ · Lê Thị Hoa"
