"""The outpatient prescription (đơn thuốc), A5 or A4, in the layout of the MoH form.

Top right: the national e-prescription code (mã đơn thuốc) in a QR code, with the code in
text under it, as pharmacies scan it. The title follows the code's type: "ĐƠN THUỐC", or
"ĐƠN THUỐC "N"" / ""H"" for narcotic and psychotropic drugs. Then the patient's identifiers
(the weight and the guardian for a child), the diagnoses, the drugs with their quantity and
use, the advice, the follow-up date, and the prescriber's signature. A draft prints with a
"BẢN NHÁP" watermark and no signing time: it is not a prescription yet.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.eprescription import PRESCRIPTION_TITLES, prescription_type
from emr_desktop.core.records import Prescription
from emr_desktop.core.timeutil import to_local
from emr_desktop.printing.codes import QrFlowable
from emr_desktop.printing.describe import (
    diagnosis_text,
    encounter_department,
    encounter_diagnoses_text,
    event_target,
    has_draft,
    item_text,
    signature,
    signed_or_recorded,
    weight_kg,
)
from emr_desktop.printing.layout import (
    NOT_RECORDED,
    amount,
    chart_pdf,
    content_width,
    grid,
    labelled,
    letterhead_block,
    paper_size,
    para,
    patient_block,
    signature_block,
    styles,
    text_cell,
    title_block,
    vn_date,
)

#: Type sizes on A5 relative to A4.
_A5_SCALE = 0.82


def prescription_pdf(extract: ChartExtract, event_id: str, *, paper: str = "A5") -> bytes:
    """The prescription `event_id` of the extract's chart as PDF bytes. ValidationError on
    "target_id" when it is not a current prescription (unknown, of another kind, amended or
    marked entered in error)."""
    event = event_target(extract, event_id, Prescription, "đơn thuốc", "a prescription")
    body = event.body
    assert isinstance(body, Prescription)
    scale = _A5_SCALE if paper == "A5" else 1.0
    pagesize = paper_size(paper)
    width = content_width(pagesize, scale)
    s = styles(scale)
    patient = extract.patient
    dated = signed_or_recorded(event)
    on = to_local(dated).date()
    department = encounter_department(extract, event.encounter_id)

    right: list[Flowable] = []
    if body.code:
        qr = QrFlowable(body.code, 24 * mm * scale)
        qr.hAlign = "CENTER"
        right += [qr, para(f"Mã đơn thuốc: {body.code}", s.header)]
    else:
        right.append(para("Mã đơn thuốc: chưa cấp", s.header))
    title = PRESCRIPTION_TITLES[prescription_type(body.code)] if body.code else "ĐƠN THUỐC"

    extra: list[tuple[str, str]] = []
    weight = weight_kg(extract, event.encounter_id)
    if weight is not None:
        extra.append(("Cân nặng", f"{amount(weight)} kg"))
    if patient.guardian_name:
        extra.append(("Bố/mẹ hoặc người giám hộ", patient.guardian_name))
    diagnosis = (
        "; ".join(diagnosis_text(extract, c, event.encounter_id) for c in body.diagnosis_codes)
        or encounter_diagnoses_text(extract, event.encounter_id)
        or NOT_RECORDED
    )
    extra.append(("Chẩn đoán", diagnosis))

    story: list[Flowable] = [
        letterhead_block(
            extract.letterhead,
            width,
            department=department,
            national_heading=False,
            right=right,
            scale=scale,
        ),
        *title_block(title, scale=scale),
        patient_block(patient, on, width, extra=extra, scale=scale),
        Spacer(1, 2 * mm * scale),
        para("Thuốc điều trị:", s.heading),
    ]
    widths = [11 * mm * scale, width - 37 * mm * scale, 26 * mm * scale]
    rows = [
        [
            str(n),
            text_cell([(item.drug_name, True), (item_text(item), False)], widths[1], s.cell),
            f"{amount(item.quantity)} {item.unit}",
        ]
        for n, item in enumerate(body.items, 1)
    ]
    story.append(
        grid(
            ["STT", "Tên thuốc, hàm lượng — cách dùng", "Số lượng"],
            rows,
            widths,
            scale=scale,
            align="CLR",
        )
    )
    story.append(para(f"Cộng khoản: {len(body.items)} thuốc", s.body))
    if body.advice:
        story.append(labelled("Lời dặn", body.advice, s.body))
    if body.follow_up is not None:
        story.append(labelled("Ngày tái khám", vn_date(body.follow_up), s.body))
    story.append(
        signature_block(
            dated, [signature("Bác sĩ/Y sĩ khám bệnh", extract, event)], width * 0.5, scale=scale
        )
    )
    story.append(Spacer(1, 2 * mm * scale))
    story.append(para("- Khám lại xin mang theo đơn này.", s.small))
    if patient.phones:
        story.append(para(f"- Số điện thoại liên hệ: {', '.join(patient.phones)}", s.small))
    return chart_pdf(
        story,
        extract,
        pagesize=pagesize,
        title=f"{title} {body.code or ''}".strip(),
        draft=has_draft([event]),
        scale=scale,
    )
