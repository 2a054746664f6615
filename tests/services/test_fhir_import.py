"""Importing another facility's FHIR Bundle into a chart, on real encrypted stores: matching,
refusals, one transaction, idempotence, permissions, audit, read-only records, and the round
trip export → import → export across two facilities."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD
from tests.interop.test_fhir_import import clinical_content, rich_chart

from emr_desktop.core.documents import DocumentKind
from emr_desktop.core.errors import AuthenticationError, PermissionDenied, ValidationError
from emr_desktop.core.records import (
    ClinicalEvent,
    ClinicalNote,
    Correction,
    Diagnosis,
    ExternalRecord,
    ImagingReport,
    ImagingSource,
    ImagingStudy,
    LabResult,
    Measurement,
    MedicationAdministration,
    MedicationOrder,
    Order,
    Patient,
    Prescription,
    PrescriptionItem,
    VitalSigns,
)
from emr_desktop.interop.fhir import chart_bundle, chart_bundle_json, validate
from emr_desktop.interop.fhir_import import parse_bundle, record_id
from emr_desktop.services import auth, clinical, documents, duplicates, patients
from emr_desktop.services.auth import Session, record_header
from emr_desktop.services.fhir_import import import_bundle, plan_import
from emr_desktop.services.setup import initialize
from emr_desktop.store.store import Store

CCCD = "001156012345"
BHYT = "HT2010123456789"


@pytest.fixture(scope="module")
def incoming() -> str:
    """A Bundle exported by another facility (35001) of Nguyễn Thị Hoà."""
    return json.dumps(chart_bundle(rich_chart()), ensure_ascii=False)


def _hoa(store: Store, session: Session, **kw: Any) -> Patient:
    values: dict[str, Any] = {
        "full_name": "Nguyễn Thị Hoà",
        "sex": "female",
        "date_of_birth": "1956-03-07",
        "cccd": CCCD,
    }
    values.update(kw)
    return patients.register_patient(store, session, **values)


def _count(store: Store, sql: str, *params: object) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql(sql, params).scalar_one())


def _externals(store: Store) -> int:
    return _count(store, "SELECT count(*) FROM clinical_event WHERE kind = 'external_record'")


def _audit(store: Store, action: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT patient_id, target_id, detail FROM audit_log WHERE action = :a"),
            {"a": action},
        ).all()
    return [{"patient_id": r[0], "target_id": r[1], **json.loads(r[2])} for r in rows]


def _import(store: Store, doctor: Session, data: str, **kw: Any) -> Any:
    return import_bundle(store, doctor, parse_bundle(data), password=STAFF_PASSWORD, **kw)


# --------------------------------------------------------------------------- matching


def test_the_chart_is_found_by_cccd_and_everything_is_imported_signed(
    store: Store, doctor: Session, incoming: str
) -> None:
    patient = _hoa(store, doctor)
    parsed = parse_bundle(incoming)
    plan = plan_import(store, doctor, parsed)
    assert (plan.match.patient_id, plan.match.basis, plan.match.mismatches) == (
        patient.id,
        "cccd",
        (),
    )
    assert plan.new == len(parsed.items) and plan.updated == plan.unchanged == 0
    assert plan.by_type == dict(sorted(parsed.counts().items()))
    assert _externals(store) == 0  # the plan writes nothing
    report = import_bundle(store, doctor, parsed, password=STAFF_PASSWORD)
    assert len(report.event_ids) == len(parsed.items) == _externals(store)
    chart = documents.chart_extract(store, doctor, patient.id, DocumentKind.CHART_EXPORT)
    events = [e for e in chart.events if isinstance(e.body, ExternalRecord)]
    assert all(e.status == "signed" and e.signed_by == doctor.user_id for e in events)
    assert all(e.content_hash == e.content_digest() for e in events)
    bodies = [e.body for e in events if isinstance(e.body, ExternalRecord)]
    assert {b.source_name for b in bodies} == {"Trung tâm Y tế khu vực Kim Bảng"}
    signed_at_source = [b for b in bodies if b.source_author]
    assert signed_at_source and all(b.source_provenance for b in signed_at_source)
    # Each record keeps its clinical date as the time of the event.
    condition = next(b for b in bodies if "J18.9" in b.summary)
    event = next(e for e in events if e.body is condition)
    assert event.effective_at == datetime.fromisoformat(condition.clinical_date or "")


def test_the_chart_is_found_by_bhyt_when_there_is_no_cccd(
    store: Store, doctor: Session, incoming: str
) -> None:
    patient = _hoa(store, doctor, cccd=None, bhyt_number=BHYT)
    plan = plan_import(store, doctor, parse_bundle(incoming))
    assert (plan.match.patient_id, plan.match.basis) == (patient.id, "bhyt")


def test_without_a_matching_chart_the_user_names_one(
    store: Store, doctor: Session, incoming: str
) -> None:
    patient = _hoa(store, doctor, cccd=None)
    parsed = parse_bundle(incoming)
    assert plan_import(store, doctor, parsed).match.patient_id is None
    with pytest.raises(ValidationError) as refused:
        import_bundle(store, doctor, parsed, password=STAFF_PASSWORD)
    assert (refused.value.field, refused.value.rule) == ("patient", "not_found")
    assert _externals(store) == 0
    report = import_bundle(store, doctor, parsed, password=STAFF_PASSWORD, patient_id=patient.id)
    assert report.plan.match.basis is None and report.plan.new == len(parsed.items)


def test_a_differing_identity_is_refused_unless_confirmed(
    store: Store, doctor: Session, incoming: str
) -> None:
    other = _hoa(
        store, doctor, full_name="Trần Văn Bình", sex="male", date_of_birth="1960", cccd=None
    )
    parsed = parse_bundle(incoming)
    plan = plan_import(store, doctor, parsed, patient_id=other.id)
    assert [m.field for m in plan.match.mismatches] == ["name", "birth_date", "sex"]
    assert "Trần Văn Bình" in plan.match.mismatches[0].vi
    with pytest.raises(ValidationError) as refused:
        import_bundle(store, doctor, parsed, password=STAFF_PASSWORD, patient_id=other.id)
    assert (refused.value.field, refused.value.rule) == ("patient", "identity_mismatch")
    assert "Họ tên trong tệp" in refused.value.message_vi
    assert _externals(store) == 0
    import_bundle(
        store, doctor, parsed, password=STAFF_PASSWORD, patient_id=other.id, confirm_mismatch=True
    )
    (audit,) = _audit(store, "fhir.import")
    assert audit["mismatch_confirmed"] == ["name", "birth_date", "sex"]
    text_of_audit = json.dumps(_audit(store, "fhir.import") + _audit(store, "fhir.match"))
    assert "Bình" not in text_of_audit and "Hoà" not in text_of_audit and CCCD not in text_of_audit


def test_a_bundle_of_our_own_facility_is_refused(store: Store, doctor: Session) -> None:
    patient = _hoa(store, doctor)
    clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        body=Diagnosis(icd10="I10"),
        sign_password=STAFF_PASSWORD,
    )
    extract = documents.chart_extract(store, doctor, patient.id, DocumentKind.CHART_EXPORT)
    own = chart_bundle_json(extract)
    for attempt in (
        lambda: plan_import(store, doctor, parse_bundle(own)),
        lambda: _import(store, doctor, own),
    ):
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert (refused.value.field, refused.value.rule) == ("source", "own_facility")
    assert _externals(store) == 0


# --------------------------------------------------------------------------- writing


def test_importing_the_same_file_twice_adds_nothing(
    store: Store, doctor: Session, incoming: str
) -> None:
    _hoa(store, doctor)
    first = _import(store, doctor, incoming)
    count = _externals(store)
    outbox = _count(store, "SELECT count(*) FROM outbox")
    again = _import(store, doctor, incoming)
    assert again.event_ids == () and again.plan.new == again.plan.updated == 0
    assert again.plan.unchanged == len(first.event_ids) == count == _externals(store)
    assert _count(store, "SELECT count(*) FROM outbox") == outbox
    audits = _audit(store, "fhir.import")
    assert [(a["new"], a["unchanged"]) for a in audits] == [(count, 0), (0, count)]


def test_records_imported_into_a_chart_merged_since_are_not_imported_twice(
    store: Store, doctor: Session, registrar: Session, incoming: str
) -> None:
    first = _hoa(store, doctor, cccd=None)
    imported = _import(store, doctor, incoming, patient_id=first.id).event_ids
    survivor = _hoa(store, doctor)
    duplicates.merge_patients(
        store, registrar, survivor_id=survivor.id, replaced_id=first.id, reason="Trùng hồ sơ"
    )
    report = _import(store, doctor, incoming)
    assert report.plan.match.patient_id == survivor.id
    assert (report.plan.new, report.plan.unchanged) == (0, len(imported))
    assert _externals(store) == len(imported)


def test_a_resource_changed_at_the_source_amends_the_earlier_import(
    store: Store, doctor: Session, incoming: str
) -> None:
    patient = _hoa(store, doctor)
    _import(store, doctor, incoming)
    changed = json.loads(incoming)
    allergy = next(
        e["resource"]
        for e in changed["entry"]
        if e["resource"]["resourceType"] == "AllergyIntolerance"
    )
    allergy["clinicalStatus"]["coding"][0]["code"] = "inactive"
    report = _import(store, doctor, json.dumps(changed, ensure_ascii=False))
    assert (report.plan.new, report.plan.updated) == (0, 1)
    chart = documents.chart_extract(store, doctor, patient.id, DocumentKind.CHART_EXPORT)
    (amendment,) = [e for e in chart.events if e.corrects is not None]
    assert amendment.correction == Correction.AMENDS
    assert isinstance(amendment.body, ExternalRecord)
    assert '"inactive"' in amendment.body.resource
    current = [
        e.body
        for e in chart.current_events()
        if isinstance(e.body, ExternalRecord) and e.body.resource_type == "AllergyIntolerance"
    ]
    assert current == [amendment.body]


def test_a_failure_half_way_writes_nothing(store: Store, doctor: Session, incoming: str) -> None:
    patient = _hoa(store, doctor)
    other = _hoa(store, doctor, full_name="Lê Văn Cường", sex="male", cccd=None)
    parsed = parse_bundle(incoming)
    # An event of another chart already holds the id the tenth record will take.
    taken = record_id(patient.id, parsed.source.identity, parsed.items[9])
    with store.unit_of_work(user_id=doctor.user_id) as uow:
        header = {**record_header(store, doctor), "id": taken}
        uow.add_event(
            ClinicalEvent(
                **header,
                patient_id=other.id,
                encounter_id=None,
                effective_at=header["created_at"],
                body=ClinicalNote(note_type="progress", text="Ghi chép"),
            )
        )
        uow.commit()
    events = _count(store, "SELECT count(*) FROM clinical_event")
    outbox = _count(store, "SELECT count(*) FROM outbox")
    with pytest.raises(IntegrityError):
        import_bundle(store, doctor, parsed, password=STAFF_PASSWORD)
    assert _count(store, "SELECT count(*) FROM clinical_event") == events
    assert _count(store, "SELECT count(*) FROM outbox") == outbox
    assert _audit(store, "fhir.import") == []


def test_a_bad_entry_refuses_the_whole_file(store: Store, doctor: Session, incoming: str) -> None:
    _hoa(store, doctor)
    broken = json.loads(incoming)
    last = len(broken["entry"]) - 1
    broken["entry"][last]["resource"]["recorded"] = "not a time"
    with pytest.raises(ValidationError) as refused:
        _import(store, doctor, json.dumps(broken))
    assert refused.value.field == f"entry[{last}]"
    assert _externals(store) == 0


def test_importing_needs_a_doctor_and_the_password(
    store: Store, doctor: Session, nurse: Session, registrar: Session, incoming: str
) -> None:
    _hoa(store, doctor)
    parsed = parse_bundle(incoming)
    for session in (nurse, registrar):
        with pytest.raises(PermissionDenied):
            import_bundle(store, session, parsed, password=STAFF_PASSWORD)
    with pytest.raises(AuthenticationError):
        import_bundle(store, doctor, parsed, password="not-the-password")
    assert _externals(store) == 0
    assert _audit(store, "fhir.import") == []


# --------------------------------------------------------------------------- read-only


def test_external_records_cannot_be_written_edited_or_amended_only_marked_in_error(
    store: Store, doctor: Session, incoming: str
) -> None:
    patient = _hoa(store, doctor)
    report = _import(store, doctor, incoming)
    event_id = report.event_ids[0]
    with store.unit_of_work(user_id=doctor.user_id) as uow:
        body = uow.get_event(event_id).body
    assert isinstance(body, ExternalRecord)
    attempts = [
        lambda: clinical.amend_event(store, doctor, event_id, body=body, reason="Sửa"),
        lambda: clinical.edit_draft(store, doctor, event_id, body),
        lambda: clinical.record_event(store, doctor, patient_id=patient.id, body=body),
        lambda: clinical.save_consultation(
            store, doctor, patient_id=patient.id, encounter_id=None, bodies=[body]
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert (refused.value.field, refused.value.rule) == ("body", "read_only")
        assert "chỉ để xem" in refused.value.message_vi
    # A note cannot amend it either (the kind is checked before anything else).
    with pytest.raises(ValidationError) as refused:
        clinical.amend_event(
            store, doctor, event_id, body=ClinicalNote(note_type="progress", text="x"), reason="x"
        )
    assert refused.value.rule == "read_only"
    marked = clinical.mark_entered_in_error(store, doctor, event_id, reason="Nhầm bệnh nhân")
    assert marked.correction == Correction.ENTERED_IN_ERROR
    chart = documents.chart_extract(store, doctor, patient.id, DocumentKind.CHART_EXPORT)
    assert event_id not in {e.id for e in chart.current_events()}
    # Importing again does not bring it back.
    assert _import(store, doctor, incoming).plan.new == 0


# --------------------------------------------------------------------------- round trip


@pytest.fixture
def facility_b(tmp_path: Path) -> Iterator[tuple[Store, Session]]:
    """A second facility (35002) with its own store and doctor."""
    store_b, _ = initialize(
        tmp_path / "facility-b",
        facility_code="35002",
        facility_name="Bệnh viện đa khoa tỉnh Thử",
        admin_username="admin",
        admin_full_name="Quản Trị Viên",
        admin_password=ADMIN_PASSWORD,
    )
    admin_b = auth.login(store_b, "admin", ADMIN_PASSWORD)
    auth.add_user(
        store_b,
        admin_b,
        username="bs.hang",
        role="doctor",
        full_name="Đỗ Thị Hằng",
        password=STAFF_PASSWORD,
    )
    yield store_b, auth.login(store_b, "bs.hang", STAFF_PASSWORD)
    store_b.engine.dispose()


def _signed(store: Store, session: Session, patient: Patient, body: Any, **kw: Any) -> str:
    return clinical.record_event(
        store, session, patient_id=patient.id, body=body, sign_password=STAFF_PASSWORD, **kw
    ).id


def _rich_chart(store: Store, doctor: Session, nurse: Session) -> Patient:
    """A chart with every kind the FHIR export handles, written through the services."""
    patient = _hoa(store, doctor, bhyt_number=BHYT)
    clinical.add_allergy(
        store,
        doctor,
        patient_id=patient.id,
        substance="Penicilin",
        reaction="Mề đay",
        severity="severe",
    )
    clinical.add_problem(
        store, doctor, patient_id=patient.id, icd10="I10", description="Tăng huyết áp"
    )
    visit = clinical.start_encounter(
        store, doctor, patient_id=patient.id, kind="outpatient", reason="Ho, sốt"
    )
    at = {"encounter_id": visit.id}
    _signed(
        store,
        nurse,
        patient,
        VitalSigns(
            measurements=(
                Measurement("temperature", Decimal("38.2"), "°C"),
                Measurement("systolic", Decimal(140), "mmHg"),
                Measurement("diastolic", Decimal(85), "mmHg"),
                Measurement("weight", Decimal("52.5"), "kg"),
            )
        ),
        **at,
    )
    _signed(store, doctor, patient, Diagnosis(icd10="J18.9", description="Viêm phổi"), **at)
    lab = _signed(
        store,
        doctor,
        patient,
        Order(category="lab", service_code="XN001", service_name="Công thức máu"),
        **at,
    )
    _signed(
        store,
        doctor,
        patient,
        LabResult(
            test_code="WBC",
            test_name="Bạch cầu",
            value="11.8",
            unit="G/L",
            ref_low=Decimal(4),
            ref_high=Decimal(10),
            flag="high",
            order_id=lab,
        ),
        **at,
    )
    xray = _signed(
        store,
        doctor,
        patient,
        Order(category="imaging", service_code="HA001", service_name="X-quang ngực thẳng"),
        **at,
    )
    _signed(
        store,
        doctor,
        patient,
        ImagingReport(
            service_code="HA001",
            modality="CR",
            findings="Đám mờ thùy dưới phổi phải.",
            conclusion="Viêm phổi thùy dưới phải.",
            order_id=xray,
        ),
        **at,
    )
    _signed(
        store,
        doctor,
        patient,
        Prescription(
            items=(
                PrescriptionItem(
                    "T0001", "Amoxicilin 500 mg", "Uống ngày 3 lần", Decimal(21), "viên", 7
                ),
            ),
            diagnosis_codes=("J18.9",),
            advice="Tái khám sau 7 ngày",
        ),
        **at,
    )
    order = _signed(
        store,
        doctor,
        patient,
        MedicationOrder(
            drug_code="T0002",
            drug_name="Paracetamol 500 mg",
            dose=Decimal(1),
            dose_unit="viên",
            route="oral",
            times=("08:00", "20:00"),
            start_date=date(2026, 11, 20),
            days=3,
        ),
        **at,
    )
    _signed(
        store,
        nurse,
        patient,
        MedicationAdministration(
            medication_order_id=order,
            scheduled_for=datetime(2026, 11, 20, 1, 0, tzinfo=UTC),
            outcome="given",
            dose=Decimal(1),
            dose_unit="viên",
        ),
        **at,
    )
    with store.unit_of_work(user_id=doctor.user_id) as uow:
        uow.add(
            ImagingStudy(
                **record_header(store, doctor),
                patient_id=patient.id,
                study_instance_uid="1.2.826.0.1.3680043.8.498.777",
                study_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
                modalities=("CR",),
                description="X-quang ngực thẳng",
                order_id=xray,
                source=ImagingSource.PACS,
            )
        )
        uow.commit()
    return patient


def test_export_import_export_across_two_facilities_keeps_the_clinical_content(
    store: Store,
    doctor: Session,
    nurse: Session,
    facility_b: tuple[Store, Session],
) -> None:
    chart_a = _rich_chart(store, doctor, nurse)
    extract_a = documents.chart_extract(store, doctor, chart_a.id, DocumentKind.CHART_EXPORT)
    first = json.loads(chart_bundle_json(extract_a))
    kinds = {e["resource"]["resourceType"] for e in first["entry"]}
    assert kinds >= {
        "Encounter",
        "Condition",
        "AllergyIntolerance",
        "Observation",
        "ServiceRequest",
        "DiagnosticReport",
        "MedicationRequest",
        "MedicationAdministration",
        "ImagingStudy",
        "Provenance",
    }
    store_b, doctor_b = facility_b
    chart_b = _hoa(store_b, doctor_b)
    report = _import(store_b, doctor_b, json.dumps(first, ensure_ascii=False))
    assert report.plan.match == type(report.plan.match)(chart_b.id, "cccd", ())
    extract_b = documents.chart_extract(store_b, doctor_b, chart_b.id, DocumentKind.CHART_EXPORT)
    second = json.loads(chart_bundle_json(extract_b))
    validate(second)
    Bundle.model_validate(second)
    assert clinical_content(second, external_only=True) == clinical_content(first)
    assert sum(clinical_content(first).values()) == len(report.event_ids)
    # Chart B's own Patient is the one exported; the source is named as an Organization.
    (patient,) = [
        e["resource"] for e in second["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert patient["identifier"][0]["value"] == chart_b.mrn
    names = {
        e["resource"].get("name")
        for e in second["entry"]
        if e["resource"]["resourceType"] == "Organization"
    }
    assert names == {"Bệnh viện đa khoa tỉnh Thử", "Trung tâm Y tế huyện Thử"}
    # Bundle 2 comes from B: B is its source, whatever its records say of their origin.
    assert parse_bundle(json.dumps(second, ensure_ascii=False)).source.facility_code == "35002"
