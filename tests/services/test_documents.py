"""Printed documents: the letterhead, what a document is drawn from, what can be printed,
and the audit of preparing, printing and exporting."""

from __future__ import annotations

import json
import os
import stat
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import STAFF_PASSWORD

from emr_desktop.core.documents import DocumentKind
from emr_desktop.core.errors import PermissionDenied, ValidationError
from emr_desktop.core.records import (
    ClinicalEvent,
    ClinicalNote,
    Diagnosis,
    EncounterKind,
    Facility,
    ImagingReport,
    LabResult,
    Measurement,
    MedicationAdministration,
    MedicationOrder,
    Order,
    Patient,
    Prescription,
    VitalSigns,
)
from emr_desktop.core.timeutil import VIETNAM_TZ, to_local, utc_now
from emr_desktop.services import (
    clinical,
    documents,
    duplicates,
    nursing,
    patients,
    prescribing,
    wards,
)
from emr_desktop.services.auth import Session
from emr_desktop.services.prescribing import ItemRequest
from emr_desktop.store.store import Store


def _png() -> bytes:
    """A real 1×1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _audit(store: Store, action: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT user_id, target_kind, target_id, patient_id, detail FROM audit_log "
            "WHERE action = ? ORDER BY seq",
            (action,),
        ).all()
    return [
        {
            "user_id": r[0],
            "target_kind": r[1],
            "target_id": r[2],
            "patient_id": r[3],
            "detail": json.loads(r[4]),
        }
        for r in rows
    ]


# ------------------------------------------------------------------ letterhead


def test_the_letterhead_is_set_by_the_administrator_and_read_by_everyone(
    store: Store, admin: Session, doctor: Session, registrar: Session
) -> None:
    logo = _png()
    updated = documents.update_letterhead(
        store,
        admin,
        parent_name="  SỞ Y TẾ   TỈNH HÀ NAM ",
        address="Đường Trần Hưng Đạo, TT. Quế, H. Kim Bảng, Hà Nam",
        phone="0226 3851 234",
        logo=logo,
    )
    assert updated.parent_name == "SỞ Y TẾ TỈNH HÀ NAM"
    for session in (doctor, registrar, admin):
        letterhead = documents.letterhead(store, session)
        assert letterhead == updated
    assert (letterhead.facility_code, letterhead.facility_name) == (
        "70001",
        "Trung tâm Y tế huyện Thử",
    )
    assert letterhead.phone == "0226 3851 234" and letterhead.logo == logo
    [row] = _audit(store, "facility.letterhead")
    assert row["user_id"] == admin.user_id and row["target_kind"] == "facility"
    assert sorted(row["detail"]["fields"]) == ["address", "logo", "parent_name", "phone"]
    # The change goes to the server like any other edit of the facility record.
    with store.engine.connect() as conn:
        op = conn.exec_driver_sql(
            "SELECT user_id, fields FROM outbox WHERE kind = 'facility' ORDER BY device_seq DESC"
        ).first()
    assert op is not None and op[0] == admin.user_id
    assert sorted(json.loads(op[1])) == ["address", "logo", "parent_name", "phone"]

    cleared = documents.update_letterhead(
        store, admin, parent_name="", address=None, phone="", logo=None
    )
    assert (cleared.parent_name, cleared.address, cleared.phone, cleared.logo) == (
        None,
        None,
        None,
        None,
    )
    assert documents.letterhead(store, doctor) == cleared


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"logo": b"GIF89a\x01\x00\x01\x00"}, "logo", "image"),
        ({"logo": b"\xff\xd8\xff" + bytes(256 * 1024)}, "logo", "max_size"),
        ({"logo": b""}, "logo", "required"),
        ({"phone": "0126 385 1234"}, "phone", "prefix"),
        ({"phone": "0226 3851 234 / 0226 3851 235"}, "phone", "max_length"),
        ({"parent_name": "S" * 256}, "parent_name", "max_length"),
        ({"address": "đường " * 100}, "address", "max_length"),
    ],
)
def test_a_bad_letterhead_names_the_field_and_changes_nothing(
    store: Store, admin: Session, change: dict[str, Any], field: str, rule: str
) -> None:
    before = documents.letterhead(store, admin)
    values: dict[str, Any] = {"parent_name": "SỞ Y TẾ", "address": None, "phone": None}
    with pytest.raises(ValidationError) as info:
        documents.update_letterhead(store, admin, **{**values, "logo": None, **change})
    assert (info.value.field, info.value.rule) == (field, rule)
    assert documents.letterhead(store, admin) == before
    assert _audit(store, "facility.letterhead") == []


def test_a_jpeg_logo_is_accepted_and_a_stored_logo_is_checked_again(
    store: Store, admin: Session
) -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64) + b"\xff\xd9"
    letterhead = documents.update_letterhead(
        store, admin, parent_name=None, address=None, phone=None, logo=jpeg
    )
    assert letterhead.logo == jpeg
    with store.unit_of_work(user_id=admin.user_id) as uow:
        facility = uow.get(Facility, admin.facility_id)
    # A value that arrives by sync is a record like any other: it is validated on reading.
    with pytest.raises(ValidationError) as info:
        Facility(**{**facility.__dict__, "logo": "not base64!"})
    assert (info.value.field, info.value.rule) == ("logo", "base64")


def test_only_the_administrator_sets_the_letterhead(store: Store, doctor: Session) -> None:
    with pytest.raises(PermissionDenied):
        documents.update_letterhead(
            store, doctor, parent_name="SỞ Y TẾ", address=None, phone=None, logo=None
        )


# ------------------------------------------------------------------ a chart to print from


@dataclass
class History:
    patient: Patient
    visit_id: str
    stay_id: str
    open_stay_id: str
    vitals: ClinicalEvent
    note: ClinicalEvent
    prescription: ClinicalEvent
    lab: ClinicalEvent
    imaging_order: ClinicalEvent
    imaging: ClinicalEvent
    medication_order: ClinicalEvent
    administration: ClinicalEvent
    department_id: str
    bed_id: str


def _chest_xray(findings: str, conclusion: str, order_id: str) -> ImagingReport:
    return ImagingReport(
        service_code="HA0001",
        modality="CR",
        findings=findings,
        conclusion=conclusion,
        order_id=order_id,
    )


def _draft_prescription(
    store: Store, doctor: Session, patient_id: str, encounter_id: str | None
) -> ClinicalEvent:
    """An unsigned prescription of one drug."""
    return prescribing.prescribe(
        store,
        doctor,
        patient_id=patient_id,
        encounter_id=encounter_id,
        items=[ItemRequest("T0001", Decimal(1), 3, 5)],
    )


def _local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM_TZ).astimezone(UTC)


@pytest.fixture
def history(store: Store, admin: Session, doctor: Session, nurse: Session) -> History:
    department = wards.add_department(store, admin, code="NOI", name="Khoa Nội")
    bed = wards.add_bed(store, admin, department_id=department.id, code="G12")
    patient = patients.register_patient(
        store,
        doctor,
        full_name="Phan Văn Đức",
        sex="male",
        date_of_birth="1958-09-02",
        cccd="038058001122",
    )
    clinical.add_allergy(store, doctor, patient_id=patient.id, substance="Aspirin")
    clinical.add_problem(
        store, doctor, patient_id=patient.id, icd10="I10", description="Tăng huyết áp"
    )
    visit = clinical.start_encounter(
        store,
        doctor,
        patient_id=patient.id,
        kind=EncounterKind.OUTPATIENT,
        reason="Ho, sốt",
        started_at=_local(2026, 11, 21, 8, 0),
    )

    def record(body: Any, encounter_id: str | None, session: Session = doctor) -> ClinicalEvent:
        return clinical.record_event(
            store,
            session,
            patient_id=patient.id,
            body=body,
            encounter_id=encounter_id,
            sign_password=STAFF_PASSWORD,
        )

    vitals = record(
        VitalSigns(measurements=(Measurement("temperature", Decimal("38.5"), "°C"),)), visit.id
    )
    note = record(ClinicalNote(note_type="progress", text="Ho khan 3 ngày"), visit.id)
    record(Diagnosis(icd10="J20.9"), visit.id)
    prescription = prescribing.prescribe(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        items=[ItemRequest("T0001", Decimal(1), 3, 5), ItemRequest("T0021", Decimal(1), 2, 7)],
        diagnosis_codes=["J20.9"],
        sign_password=STAFF_PASSWORD,
    )
    lab = clinical.record_lab_result(
        store, doctor, patient_id=patient.id, test_code="XN0201", value="6.1", encounter_id=visit.id
    )
    imaging_order = record(
        Order(category="imaging", service_code="HA0001", service_name="X-quang ngực thẳng"),
        visit.id,
    )
    imaging = record(
        _chest_xray("Rốn phổi hai bên đậm", "Viêm phế quản", imaging_order.id), visit.id
    )
    clinical.discharge_patient(store, doctor, visit.id, treatment_result="2")

    def admit(started_at: datetime, bed_id: str | None) -> str:
        return clinical.start_encounter(
            store,
            doctor,
            patient_id=patient.id,
            kind=EncounterKind.INPATIENT,
            department_id=department.id,
            bed_id=bed_id,
            started_at=started_at,
        ).id

    stay_id = admit(_local(2026, 11, 2, 9, 0), bed.id)
    medication_order = nursing.order_medication(
        store,
        doctor,
        encounter_id=stay_id,
        drug_code="T0001",
        dose=Decimal(1),
        times=(),
        start_date=_local(2026, 11, 2, 9, 0).date(),
        days=5,
        as_needed=True,
        sign_password=STAFF_PASSWORD,
    )
    administration = nursing.record_administration(
        store,
        nurse,
        order_id=medication_order.id,
        scheduled_for=None,
        outcome="given",
        sign_password=STAFF_PASSWORD,
        at=_local(2026, 11, 3, 14, 0),
    )
    clinical.discharge_patient(
        store, doctor, stay_id, treatment_result="1", ended_at=_local(2026, 11, 9, 10, 0)
    )
    open_stay_id = admit(_local(2026, 11, 20, 9, 0), None)
    return History(
        patient=patient,
        visit_id=visit.id,
        stay_id=stay_id,
        open_stay_id=open_stay_id,
        vitals=vitals,
        note=note,
        prescription=prescription,
        lab=lab,
        imaging_order=imaging_order,
        imaging=imaging,
        medication_order=medication_order,
        administration=administration,
        department_id=department.id,
        bed_id=bed.id,
    )


def _event_count(store: Store, where: str, *params: str) -> int:
    with store.engine.connect() as conn:
        count = conn.exec_driver_sql(
            f"SELECT count(*) FROM clinical_event WHERE {where}",  # noqa: S608
            params,
        ).scalar_one()
    assert isinstance(count, int)
    return count


# ------------------------------------------------------------------ chart extract


def test_the_chart_export_holds_the_whole_chart_with_its_names(
    store: Store, admin: Session, doctor: Session, nurse: Session, history: History
) -> None:
    documents.update_letterhead(
        store, admin, parent_name="SỞ Y TẾ TỈNH HÀ NAM", address=None, phone=None, logo=_png()
    )
    extract = documents.chart_extract(store, doctor, history.patient.id, DocumentKind.CHART_EXPORT)
    assert extract.patient == history.patient
    assert len(extract.events) == _event_count(store, "patient_id = ?", history.patient.id)
    assert all(isinstance(e, ClinicalEvent) for e in extract.events)
    assert [e.effective_at for e in extract.events] == sorted(
        e.effective_at for e in extract.events
    )
    assert {e.id for e in extract.encounters} == {
        history.visit_id,
        history.stay_id,
        history.open_stay_id,
    }
    assert [a.substance for a in extract.allergies] == ["Aspirin"]
    assert [p.icd10 for p in extract.problems] == ["I10"]
    assert extract.letterhead.parent_name == "SỞ Y TẾ TỈNH HÀ NAM"
    assert extract.letterhead.logo == _png()
    assert extract.staff_name(doctor.user_id) == "Trần Thị Lan"
    assert extract.staff_name(nurse.user_id) == "Lê Thị Hoa"
    assert extract.staff_titles[doctor.user_id] == "BS."
    assert extract.staff_titles[nurse.user_id] == "ĐD."
    assert admin.user_id not in extract.staff_titles
    assert extract.departments[history.department_id] == "Khoa Nội"
    assert extract.beds[history.bed_id] == "G12"
    assert extract.printed_by == "Trần Thị Lan"
    assert abs((utc_now() - extract.printed_at).total_seconds()) < 60
    [row] = _audit(store, "document.prepare")
    assert row == {
        "user_id": doctor.user_id,
        "target_kind": "chart_export",
        "target_id": None,
        "patient_id": history.patient.id,
        "detail": {"kind": "chart_export", "events": len(extract.events)},
    }


def test_a_prescription_or_imaging_report_brings_its_encounter(
    store: Store, doctor: Session, history: History
) -> None:
    visit_events = _event_count(store, "encounter_id = ?", history.visit_id)
    extract = documents.chart_extract(
        store, doctor, history.patient.id, DocumentKind.PRESCRIPTION, history.prescription.id
    )
    prescription = extract.event(history.prescription.id).body
    assert isinstance(prescription, Prescription) and len(prescription.items) == 2
    assert prescription.code is not None
    # The encounter's diagnoses and weight are printed on it: its events come too, and
    # nothing of the other encounters.
    assert [e.id for e in extract.encounters] == [history.visit_id]
    assert {e.encounter_id for e in extract.events} == {history.visit_id}
    assert len(extract.events) == visit_events
    diagnoses = [e.body for e in extract.events_of(history.visit_id, Diagnosis.KIND)]
    assert [d.icd10 for d in diagnoses if isinstance(d, Diagnosis)] == ["J20.9"]
    # Allergies and problems come with every document.
    assert [a.substance for a in extract.allergies] == ["Aspirin"]
    assert [p.icd10 for p in extract.problems] == ["I10"]

    report = documents.chart_extract(
        store, doctor, history.patient.id, DocumentKind.IMAGING_REPORT, history.imaging.id
    )
    assert {history.imaging_order.id, history.imaging.id} <= {e.id for e in report.events}
    assert [e.id for e in report.encounters] == [history.visit_id]
    rows = _audit(store, "document.prepare")
    assert [(r["target_kind"], r["target_id"], r["detail"]) for r in rows] == [
        ("prescription", history.prescription.id, {"kind": "prescription", "events": visit_events}),
        ("imaging_report", history.imaging.id, {"kind": "imaging_report", "events": visit_events}),
    ]


def test_an_imaging_report_brings_the_order_it_answers_from_another_visit(
    store: Store, doctor: Session, history: History
) -> None:
    report = clinical.record_event(
        store,
        doctor,
        patient_id=history.patient.id,
        body=_chest_xray("Phổi sáng", "Bình thường", history.imaging_order.id),
    )
    extract = documents.chart_extract(
        store, doctor, history.patient.id, DocumentKind.IMAGING_REPORT, report.id
    )
    assert [e.id for e in extract.events] == [history.imaging_order.id, report.id]
    assert extract.encounters == ()


def test_encounter_documents_bring_the_encounters_events(
    store: Store, doctor: Session, history: History
) -> None:
    pid = history.patient.id
    for kind in (DocumentKind.VISIT_SUMMARY, DocumentKind.LAB_REPORT, DocumentKind.REFERRAL):
        extract = documents.chart_extract(store, doctor, pid, kind, history.visit_id)
        assert {e.encounter_id for e in extract.events} == {history.visit_id}
        assert len(extract.events) == _event_count(store, "encounter_id = ?", history.visit_id)
        assert [e.id for e in extract.encounters] == [history.visit_id]
        assert extract.events_of(history.visit_id, LabResult.KIND)[0].id == history.lab.id
    mar = documents.chart_extract(store, doctor, pid, DocumentKind.MAR, history.stay_id)
    kinds = {e.kind for e in mar.events}
    assert {MedicationOrder.KIND, MedicationAdministration.KIND, "movement"} <= kinds
    assert history.administration.id in {e.id for e in mar.events}
    discharge = documents.chart_extract(store, doctor, pid, DocumentKind.DISCHARGE, history.stay_id)
    assert discharge.encounter(history.stay_id).treatment_result == "1"


@pytest.mark.parametrize(
    ("kind", "target", "rule"),
    [
        (DocumentKind.PRESCRIPTION, "lab", "kind"),
        (DocumentKind.IMAGING_REPORT, "prescription", "kind"),
        (DocumentKind.PRESCRIPTION, "visit", "unknown"),
        (DocumentKind.PRESCRIPTION, "0190a0a0-0000-7000-8000-000000000000", "unknown"),
        (DocumentKind.VISIT_SUMMARY, "prescription", "unknown"),
        (DocumentKind.PRESCRIPTION, None, "required"),
        (DocumentKind.REFERRAL, "", "required"),
        (DocumentKind.CHART_EXPORT, "visit", "none"),
        (DocumentKind.DISCHARGE, "visit", "inpatient"),
        (DocumentKind.MAR, "visit", "inpatient"),
        (DocumentKind.DISCHARGE, "open_stay", "finished"),
    ],
)
def test_a_wrong_target_names_target_id(
    store: Store,
    doctor: Session,
    history: History,
    kind: DocumentKind,
    target: str | None,
    rule: str,
) -> None:
    ids = {
        "lab": history.lab.id,
        "prescription": history.prescription.id,
        "visit": history.visit_id,
        "open_stay": history.open_stay_id,
    }
    target_id = ids.get(target, target) if target is not None else None
    with pytest.raises(ValidationError) as info:
        documents.chart_extract(store, doctor, history.patient.id, kind, target_id)
    assert (info.value.field, info.value.rule) == ("target_id", rule)
    assert _audit(store, "document.prepare") == []


def test_another_patients_record_is_not_printed_from_this_chart(
    store: Store, doctor: Session, history: History
) -> None:
    other = patients.register_patient(store, doctor, full_name="Lê Thị Mai", sex="female")
    for kind, target in (
        (DocumentKind.PRESCRIPTION, history.prescription.id),
        (DocumentKind.VISIT_SUMMARY, history.visit_id),
    ):
        with pytest.raises(ValidationError) as info:
            documents.chart_extract(store, doctor, other.id, kind, target)
        assert (info.value.field, info.value.rule) == ("target_id", "unknown")
    with pytest.raises(ValidationError) as bad_kind:
        documents.chart_extract(store, doctor, other.id, "letter")  # type: ignore[arg-type]
    assert bad_kind.value.field == "kind"


def test_corrections_are_kept_and_corrected_records_are_not_printed(
    store: Store, doctor: Session, history: History
) -> None:
    pid = history.patient.id
    amended_note = clinical.amend_event(
        store,
        doctor,
        history.note.id,
        body=ClinicalNote(note_type="progress", text="Ho khan 5 ngày"),
        reason="sai số ngày",
    )
    in_error = clinical.mark_entered_in_error(store, doctor, history.vitals.id, reason="nhầm")
    summary = documents.chart_extract(
        store, doctor, pid, DocumentKind.VISIT_SUMMARY, history.visit_id
    )
    ids = {e.id for e in summary.events}
    assert {history.note.id, amended_note.id, history.vitals.id, in_error.id} <= ids
    current = {e.id for e in summary.current_events()}
    assert amended_note.id in current
    assert not {history.note.id, history.vitals.id, in_error.id} & current

    rx = history.prescription
    assert isinstance(rx.body, Prescription)
    amended_rx = clinical.amend_event(
        store, doctor, rx.id, body=rx.body, reason="đổi liều", sign_password=STAFF_PASSWORD
    )
    with pytest.raises(ValidationError) as info:
        documents.chart_extract(store, doctor, pid, DocumentKind.PRESCRIPTION, rx.id)
    assert info.value.rule == "superseded"
    printed = documents.chart_extract(store, doctor, pid, DocumentKind.PRESCRIPTION, amended_rx.id)
    current_rx = [e.id for e in printed.current_events() if e.kind == Prescription.KIND]
    assert current_rx == [amended_rx.id] and rx.id in {e.id for e in printed.events}
    marker = clinical.mark_entered_in_error(store, doctor, amended_rx.id, reason="nhầm bệnh nhân")
    for target, rule in ((amended_rx.id, "entered_in_error"), (marker.id, "kind")):
        with pytest.raises(ValidationError) as info:
            documents.chart_extract(store, doctor, pid, DocumentKind.PRESCRIPTION, target)
        assert (info.value.field, info.value.rule) == ("target_id", rule)
    listed = documents.targets(store, doctor, pid)
    assert not [t for t in listed if t.kind == DocumentKind.PRESCRIPTION]


def test_a_merged_chart_prints_the_events_of_both(
    store: Store, doctor: Session, registrar: Session, history: History
) -> None:
    duplicate = patients.register_patient(
        store, registrar, full_name="Phan Van Duc", sex="male", date_of_birth="1958"
    )
    old = clinical.record_event(
        store,
        doctor,
        patient_id=duplicate.id,
        body=ClinicalNote(note_type="progress", text="Khám cũ"),
    )
    duplicates.merge_patients(
        store, registrar, survivor_id=history.patient.id, replaced_id=duplicate.id, reason="trùng"
    )
    for key in (history.patient.id, duplicate.id):
        extract = documents.chart_extract(store, doctor, key, DocumentKind.CHART_EXPORT)
        assert extract.patient.id == history.patient.id
        assert old.id in {e.id for e in extract.events}
        assert len(extract.events) == _event_count(
            store, "patient_id IN (?, ?)", history.patient.id, duplicate.id
        )
    # A record of the merged-away chart prints from the surviving chart.
    rx = _draft_prescription(store, doctor, duplicate.id, None)
    extract = documents.chart_extract(
        store, doctor, history.patient.id, DocumentKind.PRESCRIPTION, rx.id
    )
    assert [e.id for e in extract.events] == [rx.id] and extract.encounters == ()
    assert {r["patient_id"] for r in _audit(store, "document.prepare")} == {history.patient.id}
    assert rx.id in {t.target_id for t in documents.targets(store, doctor, duplicate.id)}


def test_who_may_prepare_list_print_and_export(
    store: Store,
    admin: Session,
    doctor: Session,
    nurse: Session,
    registrar: Session,
    history: History,
    tmp_path: Path,
) -> None:
    pid = history.patient.id
    # A registrar may print but not read a chart's clinical content; an administrator
    # neither reads charts nor prints them.
    for session in (registrar, admin):
        with pytest.raises(PermissionDenied):
            documents.chart_extract(store, session, pid, DocumentKind.CHART_EXPORT)
        with pytest.raises(PermissionDenied):
            documents.targets(store, session, pid)
    with pytest.raises(PermissionDenied):
        documents.record_print(
            store, admin, DocumentKind.CHART_EXPORT, pid, None, pages=1, copies=1
        )
    # A nurse prints, but a plaintext PDF leaves the store only with the export permission.
    documents.chart_extract(store, nurse, pid, DocumentKind.MAR, history.stay_id)
    documents.record_print(store, nurse, DocumentKind.MAR, pid, history.stay_id, pages=2, copies=1)
    destination = tmp_path / "mar.pdf"
    with pytest.raises(PermissionDenied):
        documents.export_pdf(store, nurse, DocumentKind.MAR, pid, history.stay_id, PDF, destination)
    assert not destination.exists()
    assert _audit(store, "document.export") == []


# ------------------------------------------------------------------ targets


def test_targets_list_what_the_chart_can_print_newest_first(
    store: Store, doctor: Session, history: History
) -> None:
    draft = _draft_prescription(store, doctor, history.patient.id, history.open_stay_id)
    listed = documents.targets(store, doctor, history.patient.id)
    whens = [t.when for t in listed]
    assert whens == sorted(whens, reverse=True)
    by_target: dict[str | None, list[DocumentKind]] = {}
    for target in listed:
        by_target.setdefault(target.target_id, []).append(target.kind)
    assert by_target[history.visit_id] == [
        DocumentKind.VISIT_SUMMARY,
        DocumentKind.LAB_REPORT,
        DocumentKind.REFERRAL,
    ]
    assert by_target[history.stay_id] == [
        DocumentKind.VISIT_SUMMARY,
        DocumentKind.MAR,
        DocumentKind.DISCHARGE,
        DocumentKind.REFERRAL,
    ]
    assert by_target[history.open_stay_id] == [DocumentKind.VISIT_SUMMARY, DocumentKind.REFERRAL]
    assert by_target[history.prescription.id] == [DocumentKind.PRESCRIPTION]
    assert by_target[draft.id] == [DocumentKind.PRESCRIPTION]
    assert by_target[history.imaging.id] == [DocumentKind.IMAGING_REPORT]
    assert by_target[None] == [DocumentKind.CHART_EXPORT]

    labels = {(t.kind, t.target_id): t.label for t in listed}
    when = to_local(history.prescription.effective_at).strftime("%d/%m/%Y %H:%M")
    assert labels[DocumentKind.PRESCRIPTION, history.prescription.id] == (
        f"Đơn thuốc {when} (2 thuốc)"
    )
    assert labels[DocumentKind.PRESCRIPTION, draft.id].endswith("(1 thuốc) — bản nháp")
    when = to_local(history.imaging.effective_at).strftime("%d/%m/%Y %H:%M")
    assert labels[DocumentKind.IMAGING_REPORT, history.imaging.id] == f"X-quang ngực thẳng {when}"
    assert labels[DocumentKind.VISIT_SUMMARY, history.visit_id] == "Lần khám ngoại trú 21/11/2026"
    assert labels[DocumentKind.MAR, history.stay_id] == "Đợt nội trú 02/11–09/11/2026 — Khoa Nội"
    assert labels[DocumentKind.REFERRAL, history.open_stay_id] == (
        "Đợt nội trú từ 20/11/2026 — Khoa Nội"
    )
    assert labels[DocumentKind.CHART_EXPORT, None] == "Toàn bộ hồ sơ bệnh án"
    assert listed[0].kind == DocumentKind.CHART_EXPORT
    # Every target listed can be prepared.
    for target in listed:
        documents.chart_extract(store, doctor, history.patient.id, target.kind, target.target_id)
    [row] = _audit(store, "document.list")
    assert row["patient_id"] == history.patient.id
    assert row["detail"] == {"targets": len(listed)}


def test_a_new_chart_can_only_be_exported(store: Store, doctor: Session) -> None:
    patient = patients.register_patient(store, doctor, full_name="Vũ Văn Nam", sex="male")
    [only] = documents.targets(store, doctor, patient.id)
    assert (only.kind, only.target_id, only.when) == (
        DocumentKind.CHART_EXPORT,
        None,
        patient.created_at,
    )


# ------------------------------------------------------------------ print and export


def test_printing_is_audited_with_pages_and_copies(
    store: Store, doctor: Session, history: History
) -> None:
    def print_prescription(pages: int, copies: int) -> None:
        documents.record_print(
            store,
            doctor,
            DocumentKind.PRESCRIPTION,
            history.patient.id,
            history.prescription.id,
            pages=pages,
            copies=copies,
        )

    print_prescription(pages=1, copies=2)
    [row] = _audit(store, "document.print")
    assert row == {
        "user_id": doctor.user_id,
        "target_kind": "prescription",
        "target_id": history.prescription.id,
        "patient_id": history.patient.id,
        "detail": {"kind": "prescription", "pages": 1, "copies": 2},
    }
    for pages, copies, field in ((1, 0, "copies"), (1, 21, "copies"), (0, 1, "pages")):
        with pytest.raises(ValidationError) as info:
            print_prescription(pages=pages, copies=copies)
        assert info.value.field == field
    assert len(_audit(store, "document.print")) == 1


def _refused_export(
    store: Store, session: Session, history: History, destination: Path, data: bytes = PDF
) -> ValidationError:
    """Why exporting the whole chart to `destination` was refused."""
    with pytest.raises(ValidationError) as info:
        documents.export_pdf(
            store, session, DocumentKind.CHART_EXPORT, history.patient.id, None, data, destination
        )
    return info.value


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """Where exports go (`tmp_path` holds the store)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def test_export_writes_the_pdf_and_audits_it_without_the_file_name(
    store: Store, doctor: Session, history: History, out: Path
) -> None:
    destination = out / "Phan Văn Đức - đơn thuốc.pdf"
    destination.write_bytes(b"an older file")
    written = documents.export_pdf(
        store,
        doctor,
        DocumentKind.PRESCRIPTION,
        history.patient.id,
        history.prescription.id,
        PDF,
        destination,
    )
    assert written == len(PDF) and destination.read_bytes() == PDF
    # Only the user who saved it may read it on a shared PC.
    assert stat.S_IMODE(destination.stat().st_mode) == 0o600
    assert sorted(p.name for p in out.iterdir()) == [destination.name]
    [row] = _audit(store, "document.export")
    assert row["detail"] == {"kind": "prescription", "bytes": len(PDF)}
    assert (row["target_id"], row["patient_id"]) == (history.prescription.id, history.patient.id)
    with store.engine.connect() as conn:
        dump = "\n".join(
            str(tuple(r)) for r in conn.exec_driver_sql("SELECT * FROM audit_log").all()
        )
    assert "Phan" not in dump and str(out) not in dump


def test_export_refuses_what_is_not_a_pdf(
    store: Store, doctor: Session, history: History, out: Path
) -> None:
    destination = out / "x.pdf"
    for data in (b"", b"<html>%PDF-1.4</html>", PDF[:-7]):
        error = _refused_export(store, doctor, history, destination, data)
        assert (error.field, error.rule) == ("pdf", "format")
    assert list(out.iterdir()) == []
    assert _audit(store, "document.export") == []


def test_an_export_that_cannot_be_written_leaves_no_file_and_no_audit(
    store: Store, doctor: Session, history: History, out: Path
) -> None:
    # The destination is a folder: the rename over it fails after the data was written.
    folder = out / "a folder.pdf"
    folder.mkdir()
    error = _refused_export(store, doctor, history, folder)
    assert (error.field, error.rule) == ("destination", "writable")
    assert [p.name for p in out.iterdir()] == [folder.name]
    assert list(folder.iterdir()) == []
    # A folder that does not exist.
    assert _refused_export(store, doctor, history, out / "missing" / "x.pdf").field == "destination"
    assert _audit(store, "document.export") == []


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders"
)
def test_an_export_into_a_read_only_folder_is_refused(
    store: Store, doctor: Session, history: History, out: Path
) -> None:
    folder = out / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        error = _refused_export(store, doctor, history, folder / "x.pdf")
        assert (error.field, error.rule) == ("destination", "writable")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)
    assert _audit(store, "document.export") == []
