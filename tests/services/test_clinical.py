"""Recording, signing and correcting clinical events; who may do what."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from tests.conftest import STAFF_PASSWORD

from emr_desktop.core.errors import (
    AuthenticationError,
    ConflictError,
    PermissionDenied,
    ValidationError,
)
from emr_desktop.core.records import (
    ClinicalNote,
    Diagnosis,
    Measurement,
    MedicationAdministration,
    MedicationOrder,
    Patient,
    Prescription,
    PrescriptionItem,
    VitalSigns,
)
from emr_desktop.services import chart, clinical, patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store


@pytest.fixture
def patient(store: Store, registrar: Session) -> Patient:
    return patients.register_patient(
        store,
        registrar,
        full_name="Phan Văn Đức",
        sex="male",
        date_of_birth="1958-09-02",
        cccd="038058001122",
    )


def _prescription() -> Prescription:
    return Prescription(
        items=(
            PrescriptionItem(
                drug_code="T0001",
                drug_name="Paracetamol 500 mg",
                dosage="1 viên x 3 lần/ngày",
                quantity=Decimal(15),
                unit="viên",
                days=5,
            ),
        ),
        diagnosis_codes=("J20.9",),
    )


def test_signing_needs_the_password_and_freezes_the_record(
    store: Store, doctor: Session, patient: Patient
) -> None:
    draft = clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        body=ClinicalNote(note_type="progress", text="Ho 3 ngày"),
    )
    assert draft.status == "draft"
    edited = clinical.edit_draft(
        store, doctor, draft.id, ClinicalNote(note_type="progress", text="Ho khan 3 ngày")
    )
    with pytest.raises(AuthenticationError):
        clinical.sign_event(store, doctor, draft.id, "wrong password")
    signed = clinical.sign_event(store, doctor, draft.id, STAFF_PASSWORD)
    assert signed.status == "signed" and signed.signed_by == doctor.user_id
    assert signed.signed_at is not None
    assert signed.content_hash == edited.content_digest()
    with pytest.raises(ConflictError):
        clinical.edit_draft(
            store, doctor, draft.id, ClinicalNote(note_type="progress", text="changed")
        )
    with pytest.raises(ConflictError):
        clinical.sign_event(store, doctor, draft.id, STAFF_PASSWORD)


def test_signature_hash_covers_the_content(store: Store, doctor: Session, patient: Patient) -> None:
    event = clinical.record_event(
        store, doctor, patient_id=patient.id, body=_prescription(), sign_password=STAFF_PASSWORD
    )
    stored = chart.full_event(store, doctor, event.id)
    assert stored.content_hash == stored.content_digest()
    from dataclasses import replace

    tampered = replace(stored, body=replace(_prescription(), advice="x"))
    assert tampered.content_digest() != stored.content_hash


def test_corrections_leave_the_original_alone(
    store: Store, doctor: Session, patient: Patient
) -> None:
    original = clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        body=Diagnosis(icd10="J20.9"),
        sign_password=STAFF_PASSWORD,
    )
    amended = clinical.amend_event(
        store,
        doctor,
        original.id,
        body=Diagnosis(icd10="J18.9"),
        reason="X-quang có đám mờ",
        sign_password=STAFF_PASSWORD,
    )
    wrong = clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        body=ClinicalNote(note_type="progress", text="nhầm BN"),
        sign_password=STAFF_PASSWORD,
    )
    clinical.mark_entered_in_error(store, doctor, wrong.id, reason="Ghi nhầm bệnh nhân")
    result = chart.open_chart(store, doctor, patient.id)
    assert len(result.events) == 4
    assert chart.full_event(store, doctor, original.id) == original
    current = result.current_events()
    assert [e.id for e in current] == [amended.id]
    assert current[0].body["icd10"] == "J18.9" and current[0].corrects == original.id
    with pytest.raises(ValidationError):
        clinical.amend_event(
            store,
            doctor,
            original.id,
            body=ClinicalNote(note_type="progress", text="x"),
            reason="r",
        )


def test_nurse_cannot_sign_a_prescription(
    store: Store, doctor: Session, nurse: Session, patient: Patient
) -> None:
    draft = clinical.record_event(store, doctor, patient_id=patient.id, body=_prescription())
    with pytest.raises(PermissionDenied) as info:
        clinical.sign_event(store, nurse, draft.id, STAFF_PASSWORD)
    assert "prescription.sign" in info.value.message_en
    with pytest.raises(PermissionDenied):
        clinical.record_event(store, nurse, patient_id=patient.id, body=_prescription())


def test_nurse_writes_nursing_notes_and_vitals_only(
    store: Store, nurse: Session, patient: Patient
) -> None:
    clinical.record_event(
        store,
        nurse,
        patient_id=patient.id,
        body=ClinicalNote(note_type="nursing", text="Tỉnh, ăn được"),
        sign_password=STAFF_PASSWORD,
    )
    clinical.record_event(
        store,
        nurse,
        patient_id=patient.id,
        body=VitalSigns(measurements=(Measurement("temperature", Decimal("37.8"), "°C"),)),
        sign_password=STAFF_PASSWORD,
    )
    with pytest.raises(PermissionDenied):
        clinical.record_event(
            store, nurse, patient_id=patient.id, body=ClinicalNote(note_type="progress", text="x")
        )
    with pytest.raises(PermissionDenied):
        clinical.record_event(store, nurse, patient_id=patient.id, body=Diagnosis(icd10="I10"))


def test_registrar_cannot_read_notes(
    store: Store, doctor: Session, registrar: Session, patient: Patient
) -> None:
    note = clinical.record_event(
        store, doctor, patient_id=patient.id, body=ClinicalNote(note_type="progress", text="Bí mật")
    )
    with pytest.raises(PermissionDenied):
        chart.open_chart(store, registrar, patient.id)
    with pytest.raises(PermissionDenied):
        chart.full_event(store, registrar, note.id)
    assert patients.get_patient(store, registrar, patient.id).id == patient.id


def test_only_the_author_edits_a_draft(
    store: Store, doctor: Session, admin: Session, patient: Patient
) -> None:
    from emr_desktop.services import auth

    auth.add_user(
        store,
        admin,
        username="bs.hai",
        role="doctor",
        full_name="Ngô Văn Hải",
        password=STAFF_PASSWORD,
    )
    other = auth.login(store, "bs.hai", STAFF_PASSWORD)
    draft = clinical.record_event(
        store, doctor, patient_id=patient.id, body=ClinicalNote(note_type="progress", text="a")
    )
    with pytest.raises(PermissionDenied):
        clinical.edit_draft(store, other, draft.id, ClinicalNote(note_type="progress", text="b"))
    signed = clinical.sign_event(store, other, draft.id, STAFF_PASSWORD)
    assert signed.signed_by == other.user_id and signed.created_by == doctor.user_id


def test_encounter_course_admission_transfer_discharge(
    store: Store, doctor: Session, patient: Patient
) -> None:
    stay = clinical.start_encounter(
        store,
        doctor,
        patient_id=patient.id,
        kind="inpatient",
        department_id="noi",
        bed_id="B12",
        reason="Khó thở",
    )
    moved = clinical.transfer_patient(store, doctor, stay.id, department_id="hstc", bed_id="H02")
    assert moved.department_id == "hstc"
    done = clinical.discharge_patient(store, doctor, stay.id, treatment_result="2")
    assert done.status == "finished" and done.ended_at is not None and done.bed_id is None
    with pytest.raises(ConflictError):
        clinical.transfer_patient(store, doctor, stay.id, department_id="noi")
    result = chart.open_chart(store, doctor, patient.id)
    assert [e.body["movement"] for e in result.events] == ["admission", "transfer", "discharge"]


def test_event_on_another_patients_encounter_is_refused(
    store: Store, doctor: Session, registrar: Session, patient: Patient
) -> None:
    other = patients.register_patient(store, registrar, full_name="Tạ Thị Mơ", sex="female")
    visit = clinical.start_encounter(store, doctor, patient_id=other.id, kind="outpatient")
    with pytest.raises(ValidationError) as info:
        clinical.record_event(
            store, doctor, patient_id=patient.id, encounter_id=visit.id, body=Diagnosis(icd10="I10")
        )
    assert info.value.field == "encounter_id"


def test_lab_result_flags_and_ranges_from_the_catalogue(
    store: Store, doctor: Session, patient: Patient
) -> None:
    low = clinical.record_lab_result(
        store, doctor, patient_id=patient.id, test_code="XN0103", value="98"
    )
    assert low.body.flag == "low"  # type: ignore[attr-defined]
    assert low.body.ref_low == Decimal(130)  # type: ignore[attr-defined]
    assert low.body.loinc == "718-7"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        clinical.record_lab_result(
            store, doctor, patient_id=patient.id, test_code="NOPE", value="1"
        )


def test_medication_order_and_administration(
    store: Store, doctor: Session, nurse: Session, patient: Patient
) -> None:
    order = clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        body=MedicationOrder(
            drug_code="T0010",
            drug_name="Ceftriaxone 1 g",
            dose=Decimal(1),
            dose_unit="lọ",
            route="iv",
            times=("08:00", "20:00"),
            start_date=date(2026, 11, 21),
            days=7,
        ),
        sign_password=STAFF_PASSWORD,
    )
    given = clinical.record_event(
        store,
        nurse,
        patient_id=patient.id,
        body=MedicationAdministration(
            medication_order_id=order.id,
            scheduled_for=None,
            outcome="given",
            dose=Decimal(1),
            dose_unit="lọ",
            wristband_scanned=True,
        ),
        sign_password=STAFF_PASSWORD,
    )
    assert given.status == "signed"
    with pytest.raises(ValidationError):
        MedicationAdministration(
            medication_order_id=order.id, scheduled_for=None, outcome="refused"
        )


def test_attachments_are_kept_inside_the_store(
    store: Store, doctor: Session, patient: Patient
) -> None:
    data = b"%PDF-1.4 giay chuyen vien"
    event = clinical.attach_document(
        store,
        doctor,
        patient_id=patient.id,
        title="Giấy chuyển viện",
        media_type="application/pdf",
        data=data,
    )
    assert clinical.read_attachment(store, doctor, event.id) == data


def test_allergy_and_problem_show_in_the_chart(
    store: Store, doctor: Session, patient: Patient
) -> None:
    clinical.add_allergy(
        store,
        doctor,
        patient_id=patient.id,
        substance="Penicillin",
        reaction="Mề đay",
        severity="severe",
    )
    clinical.add_problem(
        store, doctor, patient_id=patient.id, icd10="i10", description="Tăng huyết áp"
    )
    result = chart.open_chart(store, doctor, patient.id)
    assert result.allergies[0].substance == "Penicillin"
    assert result.problems[0].icd10 == "I10"
    with pytest.raises(ValidationError):
        clinical.add_problem(store, doctor, patient_id=patient.id, icd10="X99.99", description="?")


def test_consultation_is_saved_whole_or_not_at_all(
    store: Store, doctor: Session, patient: Patient
) -> None:
    visit = clinical.start_encounter(store, doctor, patient_id=patient.id, kind="outpatient")
    bodies = [
        VitalSigns(measurements=(Measurement("pulse", Decimal(88), "/min"),)),
        ClinicalNote(note_type="progress", text="Ho, sốt 2 ngày"),
        Diagnosis(icd10="J20.9"),
        _prescription(),
    ]
    events = clinical.save_consultation(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        bodies=bodies,
        sign_password=STAFF_PASSWORD,
    )
    assert [e.status for e in events] == ["signed"] * 4
    assert all(e.content_hash == e.content_digest() for e in events)
    with pytest.raises(AuthenticationError):
        clinical.save_consultation(
            store,
            doctor,
            patient_id=patient.id,
            encounter_id=visit.id,
            bodies=bodies,
            sign_password="wrong",
        )
    assert len(chart.open_chart(store, doctor, patient.id).events) == 4


def _audit_rows(store: Store, action: str) -> list[tuple[str, str, str]]:
    with store.unit_of_work(user_id=None) as uow:
        rows = uow.conn.exec_driver_sql(
            "SELECT target_id, patient_id, detail FROM audit_log WHERE action = ? ORDER BY seq",
            (action,),
        ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]


def test_allergy_inactive_then_entered_in_error(
    store: Store, doctor: Session, nurse: Session, patient: Patient
) -> None:
    allergy = clinical.add_allergy(
        store, doctor, patient_id=patient.id, substance="Amoxicilin", drug_code="T0021"
    )
    inactive = clinical.set_allergy_status(store, nurse, allergy_id=allergy.id, status="inactive")
    assert inactive.status == "inactive"
    [stored] = chart.open_chart(store, doctor, patient.id).allergies
    assert stored.status == "inactive" and stored.substance == "Amoxicilin"
    with pytest.raises(ConflictError):
        clinical.set_allergy_status(store, doctor, allergy_id=allergy.id, status="inactive")

    with pytest.raises(ValidationError) as missing:
        clinical.set_allergy_status(store, doctor, allergy_id=allergy.id, status="entered_in_error")
    assert missing.value.field == "reason" and missing.value.rule == "required"
    with pytest.raises(ValidationError) as free_text:
        clinical.set_allergy_status(
            store, doctor, allergy_id=allergy.id, status="entered_in_error", reason="nhầm"
        )
    assert free_text.value.field == "reason" and free_text.value.rule == "choice"
    clinical.set_allergy_status(
        store, doctor, allergy_id=allergy.id, status="entered_in_error", reason="wrong_patient"
    )
    [stored] = chart.open_chart(store, doctor, patient.id).allergies
    assert stored.status == "entered_in_error"
    # Entered in error is final: the record stays as it is.
    with pytest.raises(ConflictError):
        clinical.set_allergy_status(store, doctor, allergy_id=allergy.id, status="inactive")

    rows = _audit_rows(store, "allergy.status")
    assert [(target, pid) for target, pid, _ in rows] == [(allergy.id, patient.id)] * 2
    assert json.loads(rows[0][2]) == {"from": "active", "to": "inactive", "reason": None}
    assert json.loads(rows[1][2]) == {
        "from": "inactive",
        "to": "entered_in_error",
        "reason": "wrong_patient",
    }


def test_allergy_status_choices_and_permission(
    store: Store, doctor: Session, registrar: Session, patient: Patient
) -> None:
    allergy = clinical.add_allergy(store, doctor, patient_id=patient.id, substance="Hải sản")
    with pytest.raises(ValidationError) as back:
        clinical.set_allergy_status(store, doctor, allergy_id=allergy.id, status="active")
    assert back.value.field == "status"
    with pytest.raises(PermissionDenied):
        clinical.set_allergy_status(store, registrar, allergy_id=allergy.id, status="inactive")
    assert chart.open_chart(store, doctor, patient.id).allergies[0].status == "active"
    assert _audit_rows(store, "allergy.status") == []


def test_problem_resolved_or_entered_in_error(
    store: Store, doctor: Session, nurse: Session, patient: Patient
) -> None:
    hypertension = clinical.add_problem(
        store, doctor, patient_id=patient.id, icd10="I10", description="Tăng huyết áp"
    )
    diabetes = clinical.add_problem(
        store, doctor, patient_id=patient.id, icd10="E11", description="Đái tháo đường típ 2"
    )
    with pytest.raises(PermissionDenied):
        clinical.set_problem_status(store, nurse, problem_id=hypertension.id, status="resolved")
    resolved = clinical.set_problem_status(
        store, doctor, problem_id=hypertension.id, status="resolved"
    )
    assert resolved.status == "resolved"
    with pytest.raises(ValidationError) as wrong:
        clinical.set_problem_status(store, doctor, problem_id=diabetes.id, status="inactive")
    assert wrong.value.field == "status"
    with pytest.raises(ValidationError):
        clinical.set_problem_status(
            store, doctor, problem_id=diabetes.id, status="entered_in_error"
        )
    clinical.set_problem_status(
        store, doctor, problem_id=diabetes.id, status="entered_in_error", reason="duplicate"
    )
    statuses = {p.icd10: p.status for p in chart.open_chart(store, doctor, patient.id).problems}
    assert statuses == {"I10": "resolved", "E11": "entered_in_error"}
    assert [target for target, _, _ in _audit_rows(store, "problem.status")] == [
        hypertension.id,
        diabetes.id,
    ]
