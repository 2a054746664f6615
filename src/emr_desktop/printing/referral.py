"""The referral letter (giấy chuyển tuyến khám bệnh, chữa bệnh bảo hiểm y tế), A4, in the
layout of the form of TT 14/2014 as amended.

Top left the facility and the department; top right the national heading, the MRN barcode
and the referral register number, left blank for the clerk who enters it in the register.
Then the title, "Kính gửi:" the destination, the patient's identifiers, where and when the
patient was seen here, and the "TÓM TẮT BỆNH ÁN": allergies and chronic conditions, the
clinical signs (the encounter's latest notes and vital signs), the abnormal lab results and
the imaging conclusions, the diagnoses with their ICD-10 codes, the drugs and procedures
given, then what the doctor typed when printing (`ReferralDetails`): the patient's condition,
the reason, the recommended treatment, when the patient leaves, the transport and the escort.
The doctor who examined the patient signs on the left, the person with authority to refer
on the right.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer

from emr_desktop.core.documents import ChartExtract, ReferralDetails
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    ClinicalEvent,
    ClinicalNote,
    Diagnosis,
    Encounter,
    ImagingReport,
    LabResult,
    MedicationOrder,
    NoteType,
    Order,
    OrderCategory,
    Patient,
    Prescription,
    VitalSigns,
)
from emr_desktop.core.timeutil import to_local
from emr_desktop.printing.describe import (
    FLAG_MARK,
    FLAG_VI,
    DepartmentStay,
    active_allergies,
    active_problems,
    allergy_text,
    department_stays,
    diagnosis_summary,
    discharge_time,
    drug_names,
    encounter_target,
    event_title,
    has_draft,
    lab_reference,
    order_names,
    problem_text,
    stay_text,
    vitals_text,
)
from emr_desktop.printing.layout import (
    MISSING,
    NOT_RECORDED,
    Field,
    Signature,
    chart_pdf,
    clock_text,
    content_width,
    esc,
    fields_table,
    identity_rows,
    item_style,
    labelled,
    letterhead_block,
    paper_size,
    para,
    section,
    signature_block,
    styles,
    vn_date,
    vn_time,
)

TITLE = "Giấy chuyển tuyến khám bệnh, chữa bệnh bảo hiểm y tế"
#: The kinds of event the letter draws on besides the notes and vital signs it quotes (a
#: draft among them makes it a draft).
_PRINTED_KINDS = frozenset(
    {
        Diagnosis.KIND,
        LabResult.KIND,
        ImagingReport.KIND,
        Prescription.KIND,
        MedicationOrder.KIND,
        Order.KIND,
    }
)
#: The height of the unsigned signature boxes under their dating line, with some room.
_SIGNATURES_HEIGHT = 42 * mm
_REQUIRED = (
    ("destination", "nơi chuyển đến (Kính gửi)", "the destination"),
    ("reason", "lí do chuyển tuyến", "the reason for the referral"),
    ("condition", "tình trạng người bệnh lúc chuyển tuyến", "the patient's condition"),
)


def referral_pdf(extract: ChartExtract, encounter_id: str, details: ReferralDetails) -> bytes:
    """The referral letter from the encounter `encounter_id` as PDF bytes (A4).

    ValidationError on "target_id" for an unknown or cancelled encounter, and on
    "destination", "reason" or "condition" when the doctor left it empty.
    """
    encounter = encounter_target(extract, encounter_id, "giấy chuyển tuyến")
    for name, vi, en in _REQUIRED:
        if not getattr(details, name).strip():
            raise ValidationError(
                name,
                "required",
                f"Cần ghi {vi} trên giấy chuyển tuyến",
                f"The referral letter needs {en}",
            )
    pagesize = paper_size("A4")
    width = content_width(pagesize)
    s = styles()
    item = item_style()
    patient = extract.patient
    leaves = details.transfer_at or extract.printed_at
    stays = department_stays(extract, encounter)
    events = extract.events_of(encounter.id)
    attending = extract.staff_name(encounter.attending_id)
    notes = _clinical_notes(events)
    vitals = [e for e in events if isinstance(e.body, VitalSigns)][-1:]

    story: list[Flowable] = [
        letterhead_block(
            extract.letterhead,
            width,
            department=stays[-1].department if stays else None,
            patient=patient,
            right=[para("Vào sổ chuyển tuyến số: ……………", s.header)],
        ),
        Spacer(1, 3 * mm),
        # Broken where the paper form breaks it, not where the line runs out.
        Paragraph("GIẤY CHUYỂN TUYẾN KHÁM BỆNH, CHỮA BỆNH<br/>BẢO HIỂM Y TẾ", s.title),
        Paragraph(f"Kính gửi: <b>{esc(details.destination.strip())}</b>", s.center),
        Spacer(1, 2 * mm),
        para(f"{extract.letterhead.facility_name} trân trọng giới thiệu:", s.body),
        fields_table(_identity(patient, to_local(leaves).date()), width),
        labelled(
            "- Đã được khám bệnh, điều trị tại", _where(extract, encounter, stays, leaves), item
        ),
        section("TÓM TẮT BỆNH ÁN"),
    ]
    allergies = "; ".join(allergy_text(a) for a in active_allergies(extract))
    story.append(
        Paragraph(f"- Dị ứng: <b>{esc(allergies)}</b>", item)
        if allergies
        else labelled("- Dị ứng", "chưa ghi nhận", item)
    )
    problems = "; ".join(problem_text(p) for p in active_problems(extract))
    story.append(labelled("- Bệnh mạn tính, tiền sử", problems or "không có", item))
    story.append(para("- Dấu hiệu lâm sàng:", item))
    story += _clinical_signs(notes, vitals)
    story.append(para("- Kết quả xét nghiệm, cận lâm sàng:", item))
    story += _results(extract, events)
    fields: list[Field] = [
        ("- Chẩn đoán", diagnosis_summary(extract, encounter.id)),
        (
            "- Phương pháp, thủ thuật, kỹ thuật, thuốc đã sử dụng trong điều trị",
            _treatment(extract, encounter.id, events),
        ),
        ("- Tình trạng người bệnh lúc chuyển tuyến", details.condition.strip()),
        ("- Lí do chuyển tuyến", details.reason.strip()),
        ("- Hướng điều trị", details.direction.strip() or NOT_RECORDED),
    ]
    story += [labelled(label, value, item) for label, value in fields]
    # The departure and the signatures stay together: a signature alone on a page would
    # sign nothing. (A KeepTogether around them would not do: the signature block is one
    # already, and a KeepTogether inside another always asks for a new page.)
    departure = [
        labelled(label, value, item)
        for label, value in (
            ("- Chuyển tuyến hồi", clock_text(leaves)),
            ("- Phương tiện vận chuyển", details.transport.strip() or NOT_RECORDED),
            (
                "- Họ tên, chức danh, trình độ chuyên môn của người hộ tống",
                details.escort.strip() or "không có",
            ),
        )
    ]
    reserve = sum(p.wrap(width, pagesize[1])[1] + item.spaceAfter for p in departure)
    story += [
        CondPageBreak(reserve + _SIGNATURES_HEIGHT),
        *departure,
        signature_block(
            extract.printed_at,
            [
                Signature("Y, bác sĩ khám, điều trị", attending or extract.printed_by),
                Signature("Người có thẩm quyền chuyển tuyến"),
            ],
            width,
        ),
    ]
    printed = [e for e in events if e.kind in _PRINTED_KINDS]
    return chart_pdf(
        story, extract, pagesize=pagesize, title=TITLE, draft=has_draft([*printed, *notes, *vitals])
    )


def _identity(patient: Patient, on: date) -> list[tuple[Field, Field | None]]:
    card = "không có"
    if patient.bhyt_number:
        valid = MISSING
        if patient.bhyt_valid_to is not None:
            valid = f"đến {vn_date(patient.bhyt_valid_to)}"
            if patient.bhyt_valid_from is not None:
                valid = f"từ {vn_date(patient.bhyt_valid_from)} {valid}"
        card = f"{patient.bhyt_number} — hạn sử dụng: {valid}"
    return identity_rows(
        patient, on, name_label="Họ và tên người bệnh", card=("Số thẻ bảo hiểm y tế", card)
    )


def _where(
    extract: ChartExtract, encounter: Encounter, stays: list[DepartmentStay], leaves: datetime
) -> str:
    """ "Trung tâm Y tế … (Khoa HSCC; Khoa Nội tổng hợp) từ ngày 21/10/2026 đến ngày …" """
    text = extract.letterhead.facility_name
    if stays:
        text += f" ({'; '.join(stay_text(st, span=False) for st in stays)})"
    since = vn_date(to_local(encounter.started_at).date())
    until = vn_date(to_local(discharge_time(extract, encounter) or leaves).date())
    if until == since:
        return f"{text} ngày {since}"
    return f"{text} từ ngày {since} đến ngày {until}"


def _clinical_notes(events: list[ClinicalEvent]) -> list[ClinicalEvent]:
    """The notes the clinical signs are taken from: the admission note, if any, and the
    latest doctor's note (a nurse's only when there is no other)."""
    kinds = {e.id: e.body.note_type for e in events if isinstance(e.body, ClinicalNote)}
    notes = [e for e in events if e.id in kinds]
    doctors = [e for e in notes if kinds[e.id] != NoteType.NURSING] or notes
    chosen = [e for e in doctors if kinds[e.id] == NoteType.ADMISSION][:1]
    if doctors and doctors[-1] not in chosen:
        chosen.append(doctors[-1])
    return chosen


@cache
def _point_style() -> ParagraphStyle:
    """The "+ …" points under a field, indented past its dash."""
    return ParagraphStyle("point", parent=item_style(), leftIndent=16, firstLineIndent=-7)


def _point(text: str) -> Paragraph:
    return para(f"+ {text}", _point_style())


def _clinical_signs(notes: list[ClinicalEvent], vitals: list[ClinicalEvent]) -> list[Flowable]:
    out: list[Flowable] = []
    for event in notes:
        body = event.body
        assert isinstance(body, ClinicalNote)
        out.append(_point(f"{event_title(event)} ({vn_time(event.effective_at)}): {body.text}"))
    for event in vitals:
        assert isinstance(event.body, VitalSigns)
        out.append(
            _point(f"Dấu hiệu sinh tồn ({vn_time(event.effective_at)}): {vitals_text(event.body)}")
        )
    return out or [_point(NOT_RECORDED)]


def _results(extract: ChartExtract, events: list[ClinicalEvent]) -> list[Flowable]:
    """The abnormal lab results (the normal ones counted), the imaging conclusions."""
    labs = [e.body for e in events if isinstance(e.body, LabResult)]
    flagged = [body for body in labs if FLAG_MARK.get(body.flag, "")]
    out: list[Flowable] = []
    if labs:
        found = "; ".join(_lab_text(body) for body in flagged)
        normal = len(labs) - len(flagged)
        if normal:
            others = "khác " if flagged else ""
            found += f"{'; ' if found else ''}{normal} xét nghiệm {others}trong giới hạn tham chiếu"
        out.append(_point(f"Xét nghiệm: {found}"))
    names = order_names(extract, events[0].encounter_id or "") if events else {}
    for event in events:
        body = event.body
        if isinstance(body, ImagingReport):
            name = names.get(body.order_id or "", body.service_code)
            out.append(
                _point(
                    f"{name} ({body.modality}, {vn_time(event.effective_at)}): {body.conclusion}"
                )
            )
    return out or [_point("chưa làm xét nghiệm, cận lâm sàng")]


def _lab_text(body: LabResult) -> str:
    """ "Bạch cầu (WBC) 11,8 G/L (cao; tham chiếu 4 – 10)" """
    text = f"{body.test_name} {body.value}" + (f" {body.unit}" if body.unit else "")
    notes = [FLAG_VI.get(body.flag, body.flag).lower()]
    reference = lab_reference(body)
    if reference:
        notes.append(f"tham chiếu {reference}")
    return f"{text} ({'; '.join(n for n in notes if n)})"


def _treatment(extract: ChartExtract, encounter_id: str, events: list[ClinicalEvent]) -> str:
    """ "Thuốc: …; thủ thuật: …" from the prescriptions, medication orders and procedure
    orders."""
    parts = []
    drugs = drug_names(extract, encounter_id)
    if drugs:
        parts.append(f"Thuốc: {', '.join(drugs)}")
    procedures = [
        e.body.service_name
        for e in events
        if isinstance(e.body, Order) and e.body.category == OrderCategory.PROCEDURE
    ]
    if procedures:
        parts.append(f"{'thủ' if parts else 'Thủ'} thuật: {', '.join(procedures)}")
    return "; ".join(parts) or "không có"
