"""The summary of one visit ("TÓM TẮT LẦN KHÁM") or stay ("TÓM TẮT ĐỢT ĐIỀU TRỊ"), A4.

An internal document (no national heading): the facility block with the patient's barcode,
the title and the encounter, the patient's allergies in red above everything else, the
patient's identifiers with the reason for the visit, then what the encounter holds — vital
signs, diagnoses, notes, orders with their lab results (out-of-range values flagged H/L) and
imaging conclusions, prescriptions, medication orders with how many doses were given, and
for a stay its movements between departments. It ends with an unsigned box for the attending
doctor (or the doctor who prints it). A draft among what it shows prints the "BẢN NHÁP"
watermark.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Table

from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.records import (
    ClinicalEvent,
    ClinicalNote,
    Diagnosis,
    EncounterKind,
    EncounterStatus,
    EventStatus,
    ImagingReport,
    LabResult,
    MedicationAdministration,
    MedicationOrder,
    Movement,
    Order,
    Prescription,
    VitalSigns,
)
from emr_desktop.core.timeutil import to_local
from emr_desktop.printing.describe import (
    DISCHARGE_TYPE_VI,
    FLAG_MARK,
    ORDER_CATEGORY_VI,
    OUTCOME_VI,
    TREATMENT_RESULT_VI,
    active_allergies,
    allergy_text,
    coded_text,
    department_stays,
    diagnoses_by_rank,
    diagnosis_text,
    encounter_label,
    encounter_target,
    event_lines,
    event_title,
    has_draft,
    item_text,
    lab_reference,
    order_names,
    route_vi,
    service_text,
    signer,
    stay_text,
    vitals_text,
)
from emr_desktop.printing.fonts import REGULAR
from emr_desktop.printing.layout import (
    NOT_RECORDED,
    Signature,
    amount,
    chart_pdf,
    content_width,
    esc,
    grid,
    letterhead_block,
    paper_size,
    para,
    patient_block,
    section,
    signature_block,
    styles,
    text_cell,
    title_block,
    vn_date,
    vn_time,
)

#: Printed where the chart has nothing of a kind the document lists.
NOTHING = "Không có."
#: The room a heading needs below it on a page (else it starts the next one): a heading
#: alone at the foot of a page heads nothing.
_KEEP_WITH_HEADING = 18 * mm
#: The width of a "14:05 21/11/2026" column.
_TIME_W = 32 * mm

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
            ("Kết quả điều trị", coded_text(TREATMENT_RESULT_VI, encounter.treatment_result))
        )
        extra.append(("Loại ra viện", coded_text(DISCHARGE_TYPE_VI, encounter.discharge_type)))

    story: list[Flowable] = [
        letterhead_block(
            extract.letterhead,
            width,
            department=department,
            national_heading=False,
            patient=patient,
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


def _byline(extract: ChartExtract, event: ClinicalEvent, head: str) -> str:
    """ "`head` — who signed it", "(bản nháp)" after it while it is a draft."""
    who = signer(extract, event)
    draft = " (bản nháp)" if event.status != EventStatus.SIGNED else ""
    return head + (f" — {who}" if who else "") + draft


@cache
def _subheading_style() -> ParagraphStyle:
    return ParagraphStyle("subheading", parent=styles().body, spaceBefore=4)


def _vitals(extract: ChartExtract, events: list[ClinicalEvent], width: float) -> list[Flowable]:
    rows = [
        [vn_time(e.effective_at), vitals_text(e.body), extract.staff_name(e.created_by)]
        for e in events
        if isinstance(e.body, VitalSigns)
    ]
    if not rows:
        return []
    return [
        grid(
            ["Thời gian", "Dấu hiệu sinh tồn", "Người đo"],
            rows,
            [_TIME_W, width - _TIME_W - 40 * mm, 40 * mm],
            split_rows=True,
        )
    ]


def _diagnoses(extract: ChartExtract, encounter_id: str) -> list[Flowable]:
    s = styles()
    primary, secondary = diagnoses_by_rank(extract, encounter_id)
    return [
        para(f"- {label}: {diagnosis_text(extract, d.icd10, encounter_id)}", s.body)
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
        out += _subheading(
            _byline(extract, event, f"{vn_time(event.effective_at)} — {event_title(event)}")
        )
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
        what = service_text(body)
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
            grid(
                ["Thời gian", "Loại", "Chỉ định", "Người chỉ định", "Kết quả"],
                rows,
                [_TIME_W, 26 * mm, width - _TIME_W - 82 * mm, 34 * mm, 22 * mm],
                split_rows=True,
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
        when = text_cell([(vn_time(event.effective_at), False)], _TIME_W, styles().cell)
        rows.append([when, *row] if timed else row)
    header = ["Xét nghiệm", "Kết quả", "Đơn vị", "Trị số tham chiếu", "H/L"]
    fixed = [24 * mm, 20 * mm, 36 * mm, 11 * mm]
    widths = [width - sum(fixed) - (_TIME_W if timed else 0), *fixed]
    if timed:
        header, widths = ["Thời gian", *header], [_TIME_W, *widths]
    return grid(
        header,
        rows,
        widths,
        highlight=flagged,
        align=("L" if timed else "") + "LRLCC",
        split_rows=True,
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
        out += _subheading(_byline(extract, event, f"{head} — {vn_time(event.effective_at)}"))
        rows = [
            [str(n), item.drug_name, item_text(item), f"{amount(item.quantity)} {item.unit}"]
            for n, item in enumerate(body.items, 1)
        ]
        out.append(
            grid(
                ["STT", "Tên thuốc, hàm lượng", "Cách dùng", "Số lượng"],
                rows,
                [11 * mm, (width - 37 * mm) * 0.45, (width - 37 * mm) * 0.55, 26 * mm],
                align="CLLR",
                split_rows=True,
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
    # The doses given under each version of an order count for its current version.
    outcomes: dict[str, Counter[str]] = {}
    for event in events:
        if isinstance(event.body, MedicationAdministration):
            order = extract.latest_version(event.body.medication_order_id)
            if order is not None:
                outcomes.setdefault(order.id, Counter())[event.body.outcome] += 1
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
        grid(
            ["Thời gian", "Thuốc, liều, đường dùng", "Giờ dùng", "Từ ngày", "Thực hiện"],
            rows,
            [_TIME_W, width - _TIME_W - 96 * mm, 26 * mm, 34 * mm, 36 * mm],
            split_rows=True,
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
        grid(
            ["Thời gian", "Diễn biến", "Người thực hiện"],
            rows,
            [_TIME_W, width - _TIME_W - 40 * mm, 40 * mm],
            split_rows=True,
        )
    ]
