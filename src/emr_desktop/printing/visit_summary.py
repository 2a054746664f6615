"""The summary of one visit ("TÓM TẮT LẦN KHÁM") or stay ("TÓM TẮT ĐỢT ĐIỀU TRỊ"), A4.

An internal document (no national heading): the facility block with the patient's barcode,
the title and the encounter, the patient's allergies in red above everything else, the
patient's identifiers with the reason for the visit, then what the encounter holds — vital
signs, diagnoses, notes, orders with their lab results (out-of-range values flagged H/L) and
imaging conclusions, prescriptions, medication orders with how many doses were given, and
for a stay its movements between departments. It ends with an unsigned box for the attending
doctor (or the doctor who prints it). A draft among what it shows prints the "BẢN NHÁP"
watermark.

The encounter facts the other encounter documents share (diagnoses by rank, the drugs used,
the departments of a stay, the time phrases of the forms) are defined here too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Table

from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    Allergy,
    AllergyStatus,
    ClinicalEvent,
    ClinicalNote,
    Diagnosis,
    DiagnosisRank,
    Encounter,
    EncounterKind,
    EncounterStatus,
    EventStatus,
    ImagingReport,
    LabResult,
    MedicationAdministration,
    MedicationOrder,
    Movement,
    MovementKind,
    Order,
    Patient,
    Prescription,
    Problem,
    ProblemStatus,
    VitalSigns,
)
from emr_desktop.core.timeutil import to_local
from emr_desktop.printing.describe import (
    DISCHARGE_TYPE_VI,
    FLAG_MARK,
    NOTE_TYPE_VI,
    ORDER_CATEGORY_VI,
    OUTCOME_VI,
    PRIORITY_VI,
    SEVERITY_VI,
    TREATMENT_RESULT_VI,
    diagnosis_text,
    encounter_label,
    event_lines,
    item_text,
    lab_reference,
    route_vi,
    vitals_text,
)
from emr_desktop.printing.fonts import REGULAR
from emr_desktop.printing.layout import (
    MISSING,
    SEX_VI,
    Signature,
    amount,
    birth_text,
    chart_pdf,
    content_width,
    esc,
    grid,
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
    vn_date,
    vn_time,
)

#: Printed where the chart has nothing of a kind the document lists.
NOTHING = "Không có."
#: Printed for a field a clinician did not fill in.
NOT_RECORDED = "không ghi"
#: The room a heading needs below it on a page (else it starts the next one): a heading
#: alone at the foot of a page heads nothing.
_KEEP_WITH_HEADING = 18 * mm
#: The width of a "14:05 21/11/2026" column.
_TIME_W = 32 * mm

# --- Encounter facts shared by the encounter documents ---------------------------------


def encounter_target(extract: ChartExtract, encounter_id: str, document: str) -> Encounter:
    """The encounter a document is printed from: ValidationError on "target_id" when the
    extract does not hold it or it was cancelled. `document` names the document ("giấy
    ra viện") in the message."""
    try:
        encounter = extract.encounter(encounter_id)
    except KeyError:
        raise ValidationError(
            "target_id",
            "unknown",
            "Không có lượt khám này trong hồ sơ bệnh nhân",
            "No such encounter in the patient's chart",
        ) from None
    if encounter.status == EncounterStatus.CANCELLED:
        raise ValidationError(
            "target_id",
            "cancelled",
            f"Lượt khám này đã bị huỷ: không in {document}",
            "This encounter was cancelled: nothing is printed from it",
        )
    return encounter


def has_draft(events: Iterable[ClinicalEvent]) -> bool:
    """Whether any of `events` is unsigned (the document then prints as a draft)."""
    return any(e.status != EventStatus.SIGNED for e in events)


def signer(extract: ChartExtract, event: ClinicalEvent) -> str:
    """Who signed `event`, or who wrote it while it is a draft."""
    signed = event.status == EventStatus.SIGNED
    return extract.staff_name(event.signed_by if signed else event.created_by)


def diagnoses_by_rank(
    extract: ChartExtract, encounter_id: str
) -> tuple[list[Diagnosis], list[Diagnosis]]:
    """The encounter's current diagnoses, primary then secondary, each code once (its latest
    entry decides the rank), in the order they were made."""
    latest: dict[str, Diagnosis] = {}
    for event in extract.events_of(encounter_id, Diagnosis.KIND):
        if isinstance(event.body, Diagnosis):
            latest.pop(event.body.icd10, None)
            latest[event.body.icd10] = event.body
    primary = [d for d in latest.values() if d.rank == DiagnosisRank.PRIMARY]
    secondary = [d for d in latest.values() if d.rank != DiagnosisRank.PRIMARY]
    return primary, secondary


def diagnosis_summary(extract: ChartExtract, encounter_id: str) -> str:
    """ "Bệnh chính: I20.0 — Cơn đau thắt ngực …; bệnh kèm theo: I10 — …; E11.9 — …" """
    primary, secondary = diagnoses_by_rank(extract, encounter_id)

    def codes(diagnoses: list[Diagnosis]) -> str:
        return "; ".join(diagnosis_text(extract, d.icd10) for d in diagnoses)

    parts = []
    if primary:
        parts.append(f"Bệnh chính: {codes(primary)}")
    if secondary:
        parts.append(f"{'b' if primary else 'B'}ệnh kèm theo: {codes(secondary)}")
    return "; ".join(parts) or "chưa có chẩn đoán"


def drug_names(extract: ChartExtract, encounter_id: str) -> list[str]:
    """The drugs of the encounter's prescriptions and medication orders, each once, in the
    order they were first ordered."""
    names: dict[str, None] = {}
    for event in extract.events_of(encounter_id):
        body = event.body
        if isinstance(body, Prescription):
            names.update((item.drug_name, None) for item in body.items)
        elif isinstance(body, MedicationOrder):
            names[body.drug_name] = None
    return list(names)


@dataclass(frozen=True)
class DepartmentStay:
    """A stretch of an encounter in one department."""

    department: str
    bed: str
    since: datetime
    until: datetime | None


def department_stays(extract: ChartExtract, encounter: Encounter) -> list[DepartmentStay]:
    """Where the encounter went, from its admission and transfer movements (the encounter's
    own department when it has none); the last stay ends at the discharge."""
    moves = [
        e for e in extract.events_of(encounter.id, Movement.KIND) if isinstance(e.body, Movement)
    ]
    ended = discharge_time(extract, encounter)
    stays: list[DepartmentStay] = []
    for event in moves:
        body = event.body
        assert isinstance(body, Movement)
        if body.movement == MovementKind.DISCHARGE or not body.department_id:
            continue
        if stays:
            stays[-1] = DepartmentStay(
                stays[-1].department, stays[-1].bed, stays[-1].since, event.effective_at
            )
        stays.append(
            DepartmentStay(
                extract.departments.get(body.department_id, ""),
                extract.beds.get(body.bed_id or "", ""),
                event.effective_at,
                ended,
            )
        )
    if not stays and encounter.department_id:
        stays.append(
            DepartmentStay(
                extract.departments.get(encounter.department_id, ""),
                extract.beds.get(encounter.bed_id or "", ""),
                encounter.started_at,
                ended,
            )
        )
    return [s for s in stays if s.department]


def stay_text(stay: DepartmentStay, *, span: bool = True) -> str:
    """ "Khoa Nội tổng hợp, giường 12 (22/10/2026 – 27/10/2026)" """
    text = stay.department + (f", giường {stay.bed}" if stay.bed else "")
    if not span:
        return text
    since = vn_date(to_local(stay.since).date())
    until = vn_date(to_local(stay.until).date()) if stay.until is not None else "nay"
    return f"{text} ({since} – {until})" if until != since else f"{text} ({since})"


def discharge_event(extract: ChartExtract, encounter_id: str) -> ClinicalEvent | None:
    """The encounter's (latest current) discharge movement, if any."""
    found = None
    for event in extract.events_of(encounter_id, Movement.KIND):
        if isinstance(event.body, Movement) and event.body.movement == MovementKind.DISCHARGE:
            found = event
    return found


def discharge_time(extract: ChartExtract, encounter: Encounter) -> datetime | None:
    """When the patient left: the discharge movement, else the encounter's end."""
    event = discharge_event(extract, encounter.id)
    return event.effective_at if event is not None else encounter.ended_at


def clock_text(moment: datetime) -> str:
    """The forms' way of giving a time: "20 giờ 45 phút, ngày 21 tháng 10 năm 2026"."""
    local = to_local(moment)
    return (
        f"{local.hour:02d} giờ {local.minute:02d} phút, "
        f"ngày {local.day:02d} tháng {local.month:02d} năm {local.year}"
    )


def active_allergies(extract: ChartExtract) -> list[Allergy]:
    """The allergies that stand (not inactive, not entered in error)."""
    return [a for a in extract.allergies if a.status == AllergyStatus.ACTIVE]


def allergy_text(allergy: Allergy) -> str:
    """ "Penicilin — Nổi mề đay toàn thân (mức độ nặng)" """
    text = allergy.substance
    if allergy.reaction:
        text += f" — {allergy.reaction}"
    severity = SEVERITY_VI.get(allergy.severity, allergy.severity)
    return f"{text} (mức độ {severity})"


def active_problems(extract: ChartExtract) -> list[Problem]:
    """The problem list's conditions still followed."""
    return [p for p in extract.problems if p.status == ProblemStatus.ACTIVE]


def problem_text(problem: Problem) -> str:
    """ "I10 — Tăng huyết áp vô căn (từ 2016)" """
    text = f"{problem.icd10} — {problem.description}"
    if problem.onset is not None:
        since = vn_date(problem.onset.date) if problem.onset.date else str(problem.onset.year)
        text += f" (từ {since})"
    return text


Field = tuple[str, str]


@cache
def item_style() -> ParagraphStyle:
    """The body text of a form's "- Label: value" lines: wrapped lines indented under the
    label, past the dash."""
    return ParagraphStyle(
        "item", parent=styles().body, leftIndent=7, firstLineIndent=-7, spaceAfter=0.5
    )


def fields_table(rows: Sequence[tuple[Field, Field | None]], width: float) -> Table:
    """A form's "Label: value" lines, two to a row where the right one is given; the very
    first value (the patient's name) in bold."""
    style = item_style()
    data: list[list[Any]] = []
    spans = []
    for n, (left, right) in enumerate(rows):
        first = labelled(*left, style, bold=n == 0)
        if right is None:
            data.append([first, ""])
            spans.append(("SPAN", (0, n), (1, n)))
        else:
            data.append([first, labelled(*right, style)])
    return Table(
        data,
        colWidths=[width * 0.62, width * 0.38],
        style=[
            ("FONTNAME", (0, 0), (-1, -1), REGULAR),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
            ("RIGHTPADDING", (0, 0), (0, -1), 6),
            *spans,
        ],
    )


def identity_rows(
    patient: Patient, on: date, *, name_label: str, card: Field
) -> list[tuple[Field, Field | None]]:
    """The patient's lines at the top of a form (for `fields_table`): the name, birth and
    age on `on`, sex, occupation, ethnicity, CCCD, the insurance `card` line, the address,
    and the guardian when there is one."""
    rows: list[tuple[Field, Field | None]] = [
        ((f"- {name_label}", patient.full_name.upper()), None),
        (
            ("- Ngày sinh", birth_text(patient, on)),
            ("Giới tính", SEX_VI.get(patient.sex, patient.sex)),
        ),
        (
            ("- Nghề nghiệp", patient.occupation or MISSING),
            ("Dân tộc", patient.ethnicity or MISSING),
        ),
        (("- Số CCCD", patient.cccd or "không có"), None),
        ((f"- {card[0]}", card[1]), None),
        (("- Địa chỉ", patient.address or MISSING), None),
    ]
    if patient.guardian_name:
        rows.append((("- Họ tên cha, mẹ hoặc người giám hộ", patient.guardian_name), None))
    return rows


def order_names(extract: ChartExtract, encounter_id: str) -> dict[str, str]:
    """Order id → the service it asked for, for naming the results."""
    return {
        e.id: e.body.service_name
        for e in extract.events_of(encounter_id, Order.KIND)
        if isinstance(e.body, Order)
    }


# --- The document -----------------------------------------------------------------------


def visit_summary_pdf(extract: ChartExtract, encounter_id: str) -> bytes:
    """The summary of the encounter `encounter_id` as PDF bytes (A4)."""
    encounter = encounter_target(extract, encounter_id, "bản tóm tắt")
    pagesize = paper_size("A4")
    width = content_width(pagesize)
    patient = extract.patient
    inpatient = encounter.kind != EncounterKind.OUTPATIENT
    title = "Tóm tắt đợt điều trị" if inpatient else "Tóm tắt lần khám"
    events = extract.events_of(encounter.id)
    stays = department_stays(extract, encounter)
    department = stays[-1].department if stays else ""
    attending = extract.staff_name(encounter.attending_id)

    extra: list[tuple[str, str]] = [
        ("Lý do vào viện" if inpatient else "Lý do khám", encounter.reason or NOT_RECORDED),
        ("Bác sĩ điều trị", attending or NOT_RECORDED),
    ]
    if inpatient and stays:
        extra.append(("Khoa điều trị", "; ".join(stay_text(st) for st in stays)))
    if encounter.status == EncounterStatus.FINISHED and inpatient:
        extra.append(
            ("Kết quả điều trị", _code_name(TREATMENT_RESULT_VI, encounter.treatment_result))
        )
        extra.append(("Loại ra viện", _code_name(DISCHARGE_TYPE_VI, encounter.discharge_type)))

    story: list[Flowable] = [
        letterhead_block(
            extract.letterhead,
            width,
            department=department,
            national_heading=False,
            right=patient_barcode(patient, width * 0.5),
        ),
        *title_block(title, encounter_label(extract, encounter)),
        _allergy_banner(extract, width),
        patient_block(patient, to_local(extract.printed_at).date(), width, extra=extra),
    ]
    numbered = _Numbering()
    story += numbered.section("Dấu hiệu sinh tồn", _vitals(extract, events, width))
    story += numbered.section("Chẩn đoán", _diagnoses(extract, encounter.id))
    story += numbered.section("Diễn biến, ghi chép", _notes(extract, events))
    story += numbered.section("Chỉ định và kết quả", _orders_and_results(extract, events, width))
    story += numbered.section("Đơn thuốc", _prescriptions(extract, events, width))
    medication = _medication_orders(extract, events, width)
    if medication or inpatient:
        story += numbered.section("Y lệnh thuốc", medication)
    movements = _movements(extract, events, width)
    if movements:
        story += numbered.section("Vào viện, chuyển khoa, ra viện", movements)
    story.append(
        signature_block(
            extract.printed_at,
            [
                Signature(
                    "Bác sĩ điều trị" if inpatient else "Bác sĩ khám bệnh",
                    attending or extract.printed_by,
                )
            ],
            width * 0.45,
        )
    )
    return chart_pdf(
        story,
        extract,
        pagesize=pagesize,
        title=title,
        draft=has_draft(e for e in events if e.kind in _PRINTED_KINDS),
    )


#: The kinds of event the summary shows (a draft among them makes it a draft).
_PRINTED_KINDS = frozenset(
    {
        VitalSigns.KIND,
        Diagnosis.KIND,
        ClinicalNote.KIND,
        Order.KIND,
        LabResult.KIND,
        ImagingReport.KIND,
        Prescription.KIND,
        MedicationOrder.KIND,
        MedicationAdministration.KIND,
        Movement.KIND,
    }
)


def _code_name(names: dict[str, str], code: str | None) -> str:
    if not code:
        return NOT_RECORDED
    return names.get(code, code)


class _Numbering:
    """Numbers the sections in the order they are printed."""

    def __init__(self) -> None:
        self.count = 0

    def section(self, title: str, content: Sequence[Flowable]) -> list[Flowable]:
        self.count += 1
        body = list(content) or [para(NOTHING, styles().body)]
        return [CondPageBreak(_KEEP_WITH_HEADING), section(f"{self.count}. {title}"), *body]


def _allergy_banner(extract: ChartExtract, width: float) -> Flowable:
    s = styles()
    allergies = active_allergies(extract)
    if not allergies:
        return para("Dị ứng: chưa ghi nhận", s.body)
    style = ParagraphStyle("allergy", parent=s.body, textColor=colors.Color(0.75, 0, 0))
    text = "; ".join(allergy_text(a) for a in allergies)
    banner = Table(
        [[Paragraph(f"<b>DỊ ỨNG: {esc(text)}</b>", style)]],
        colWidths=[width],
        style=[
            ("FONTNAME", (0, 0), (-1, -1), REGULAR),
            ("BOX", (0, 0), (-1, -1), 1, colors.Color(0.75, 0, 0)),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ],
    )
    return _spaced(banner)


def _spaced(flowable: Flowable) -> Flowable:
    flowable.spaceBefore = 2 * mm
    flowable.spaceAfter = 2 * mm
    return flowable


def _subheading(text: str) -> list[Flowable]:
    """A bold line opening an item of a section (a note, a prescription, a result set),
    on the next page when too little of this one is left for its first lines."""
    return [
        CondPageBreak(_KEEP_WITH_HEADING),
        Paragraph(f"<b>{esc(text)}</b>", _subheading_style()),
    ]


@cache
def _subheading_style() -> ParagraphStyle:
    return ParagraphStyle("subheading", parent=styles().body, spaceBefore=4)


def _splittable(table: Table) -> Table:
    """A grid whose tall rows may continue on the next page (free text can be long)."""
    table.splitInRow = 1
    return table


def _vitals(extract: ChartExtract, events: list[ClinicalEvent], width: float) -> list[Flowable]:
    rows = [
        [vn_time(e.effective_at), vitals_text(e.body), extract.staff_name(e.created_by)]
        for e in events
        if isinstance(e.body, VitalSigns)
    ]
    if not rows:
        return []
    return [
        _splittable(
            grid(
                ["Thời gian", "Dấu hiệu sinh tồn", "Người đo"],
                rows,
                [_TIME_W, width - _TIME_W - 40 * mm, 40 * mm],
            )
        )
    ]


def _diagnoses(extract: ChartExtract, encounter_id: str) -> list[Flowable]:
    s = styles()
    primary, secondary = diagnoses_by_rank(extract, encounter_id)
    return [
        para(f"- {label}: {diagnosis_text(extract, d.icd10)}", s.body)
        for label, chosen in (("Bệnh chính", primary), ("Bệnh kèm theo", secondary))
        for d in chosen
    ]


def _notes(extract: ChartExtract, events: list[ClinicalEvent]) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = []
    for event in events:
        body = event.body
        if not isinstance(body, ClinicalNote):
            continue
        kind = NOTE_TYPE_VI.get(body.note_type, "Ghi chép")
        who = signer(extract, event)
        draft = " (bản nháp)" if event.status != EventStatus.SIGNED else ""
        head = f"{vn_time(event.effective_at)} — {kind}" + (f" — {who}" if who else "") + draft
        out += _subheading(head)
        out.append(para(body.text, s.body))
        if body.orders_text:
            out.append(Paragraph(f"<i>Y lệnh:</i> {esc(body.orders_text)}", s.body))
    return out


def _orders_and_results(
    extract: ChartExtract, events: list[ClinicalEvent], width: float
) -> list[Flowable]:
    s = styles()
    answered = {
        e.body.order_id
        for e in events
        if isinstance(e.body, LabResult | ImagingReport) and e.body.order_id
    }
    rows: list[list[Any]] = []
    for event in events:
        body = event.body
        if not isinstance(body, Order):
            continue
        what = body.service_name
        if body.priority != "routine":
            what += f" ({PRIORITY_VI.get(body.priority, body.priority)})"
        if body.indication:
            what += f"\nLý do: {body.indication}"
        rows.append(
            [
                vn_time(event.effective_at),
                ORDER_CATEGORY_VI.get(body.category, body.category),
                what,
                extract.staff_name(event.created_by),
                "Có kết quả" if event.id in answered else "Chưa có kết quả",
            ]
        )
    out: list[Flowable] = []
    if rows:
        out.append(
            _splittable(
                grid(
                    ["Thời gian", "Loại", "Chỉ định", "Người chỉ định", "Kết quả"],
                    rows,
                    [_TIME_W, 26 * mm, width - _TIME_W - 82 * mm, 34 * mm, 22 * mm],
                )
            )
        )
    labs = [e for e in events if isinstance(e.body, LabResult)]
    if labs:
        times = {e.effective_at for e in labs}
        when = f" lúc {vn_time(labs[0].effective_at)}" if len(times) == 1 else ""
        out += _subheading(f"Kết quả xét nghiệm{when} (H: cao hơn, L: thấp hơn trị số tham chiếu)")
        out.append(_lab_grid(labs, width))
    imaging = [e for e in events if isinstance(e.body, ImagingReport)]
    if imaging:
        out += _subheading("Kết quả chẩn đoán hình ảnh")
    names = order_names(extract, imaging[0].encounter_id or "") if imaging else {}
    for event in imaging:
        body = event.body
        assert isinstance(body, ImagingReport)
        name = names.get(body.order_id or "", body.service_code)
        who = signer(extract, event)
        out.append(
            Paragraph(
                f"<b>{esc(name)}</b> ({esc(body.modality)}) — {esc(vn_time(event.effective_at))}"
                + (f" — {esc(who)}" if who else ""),
                s.body,
            )
        )
        out.append(Paragraph(f"<i>Kết luận:</i> {esc(body.conclusion)}", s.body))
    return out


def _lab_grid(labs: list[ClinicalEvent], width: float) -> Table:
    """The results, flagged rows in bold; a time column only when they were not all
    reported at once (the heading then says when)."""
    timed = len({e.effective_at for e in labs}) > 1
    rows: list[list[Any]] = []
    flagged: list[int] = []
    for n, event in enumerate(labs):
        body = event.body
        assert isinstance(body, LabResult)
        mark = FLAG_MARK.get(body.flag, "")
        if mark:
            flagged.append(n)
        row = [body.test_name, body.value, body.unit or "", lab_reference(body), mark]
        # The time stays in regular type: in bold it would not fit its column.
        when = Paragraph(esc(vn_time(event.effective_at)), styles().cell)
        rows.append([when, *row] if timed else row)
    header = ["Xét nghiệm", "Kết quả", "Đơn vị", "Trị số tham chiếu", "H/L"]
    fixed = [24 * mm, 20 * mm, 36 * mm, 11 * mm]
    widths = [width - sum(fixed) - (_TIME_W if timed else 0), *fixed]
    if timed:
        header, widths = ["Thời gian", *header], [_TIME_W, *widths]
    return _splittable(
        grid(
            header,
            rows,
            widths,
            highlight=flagged,
            align=("L" if timed else "") + "LRLCC",
        )
    )


def _prescriptions(
    extract: ChartExtract, events: list[ClinicalEvent], width: float
) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = []
    for event in events:
        body = event.body
        if not isinstance(body, Prescription):
            continue
        head = "Đơn thuốc" + (f" {body.code}" if body.code else "")
        head += f" — {vn_time(event.effective_at)}"
        who = signer(extract, event)
        if who:
            head += f" — {who}"
        if event.status != EventStatus.SIGNED:
            head += " (bản nháp)"
        out += _subheading(head)
        rows = [
            [str(n), item.drug_name, item_text(item), f"{amount(item.quantity)} {item.unit}"]
            for n, item in enumerate(body.items, 1)
        ]
        out.append(
            _splittable(
                grid(
                    ["STT", "Tên thuốc, hàm lượng", "Cách dùng", "Số lượng"],
                    rows,
                    [11 * mm, (width - 37 * mm) * 0.45, (width - 37 * mm) * 0.55, 26 * mm],
                    align="CLLR",
                )
            )
        )
        if body.advice:
            out.append(para(f"Lời dặn: {body.advice}", s.body))
        if body.follow_up is not None:
            out.append(para(f"Ngày tái khám: {vn_date(body.follow_up)}", s.body))
    return out


def _medication_orders(
    extract: ChartExtract, events: list[ClinicalEvent], width: float
) -> list[Flowable]:
    outcomes: dict[str, Counter[str]] = {}
    for event in events:
        if isinstance(event.body, MedicationAdministration):
            outcomes.setdefault(event.body.medication_order_id, Counter())[event.body.outcome] += 1
    rows: list[list[Any]] = []
    for event in events:
        body = event.body
        if not isinstance(body, MedicationOrder):
            continue
        what = f"{body.drug_name}\n{amount(body.dose)} {body.dose_unit}, {route_vi(body.route)}"
        if body.instructions:
            what += f"\n{body.instructions}"
        counts = outcomes.get(event.id, Counter())
        done = "; ".join(
            f"{OUTCOME_VI.get(outcome, outcome)} {counts[outcome]}"
            for outcome in OUTCOME_VI
            if counts[outcome]
        )
        rows.append(
            [
                vn_time(event.effective_at),
                what,
                "khi cần" if body.as_needed else ", ".join(body.times),
                f"{vn_date(body.start_date)}, {body.days} ngày",
                done or "chưa thực hiện",
            ]
        )
    if not rows:
        return []
    return [
        _splittable(
            grid(
                ["Thời gian", "Thuốc, liều, đường dùng", "Giờ dùng", "Từ ngày", "Thực hiện"],
                rows,
                [_TIME_W, width - _TIME_W - 96 * mm, 26 * mm, 34 * mm, 36 * mm],
            )
        )
    ]


def _movements(extract: ChartExtract, events: list[ClinicalEvent], width: float) -> list[Flowable]:
    rows = [
        [vn_time(e.effective_at), " ".join(event_lines(extract, e)), signer(extract, e)]
        for e in events
        if isinstance(e.body, Movement)
    ]
    if not rows:
        return []
    return [
        _splittable(
            grid(
                ["Thời gian", "Diễn biến", "Người thực hiện"],
                rows,
                [_TIME_W, width - _TIME_W - 40 * mm, 40 * mm],
            )
        )
    ]
