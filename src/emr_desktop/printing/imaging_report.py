"""The imaging report (phiếu kết quả chẩn đoán hình ảnh), A4 portrait.

The facility block and the national heading, the patient's barcode under it; the patient's
identifiers; what was ordered (the service, the ordering doctor, when, the clinical
diagnosis), the technique (the modality and the service code), the description of the
findings as the radiologist wrote it (line breaks kept), the conclusion in bold, the study's
DICOM UID in small type, and the radiologist's signature. A report that is not signed prints
under a "BẢN NHÁP" watermark, without a signing time.
"""

from __future__ import annotations

from functools import cache

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from emr_desktop.core.catalog import CatalogKind, ImagingServiceEntry, load_builtin
from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    ClinicalEvent,
    Correction,
    Diagnosis,
    EventStatus,
    ImagingReport,
    Order,
)
from emr_desktop.core.timeutil import to_local
from emr_desktop.printing.describe import PRIORITY_VI, diagnosis_text
from emr_desktop.printing.layout import (
    MISSING,
    Signature,
    chart_pdf,
    content_width,
    esc,
    labelled,
    letterhead_block,
    paper_size,
    para,
    patient_barcode,
    patient_block,
    section,
    signature_block,
    styles,
    title_block,
    vn_time,
)

TITLE = "Phiếu kết quả chẩn đoán hình ảnh"
#: DICOM modality codes (PS3.3 C.7.3.1.1.1) in the words of a Vietnamese report.
MODALITY_VI = {
    "CR": "X-quang",
    "DX": "X-quang kỹ thuật số",
    "RF": "X-quang tăng sáng truyền hình",
    "MG": "Chụp X-quang tuyến vú",
    "CT": "Chụp cắt lớp vi tính",
    "MR": "Chụp cộng hưởng từ",
    "US": "Siêu âm",
    "XA": "Chụp mạch số hóa xóa nền",
    "NM": "Y học hạt nhân",
    "BMD": "Đo mật độ xương",
    "ECG": "Điện tim",
    "EEG": "Điện não",
    "ES": "Nội soi",
    "OT": "Khác",
}


def imaging_report_pdf(extract: ChartExtract, event_id: str) -> bytes:
    """The imaging report `event_id` of the extract's chart as PDF bytes. ValidationError on
    "target_id" when it is not a current imaging report (unknown, of another kind, amended
    or marked entered in error)."""
    event = _report_event(extract, event_id)
    body = event.body
    assert isinstance(body, ImagingReport)
    pagesize = paper_size("A4")
    width = content_width(pagesize)
    s = styles()
    patient = extract.patient
    signed = event.status == EventStatus.SIGNED
    dated = event.signed_at if signed and event.signed_at else event.effective_at
    on = to_local(event.effective_at).date()

    encounter = None
    if event.encounter_id is not None:
        try:
            encounter = extract.encounter(event.encounter_id)
        except KeyError:
            encounter = None
    department = extract.departments.get(encounter.department_id or "", "") if encounter else ""
    order = _order(extract, body.order_id)
    order_body = order.body if order is not None else None
    assert order_body is None or isinstance(order_body, Order)

    service = order_body.service_name if order_body else _service_name(body.service_code)
    if order_body is not None and order_body.priority != "routine":
        service += f" ({PRIORITY_VI.get(order_body.priority, order_body.priority)})"
    doctor = extract.staff_name(order.signed_by or order.created_by) if order else ""
    modality = MODALITY_VI.get(body.modality.upper())
    technique = f"{modality} ({body.modality})" if modality else body.modality

    story: list[Flowable] = [
        letterhead_block(extract.letterhead, width, right=patient_barcode(patient, width * 0.5)),
        *title_block(TITLE),
        patient_block(patient, on, width, extra=[("Khoa/phòng", department or MISSING)]),
        # A heading never ends a page without what it heads.
        KeepTogether(
            [
                section("CHỈ ĐỊNH"),
                labelled("Dịch vụ", service, s.body, bold=True),
                labelled("Bác sĩ chỉ định", doctor or MISSING, s.body),
                labelled(
                    "Thời gian chỉ định", vn_time(order.effective_at) if order else MISSING, s.body
                ),
                labelled(
                    "Chẩn đoán lâm sàng", _clinical_diagnosis(extract, event, order_body), s.body
                ),
            ]
        ),
        KeepTogether(
            [
                section("KỸ THUẬT"),
                para(f"{technique} — mã dịch vụ {body.service_code}", s.body),
                labelled("Thời gian thực hiện", vn_time(event.effective_at), s.body),
            ]
        ),
        *_findings(body.findings),
        KeepTogether([section("KẾT LUẬN"), Paragraph(f"<b>{esc(body.conclusion)}</b>", s.body)]),
        Spacer(1, 2 * mm),
        para(f"Mã nghiên cứu DICOM: {body.study_instance_uid or 'không có'}", s.small),
        signature_block(
            dated,
            [
                Signature(
                    "Bác sĩ chẩn đoán hình ảnh",
                    extract.staff_name(event.signed_by if signed else event.created_by),
                    event.signed_at if signed else None,
                )
            ],
            width * 0.45,
        ),
    ]
    return chart_pdf(story, extract, pagesize=pagesize, title=TITLE, draft=not signed)


def _report_event(extract: ChartExtract, event_id: str) -> ClinicalEvent:
    """The report to print, refused unless it is a current imaging report."""
    try:
        event = extract.event(event_id)
    except KeyError:
        raise ValidationError(
            "target_id",
            "unknown",
            "Không có bản ghi này trong hồ sơ bệnh nhân",
            "No such record in the patient's chart",
        ) from None
    if not isinstance(event.body, ImagingReport) or event.correction == (
        Correction.ENTERED_IN_ERROR
    ):
        raise ValidationError(
            "target_id",
            "kind",
            "Bản ghi này không phải kết quả chẩn đoán hình ảnh",
            "This record is not an imaging report",
        )
    corrections = {e.correction for e in extract.events if e.corrects == event.id}
    if Correction.ENTERED_IN_ERROR in corrections:
        raise ValidationError(
            "target_id",
            "entered_in_error",
            "Bản ghi này đã bị đánh dấu nhập nhầm; không in",
            "This record was marked entered in error; it is not printed",
        )
    if Correction.AMENDS in corrections:
        raise ValidationError(
            "target_id",
            "superseded",
            "Bản ghi này đã được đính chính; hãy in bản đính chính",
            "This record was amended; print the amended version",
        )
    return event


def _order(extract: ChartExtract, order_id: str | None) -> ClinicalEvent | None:
    """The order the report answers, in its latest version, if the extract holds it (and it
    was not marked entered in error)."""
    if order_id is None:
        return None
    current = {e.id: e for e in extract.current_events()}
    amended_by = {e.corrects: e.id for e in extract.events if e.correction == Correction.AMENDS}
    ref, seen = order_id, {order_id}
    while ref not in current and ref in amended_by and amended_by[ref] not in seen:
        ref = amended_by[ref]
        seen.add(ref)
    found = current.get(ref)
    return found if found is not None and isinstance(found.body, Order) else None


def _findings(text: str) -> list[Flowable]:
    """The description as written, a paragraph a line (a long one runs on to the next page
    line by line), its heading kept with its first line."""
    style = styles().body.clone("findings", spaceAfter=0)
    lines: list[Flowable] = [
        para(line, style) if line.strip() else Spacer(1, style.leading)
        for line in text.splitlines()
    ]
    return [KeepTogether([section("MÔ TẢ"), *lines[:1]]), *lines[1:]]


@cache
def _imaging_names() -> dict[str, str]:
    return {
        e.code: e.name_vi
        for e in load_builtin(CatalogKind.IMAGING)
        if isinstance(e, ImagingServiceEntry)
    }


def _service_name(code: str) -> str:
    """A service's name from the built-in catalogue (the code itself if it is not there)."""
    return _imaging_names().get(code, code)


def _clinical_diagnosis(extract: ChartExtract, event: ClinicalEvent, order: Order | None) -> str:
    """Why the study was asked for: the order's indication, else the encounter's diagnoses."""
    if order is not None and order.indication:
        return order.indication
    codes: list[str] = []
    if event.encounter_id is not None:
        for diagnosis in extract.events_of(event.encounter_id, Diagnosis.KIND):
            assert isinstance(diagnosis.body, Diagnosis)
            if diagnosis.body.icd10 not in codes:
                codes.append(diagnosis.body.icd10)
    return "; ".join(diagnosis_text(extract, code) for code in codes) or "không ghi"
