"""Reports of imaging studies and key images: clinical events of the chart, signed, amended."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file
from tests.conftest import STAFF_PASSWORD

from emr_desktop.core.errors import (
    AuthenticationError,
    ConflictError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from emr_desktop.core.imaging import DicomStudy
from emr_desktop.core.records import Attachment, ImagingReport, ImagingStudy, Order, Patient
from emr_desktop.imaging.dicom import read_instance
from emr_desktop.services import auth, chart, clinical, imaging, patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store

FINDINGS = "Nhu mô phổi hai bên sáng đều, không thấy nốt mờ."
CONCLUSION = "Không thấy bất thường trên phim CT ngực."


def _patient(store: Store, doctor: Session) -> Patient:
    return patients.register_patient(
        store, doctor, full_name="Nguyễn Văn An", sex="male", date_of_birth="1985-03-07"
    )


def _import_ct(
    store: Store, doctor: Session, patient: Patient, order_id: str | None = None
) -> ImagingStudy:
    """pydicom's CT test image, imported into the chart (its patient is named otherwise)."""
    path = get_testdata_file("CT_small.dcm")
    assert path is not None
    data = Path(str(path)).read_bytes()
    instance = read_instance(data)
    return imaging.save_study(
        store,
        doctor,
        patient.id,
        DicomStudy.from_instances([instance]),
        [(instance, data)],
        source="import",
        order_id=order_id,
        confirm_mismatch=True,
    )


def _order(store: Store, doctor: Session, patient: Patient, encounter_id: str | None = None) -> str:
    return clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=encounter_id,
        body=Order(category="imaging", service_code="HA0037", service_name="CT ngực"),
    ).id


def _visit(store: Store, doctor: Session, patient: Patient) -> str:
    return clinical.start_encounter(store, doctor, patient_id=patient.id, kind="outpatient").id


def _reports_in_chart(store: Store, session: Session, patient: Patient) -> list[chart.ChartEvent]:
    opened = chart.open_chart(store, session, patient.id)
    return [e for e in opened.current_events() if e.kind == ImagingReport.KIND]


def _audit(store: Store, action: str) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT target_id, detail FROM audit_log WHERE action = ?", (action,)
        ).all()
    return [{"target_id": r[0], **json.loads(r[1] or "{}")} for r in rows]


def _png(width: int = 2, height: int = 2) -> bytes:
    """A small grey PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes([128] * width) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------- writing


def test_a_signed_report_answers_the_order_in_its_encounter(store: Store, doctor: Session) -> None:
    patient = _patient(store, doctor)
    visit = _visit(store, doctor, patient)
    order_id = _order(store, doctor, patient, visit)
    study = _import_ct(store, doctor, patient, order_id)
    event = imaging.write_report(
        store,
        doctor,
        study_uid=study.study_instance_uid,
        findings=f"  {FINDINGS}\n",
        conclusion=CONCLUSION,
        sign_password=STAFF_PASSWORD,
    )
    assert isinstance(event.body, ImagingReport)
    assert (event.patient_id, event.encounter_id) == (patient.id, visit)
    assert (event.status, event.signed_by) == ("signed", doctor.user_id)
    assert event.body == ImagingReport(
        service_code="HA0037",
        modality="CT",
        findings=FINDINGS,
        conclusion=CONCLUSION,
        order_id=order_id,
        study_instance_uid=study.study_instance_uid,
    )
    assert [r.id for r in imaging.reports_of_study(store, doctor, study.study_instance_uid)] == [
        event.id
    ]
    [in_chart] = _reports_in_chart(store, doctor, patient)
    assert (in_chart.id, in_chart.status) == (event.id, "signed")
    assert _audit(store, "imaging_report.record")[-1]["signed"] is True
    [read] = _audit(store, "imaging.reports")
    assert (read["target_id"], read["reports"]) == (study.id, 1)


def test_a_draft_is_kept_unsigned_and_the_given_order_is_linked(
    store: Store, doctor: Session
) -> None:
    patient = _patient(store, doctor)
    study = _import_ct(store, doctor, patient)
    order_id = _order(store, doctor, patient)
    event = imaging.write_report(
        store,
        doctor,
        study_uid=study.study_instance_uid,
        findings=FINDINGS,
        conclusion=CONCLUSION,
        order_id=order_id,
    )
    assert (event.status, event.signed_by, event.encounter_id) == ("draft", None, None)
    assert isinstance(event.body, ImagingReport) and event.body.order_id == order_id
    linked = imaging.study(store, doctor, study.study_instance_uid)
    assert linked is not None and linked.order_id == order_id
    assert _audit(store, "imaging.link_order")[-1]["order_id"] == order_id


@pytest.mark.parametrize(
    ("findings", "conclusion", "field", "vi", "en"),
    [
        (" \n", CONCLUSION, "findings", "Mô tả không được để trống", "The findings must not"),
        (FINDINGS, "", "conclusion", "Kết luận không được để trống", "The conclusion must not"),
    ],
)
def test_empty_findings_or_conclusion_are_refused_by_name(
    store: Store, doctor: Session, findings: str, conclusion: str, field: str, vi: str, en: str
) -> None:
    patient = _patient(store, doctor)
    study = _import_ct(store, doctor, patient, _order(store, doctor, patient))
    with pytest.raises(ValidationError) as refused:
        imaging.write_report(
            store,
            doctor,
            study_uid=study.study_instance_uid,
            findings=findings,
            conclusion=conclusion,
            sign_password=STAFF_PASSWORD,
        )
    assert (refused.value.field, refused.value.rule) == (field, "required")
    assert vi in refused.value.message_vi and en in refused.value.message_en
    assert _reports_in_chart(store, doctor, patient) == []


def test_overlong_texts_are_refused_by_name() -> None:
    with pytest.raises(ValidationError) as findings:
        imaging.check_report_text("x" * 100_001, CONCLUSION)
    assert (findings.value.field, findings.value.rule) == ("findings", "max_length")
    assert "Mô tả dài quá 100000 ký tự" in findings.value.message_vi
    with pytest.raises(ValidationError) as conclusion:
        imaging.check_report_text(FINDINGS, "x" * 10_001)
    assert (conclusion.value.field, conclusion.value.rule) == ("conclusion", "max_length")
    assert imaging.check_report_text(f" {FINDINGS} ", f"{CONCLUSION}\n") == (FINDINGS, CONCLUSION)


def test_a_wrong_password_records_nothing(store: Store, doctor: Session) -> None:
    patient = _patient(store, doctor)
    study = _import_ct(store, doctor, patient, _order(store, doctor, patient))
    with pytest.raises(AuthenticationError):
        imaging.write_report(
            store,
            doctor,
            study_uid=study.study_instance_uid,
            findings=FINDINGS,
            conclusion=CONCLUSION,
            sign_password="not-the-password",
        )
    assert _reports_in_chart(store, doctor, patient) == []


def test_only_doctors_write_reports_and_everyone_clinical_reads_them(
    store: Store, doctor: Session, nurse: Session, registrar: Session
) -> None:
    patient = _patient(store, doctor)
    study = _import_ct(store, doctor, patient, _order(store, doctor, patient))
    uid = study.study_instance_uid
    # Nurses hold result.write for bedside results, not for reading images.
    for session in (nurse, registrar):
        with pytest.raises(PermissionDenied):
            imaging.write_report(
                store, session, study_uid=uid, findings=FINDINGS, conclusion=CONCLUSION
            )
    event = imaging.write_report(
        store, doctor, study_uid=uid, findings=FINDINGS, conclusion=CONCLUSION
    )
    assert [r.id for r in imaging.reports_of_study(store, nurse, uid)] == [event.id]
    with pytest.raises(PermissionDenied):
        imaging.reports_of_study(store, registrar, uid)


def test_a_study_answering_no_order_names_a_catalogue_service(
    store: Store, doctor: Session
) -> None:
    patient = _patient(store, doctor)
    study = _import_ct(store, doctor, patient)
    uid = study.study_instance_uid
    with pytest.raises(ValidationError) as no_order:
        imaging.write_report(store, doctor, study_uid=uid, findings=FINDINGS, conclusion=CONCLUSION)
    assert no_order.value.field == "order_id"
    with pytest.raises(ValidationError) as unknown:
        imaging.write_report(
            store,
            doctor,
            study_uid=uid,
            findings=FINDINGS,
            conclusion=CONCLUSION,
            service_code="HA9999",
        )
    assert (unknown.value.field, unknown.value.rule) == ("service_code", "catalog")
    event = imaging.write_report(
        store,
        doctor,
        study_uid=uid,
        findings=FINDINGS,
        conclusion=CONCLUSION,
        service_code="HA0035",
    )
    assert isinstance(event.body, ImagingReport)
    assert (event.body.service_code, event.body.order_id, event.encounter_id) == (
        "HA0035",
        None,
        None,
    )


def test_an_unknown_study_or_an_order_of_another_patient_is_refused(
    store: Store, doctor: Session
) -> None:
    patient = _patient(store, doctor)
    other = patients.register_patient(store, doctor, full_name="Lê Thị Bình", sex="female")
    study = _import_ct(store, doctor, patient)
    with pytest.raises(NotFound):
        imaging.write_report(
            store, doctor, study_uid="1.2.3.4", findings=FINDINGS, conclusion=CONCLUSION
        )
    with pytest.raises(ValidationError) as refused:
        imaging.write_report(
            store,
            doctor,
            study_uid=study.study_instance_uid,
            findings=FINDINGS,
            conclusion=CONCLUSION,
            order_id=_order(store, doctor, other),
        )
    assert refused.value.field == "order_id"
    assert _reports_in_chart(store, doctor, patient) == []


# --------------------------------------------------------------------------- one report per order


def test_a_second_report_is_refused_and_the_own_draft_is_edited_then_signed(
    store: Store, doctor: Session
) -> None:
    patient = _patient(store, doctor)
    study = _import_ct(store, doctor, patient, _order(store, doctor, patient))
    uid = study.study_instance_uid
    draft = imaging.write_report(store, doctor, study_uid=uid, findings="Nháp", conclusion="Nháp")
    with pytest.raises(ConflictError):
        imaging.write_report(store, doctor, study_uid=uid, findings=FINDINGS, conclusion=CONCLUSION)
    signed = imaging.write_report(
        store,
        doctor,
        study_uid=uid,
        findings=FINDINGS,
        conclusion=CONCLUSION,
        amends=draft.id,
        sign_password=STAFF_PASSWORD,
    )
    assert (signed.id, signed.status) == (draft.id, "signed")
    assert isinstance(signed.body, ImagingReport) and signed.body.conclusion == CONCLUSION
    [in_chart] = _reports_in_chart(store, doctor, patient)
    assert in_chart.id == draft.id


def test_a_signed_report_is_amended_with_a_reason(
    store: Store, doctor: Session, admin: Session
) -> None:
    patient = _patient(store, doctor)
    study = _import_ct(store, doctor, patient, _order(store, doctor, patient))
    uid = study.study_instance_uid
    first = imaging.write_report(
        store,
        doctor,
        study_uid=uid,
        findings=FINDINGS,
        conclusion=CONCLUSION,
        sign_password=STAFF_PASSWORD,
    )
    auth.add_user(
        store,
        admin,
        username="bs.nam",
        role="doctor",
        full_name="Đỗ Văn Nam",
        password=STAFF_PASSWORD,
    )
    colleague = auth.login(store, "bs.nam", STAFF_PASSWORD)
    with pytest.raises(ValidationError) as no_reason:
        imaging.write_report(
            store,
            colleague,
            study_uid=uid,
            findings=FINDINGS,
            conclusion="Nốt mờ 4 mm thùy trên phổi phải.",
            amends=first.id,
        )
    assert (no_reason.value.field, no_reason.value.rule) == ("reason", "required")
    amended = imaging.write_report(
        store,
        colleague,
        study_uid=uid,
        findings=FINDINGS,
        conclusion="Nốt mờ 4 mm thùy trên phổi phải.",
        amends=first.id,
        reason="Đọc lại phim: bỏ sót nốt mờ",
        sign_password=STAFF_PASSWORD,
    )
    assert (amended.corrects, amended.correction, amended.status) == (first.id, "amends", "signed")
    assert [r.id for r in imaging.reports_of_study(store, doctor, uid)] == [amended.id]
    assert [e.id for e in _reports_in_chart(store, doctor, patient)] == [amended.id]
    # The amended report is no longer current: it cannot be amended again.
    with pytest.raises(ValidationError) as stale:
        imaging.write_report(
            store,
            doctor,
            study_uid=uid,
            findings=FINDINGS,
            conclusion=CONCLUSION,
            amends=first.id,
            reason="lại",
        )
    assert stale.value.field == "amends"


def test_a_report_of_the_order_written_before_the_study_counts_as_its_report(
    store: Store, doctor: Session
) -> None:
    patient = _patient(store, doctor)
    order_id = _order(store, doctor, patient)
    earlier = clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        body=ImagingReport(
            service_code="HA0037",
            modality="CT",
            findings=FINDINGS,
            conclusion=CONCLUSION,
            order_id=order_id,
        ),
    )
    study = _import_ct(store, doctor, patient, order_id)
    uid = study.study_instance_uid
    assert [r.id for r in imaging.reports_of_study(store, doctor, uid)] == [earlier.id]
    with pytest.raises(ConflictError):
        imaging.write_report(store, doctor, study_uid=uid, findings=FINDINGS, conclusion="Khác")
    marked = clinical.mark_entered_in_error(store, doctor, earlier.id, reason="nhầm")
    assert marked.corrects == earlier.id
    assert imaging.reports_of_study(store, doctor, uid) == []
    imaging.write_report(store, doctor, study_uid=uid, findings=FINDINGS, conclusion="Khác")


def test_report_options_offer_open_orders_and_services_of_the_same_examination(
    store: Store, doctor: Session
) -> None:
    patient = _patient(store, doctor)
    study = _import_ct(store, doctor, patient)
    uid = study.study_instance_uid
    order_id = _order(store, doctor, patient)
    options = imaging.report_options(store, doctor, uid)
    assert options.order is None
    assert [o.id for o in options.open_orders] == [order_id]
    assert options.services and {s.modality for s in options.services} == {"CT"}
    imaging.link_order(store, doctor, uid, order_id)
    linked = imaging.report_options(store, doctor, uid)
    assert linked.order is not None and linked.order.id == order_id
    assert (linked.open_orders, linked.services) == ((), ())


# --------------------------------------------------------------------------- key images


def test_a_key_image_is_kept_with_the_chart_in_the_order_encounter(
    store: Store, doctor: Session, nurse: Session
) -> None:
    patient = _patient(store, doctor)
    visit = _visit(store, doctor, patient)
    study = _import_ct(store, doctor, patient, _order(store, doctor, patient, visit))
    png = _png()
    title = "Ảnh chính — CT ngực 19/01/2004 — lát 1/1"
    event = imaging.attach_key_image(
        store, nurse, study_uid=study.study_instance_uid, png=png, title=title
    )
    assert isinstance(event.body, Attachment)
    assert (event.body.title, event.body.media_type, event.body.size) == (
        title,
        "image/png",
        len(png),
    )
    assert (event.patient_id, event.encounter_id) == (patient.id, visit)
    assert clinical.read_attachment(store, doctor, event.id) == png
    in_chart = [
        e for e in chart.open_chart(store, doctor, patient.id).events if e.kind == "attachment"
    ]
    assert [e.id for e in in_chart] == [event.id]


def test_only_a_complete_png_is_kept(store: Store, doctor: Session) -> None:
    patient = _patient(store, doctor)
    study = _import_ct(store, doctor, patient)
    png = _png()
    for wrong in (b"", b"GIF89a" + png[6:], png[:-6], png[:8] + png[16:]):
        with pytest.raises(ValidationError) as refused:
            imaging.attach_key_image(
                store, doctor, study_uid=study.study_instance_uid, png=wrong, title="Ảnh chính"
            )
        assert (refused.value.field, refused.value.rule) == ("png", "format")
    with pytest.raises(ValidationError) as untitled:
        imaging.attach_key_image(
            store, doctor, study_uid=study.study_instance_uid, png=png, title="  "
        )
    assert untitled.value.field == "title"
    no_encounter = imaging.attach_key_image(
        store, doctor, study_uid=study.study_instance_uid, png=png, title="Ảnh chính"
    )
    assert no_encounter.encounter_id is None


def test_who_may_not_write_to_the_chart_keeps_no_key_image(
    store: Store, doctor: Session, registrar: Session
) -> None:
    patient = _patient(store, doctor)
    study = _import_ct(store, doctor, patient)
    with pytest.raises(PermissionDenied):
        imaging.attach_key_image(
            store, registrar, study_uid=study.study_instance_uid, png=_png(), title="Ảnh chính"
        )
