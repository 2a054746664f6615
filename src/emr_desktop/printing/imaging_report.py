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
from emr_desktop.core.records import (
    ClinicalEvent,
    ImagingReport,
    Order,
)
from emr_desktop.core.timeutil import to_local
from emr_desktop.printing.describe import (
    encounter_department,
    encounter_diagnoses_text,
    event_target,
    has_draft,
    service_text,
    signature,
    signed_or_recorded,
    signer,
)
from emr_desktop.printing.layout import (
    MISSING,
    NOT_RECORDED,
    chart_pdf,
    content_width,
    esc,
    labelled,
    letterhead_block,
    paper_size,
    para,
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
    event = event_target(
        extract, event_id, ImagingReport, "kết quả chẩn đoán hình ảnh", "an imaging report"
    )
    body = event.body
    assert isinstance(body, ImagingReport)
    pagesize = paper_size("A4")
    width = content_width(pagesize)
    s = styles()
    patient = extract.patient
    on = to_local(event.effective_at).date()

    department = encounter_department(extract, event.encounter_id)
    order = _order(extract, body.order_id)
    order_body = order.body if order is not None else None
    assert order_body is None or isinstance(order_body, Order)
    service = service_text(order_body) if order_body else _service_name(body.service_code)
    doctor = signer(extract, order) if order else ""
    modality = MODALITY_VI.get(body.modality.upper())
    technique = f"{modality} ({body.modality})" if modality else body.modality

    story: list[Flowable] = [
        letterhead_block(extract.letterhead, width, patient=patient),
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
            signed_or_recorded(event),
            [signature("Bác sĩ chẩn đoán hình ảnh", extract, event)],
            width * 0.45,
        ),
    ]
    return chart_pdf(story, extract, pagesize=pagesize, title=TITLE, draft=has_draft([event]))


def _order(extract: ChartExtract, order_id: str | None) -> ClinicalEvent | None:
    """The order the report answers, in its latest version, if the extract holds it (and it
    was not marked entered in error)."""
    order = extract.latest_version(order_id) if order_id is not None else None
    return order if order is not None and isinstance(order.body, Order) else None


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
    return encounter_diagnoses_text(extract, event.encounter_id) or NOT_RECORDED
