"""The discharge paper (giấy ra viện), A4, in the layout of the MoH form (TT 56/2017 as
amended by TT 18/2022).

Top left the facility and the department the patient leaves from; top right the national
heading, the MRN barcode and the archive number (mã lưu trữ: the MRN). Then the title, the
patient's identifiers, when the patient came in and left ("… giờ … phút, ngày … tháng …
năm …"), the department(s), the diagnoses with their ICD-10 codes, the treatment (from the
discharge summary note, else the drugs ordered), the result of treatment and the kind of
discharge (QĐ 130 codes), the doctor's advice, and the signatures: the treating doctor (who
signed the discharge), the head of department and the head of the facility.

Printed for a finished inpatient or emergency encounter only.
"""

from __future__ import annotations

from datetime import date

from reportlab.platypus import Flowable

from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    ClinicalEvent,
    ClinicalNote,
    Diagnosis,
    EncounterKind,
    EncounterStatus,
    EventStatus,
    MedicationOrder,
    Movement,
    NoteType,
    Patient,
    Prescription,
)
from emr_desktop.core.timeutil import to_local
from emr_desktop.printing.describe import (
    DISCHARGE_TYPE_VI,
    TREATMENT_RESULT_VI,
    coded_text,
    department_stays,
    diagnosis_summary,
    discharge_event,
    discharge_time,
    drug_names,
    encounter_target,
    has_draft,
    signature,
    signer,
    stay_text,
)
from emr_desktop.printing.layout import (
    MISSING,
    NOT_RECORDED,
    Field,
    Signature,
    chart_pdf,
    clock_text,
    content_width,
    fields_table,
    identity_rows,
    item_style,
    labelled,
    letterhead_block,
    paper_size,
    para,
    signature_block,
    styles,
    title_block,
    vn_date,
)

#: How a line of the discharge summary note starts when it gives the doctor's advice
#: rather than the treatment (lower case; the text before the colon).
_ADVICE_LABELS = ("lời dặn", "ghi chú", "dặn dò", "hướng dẫn")
_TREATMENT_LABELS = ("phương pháp điều trị", "điều trị")


def discharge_pdf(extract: ChartExtract, encounter_id: str) -> bytes:
    """The discharge paper of the finished stay `encounter_id` as PDF bytes (A4).

    ValidationError on "target_id" for an outpatient visit, a stay not yet discharged, a
    cancelled or unknown encounter.
    """
    encounter = encounter_target(extract, encounter_id, "giấy ra viện")
    if encounter.kind == EncounterKind.OUTPATIENT:
        raise ValidationError(
            "target_id",
            "inpatient",
            "Giấy ra viện chỉ in cho đợt điều trị nội trú hoặc cấp cứu",
            "The discharge paper is printed for inpatient or emergency stays only",
        )
    left = discharge_time(extract, encounter)
    if encounter.status != EncounterStatus.FINISHED or left is None:
        raise ValidationError(
            "target_id",
            "finished",
            "Bệnh nhân chưa ra viện: chưa in được giấy ra viện",
            "The patient has not been discharged yet: no discharge paper",
        )
    pagesize = paper_size("A4")
    width = content_width(pagesize)
    s = styles()
    patient = extract.patient
    stays = department_stays(extract, encounter)
    discharge = discharge_event(extract, encounter.id)
    found = _summary_note(extract, encounter.id)
    summary = found[0] if found else None
    treatment, advice = _split_summary(found[1]) if found else ("", "")
    printed: list[ClinicalEvent] = [
        *extract.events_of(encounter.id, Diagnosis.KIND),
        *extract.events_of(encounter.id, Movement.KIND),
        *([summary] if summary else []),
    ]
    if not treatment:
        drugs = drug_names(extract, encounter.id)
        treatment = f"Thuốc đã dùng: {', '.join(drugs)}" if drugs else NOT_RECORDED
        printed += [
            e
            for e in extract.events_of(encounter.id)
            if isinstance(e.body, MedicationOrder | Prescription)
        ]
    moved = discharge.body if discharge and isinstance(discharge.body, Movement) else None
    result = (moved.treatment_result if moved else None) or encounter.treatment_result
    kind = (moved.discharge_type if moved else None) or encounter.discharge_type

    lines: list[Field] = [
        ("- Vào viện lúc", clock_text(encounter.started_at)),
        ("- Ra viện lúc", clock_text(left)),
        ("- Khoa", stay_text(stays[-1], span=False) if stays else MISSING),
    ]
    if len(stays) > 1:
        lines.append(("- Điều trị tại các khoa", "; ".join(stay_text(st) for st in stays)))
    lines += [
        ("- Chẩn đoán", diagnosis_summary(extract, encounter.id)),
        ("- Phương pháp điều trị", treatment),
        ("- Kết quả điều trị", coded_text(TREATMENT_RESULT_VI, result)),
        ("- Loại ra viện", coded_text(DISCHARGE_TYPE_VI, kind)),
        ("- Ghi chú, lời dặn của thầy thuốc", advice or "không có"),
    ]
    story: list[Flowable] = [
        letterhead_block(
            extract.letterhead,
            width,
            department=stays[-1].department if stays else None,
            patient=patient,
            right=[para(f"Mã lưu trữ: {patient.mrn}", s.header)],
        ),
        *title_block("Giấy ra viện"),
        fields_table(_identity(patient, to_local(left).date()), width),
        *(labelled(label, value, item_style()) for label, value in lines),
        signature_block(
            left,
            [
                _treating_doctor(extract, discharge, summary, encounter.attending_id),
                Signature("Trưởng khoa"),
                Signature("Thủ trưởng đơn vị"),
            ],
            width,
        ),
    ]
    return chart_pdf(
        story, extract, pagesize=pagesize, title="Giấy ra viện", draft=has_draft(printed)
    )


def _identity(patient: Patient, on: date) -> list[tuple[Field, Field | None]]:
    bhyt = "không có"
    if patient.bhyt_number:
        bhyt = patient.bhyt_number
        if patient.bhyt_valid_to:
            bhyt += f" (giá trị đến {vn_date(patient.bhyt_valid_to)})"
    return identity_rows(
        patient, on, name_label="Họ tên người bệnh", card=("Mã số BHXH/Thẻ BHYT số", bhyt)
    )


def _summary_note(
    extract: ChartExtract, encounter_id: str
) -> tuple[ClinicalEvent, ClinicalNote] | None:
    """The encounter's latest discharge summary note, if any."""
    found = None
    for event in extract.events_of(encounter_id, ClinicalNote.KIND):
        body = event.body
        if isinstance(body, ClinicalNote) and body.note_type == NoteType.DISCHARGE_SUMMARY:
            found = (event, body)
    return found


def _split_summary(body: ClinicalNote) -> tuple[str, str]:
    """The discharge summary's treatment and its advice: the lines from the first one that
    starts "Lời dặn:" (or "Ghi chú:" …) on are advice, with the note's orders."""
    treatment: list[str] = []
    advice: list[str] = []
    into = treatment
    for line in body.text.splitlines():
        label, colon, rest = line.partition(":")
        key = label.strip().lower()
        if colon and key.startswith(_ADVICE_LABELS):
            into, line = advice, rest
        elif colon and into is treatment and key in _TREATMENT_LABELS:
            line = rest
        if line.strip():
            into.append(line.strip())
    if body.orders_text and body.orders_text.strip():
        advice.append(body.orders_text.strip())
    return "\n".join(treatment), "\n".join(advice)


def _treating_doctor(
    extract: ChartExtract,
    discharge: ClinicalEvent | None,
    summary: ClinicalEvent | None,
    attending_id: str | None,
) -> Signature:
    """The doctor who signed the discharge (else the summary); unsigned with the attending's
    name while neither is signed."""
    for event in (discharge, summary):
        if event is not None and event.status == EventStatus.SIGNED:
            return signature("Bác sĩ điều trị", extract, event)
    name = extract.staff_name(attending_id)
    if not name and discharge is not None:
        name = signer(extract, discharge)
    return Signature("Bác sĩ điều trị", name)
