"""The lab result report (phiếu kết quả xét nghiệm) of one encounter, A4 portrait.

The facility block and the national heading, the patient's barcode under it; the patient's
identifiers with the department, the diagnoses, who ordered the tests and when, and when the
results came back. Then a ruled table — STT, test, result, unit, reference range, and a mark
for a result outside its range (H above, L below, * abnormal), the row set in bold — whose
header row repeats on every page. Results of several orders are grouped under a row naming
each order's service, its time and its doctor. The signatures: who performed the tests (the
results' author) and the head of the laboratory (left for ink).

Results that are not signed print under a "BẢN NHÁP" watermark, without a signing time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Spacer, TableStyle

from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    ClinicalEvent,
    Correction,
    Diagnosis,
    Encounter,
    EventStatus,
    LabResult,
    Order,
)
from emr_desktop.core.timeutil import to_local
from emr_desktop.printing.describe import (
    FLAG_MARK,
    PRIORITY_VI,
    diagnosis_text,
    lab_reference,
)
from emr_desktop.printing.fonts import BOLD, REGULAR
from emr_desktop.printing.layout import (
    MISSING,
    Signature,
    chart_pdf,
    content_width,
    esc,
    grid,
    letterhead_block,
    paper_size,
    para,
    patient_barcode,
    patient_block,
    signature_block,
    styles,
    title_block,
    vn_time,
)

TITLE = "Phiếu kết quả xét nghiệm"
HEADER = ("STT", "Tên xét nghiệm", "Kết quả", "Đơn vị", "Trị số tham chiếu", "Đánh giá")
LEGEND = "H: cao hơn trị số tham chiếu · L: thấp hơn trị số tham chiếu · *: bất thường"
#: Left and right padding of a `grid` cell, together.
_CELL_PADDING = 6.0
#: The group of results that answer no order the chart holds.
_NO_ORDER = "Xét nghiệm khác"


@dataclass(frozen=True)
class _Group:
    """The results of one order (or of none), in the order they were recorded (an amended
    result in the place of the one it replaces)."""

    order: ClinicalEvent | None
    results: list[ClinicalEvent]


def lab_report_pdf(extract: ChartExtract, encounter_id: str, order_id: str | None = None) -> bytes:
    """The lab results of encounter `encounter_id` (of its order `order_id` only, if given)
    as PDF bytes. ValidationError on "target_id" for an unknown encounter or one without lab
    results, on "order_id" for an order with no results in it."""
    encounter = _encounter(extract, encounter_id)
    groups = _groups(extract, encounter_id, order_id)
    results = [r for g in groups for r in g.results]
    orders = [g.order for g in groups if g.order is not None]

    pagesize = paper_size("A4")
    width = content_width(pagesize)
    s = styles()
    patient = extract.patient
    signed = all(r.status == EventStatus.SIGNED for r in results)
    reported = max(r.effective_at for r in results)
    dated = max(_signed_or_recorded(r) for r in results) if signed else reported
    on = to_local(reported).date()

    department = extract.departments.get(encounter.department_id or "", "")
    ordered_by = _names(extract, [_author(o) for o in orders])
    ordered_at = min((o.effective_at for o in orders), default=None)
    extra = [
        ("Khoa/phòng", department or MISSING),
        ("Chẩn đoán", _diagnoses(extract, encounter_id, orders)),
        ("Người chỉ định", ordered_by or MISSING),
        ("Thời gian chỉ định", vn_time(ordered_at) if ordered_at else MISSING),
        ("Thời gian trả kết quả", vn_time(reported)),
    ]
    story: list[Flowable] = [
        letterhead_block(extract.letterhead, width, right=patient_barcode(patient, width * 0.5)),
        *title_block(TITLE),
        patient_block(patient, on, width, extra=extra),
        Spacer(1, 3 * mm),
        _table(extract, groups, width),
        Spacer(1, 1 * mm),
        para(LEGEND, s.small),
    ]
    performers = _names(extract, [_author(r) for r in results])
    story.append(
        signature_block(
            dated,
            [
                Signature("Người thực hiện", performers, dated if signed else None),
                Signature("Trưởng khoa xét nghiệm"),
            ],
            width * 0.8,
        )
    )
    return chart_pdf(story, extract, pagesize=pagesize, title=TITLE, draft=not signed)


def _encounter(extract: ChartExtract, encounter_id: str) -> Encounter:
    try:
        return extract.encounter(encounter_id)
    except KeyError:
        raise ValidationError(
            "target_id",
            "unknown",
            "Không có lượt khám này trong hồ sơ bệnh nhân",
            "No such encounter in the patient's chart",
        ) from None


def _latest_versions(extract: ChartExtract) -> dict[str, str]:
    """Every amended event's id → the id of its latest amendment (results keep pointing at
    the version of the order they answered)."""
    amended_by = {
        e.corrects: e.id
        for e in extract.events
        if e.corrects is not None and e.correction == Correction.AMENDS
    }
    latest: dict[str, str] = {}
    for original in amended_by:
        current, seen = original, {original}
        while current in amended_by and amended_by[current] not in seen:
            current = amended_by[current]
            seen.add(current)
        latest[original] = current
    return latest


def _groups(extract: ChartExtract, encounter_id: str, order_id: str | None) -> list[_Group]:
    """The encounter's current results by order, orders in the order they were placed."""
    results = extract.events_of(encounter_id, LabResult.KIND)
    if not results:
        raise ValidationError(
            "target_id",
            "no_results",
            "Lượt khám này chưa có kết quả xét nghiệm",
            "This encounter has no lab results",
        )
    latest = _latest_versions(extract)
    orders = {e.id: e for e in extract.events_of(encounter_id, Order.KIND)}
    by_order: dict[str | None, list[ClinicalEvent]] = {}
    for result in results:
        assert isinstance(result.body, LabResult)
        ref = result.body.order_id
        if ref is not None:
            ref = latest.get(ref, ref)
        by_order.setdefault(ref if ref in orders else None, []).append(result)
    if order_id is not None:
        wanted = latest.get(order_id, order_id)
        if wanted not in by_order or wanted is None:
            raise ValidationError(
                "order_id",
                "no_results",
                "Chỉ định này không có kết quả xét nghiệm trong lượt khám",
                "This order has no lab results in the encounter",
            )
        by_order = {wanted: by_order[wanted]}
    # An amended result keeps the place of the one it replaces.
    place: dict[str, int] = {}
    for n, event in enumerate(extract.events):
        amends = event.correction == Correction.AMENDS and event.corrects in place
        place[event.id] = place[event.corrects or ""] if amends else n
    for listed in by_order.values():
        listed.sort(key=lambda e: place[e.id])
    placed = sorted(
        (orders[ref] for ref in by_order if ref is not None),
        key=lambda o: (o.effective_at, o.id),
    )
    groups = [_Group(o, by_order[o.id]) for o in placed]
    if None in by_order:
        groups.append(_Group(None, by_order[None]))
    return groups


def _table(extract: ChartExtract, groups: Sequence[_Group], width: float) -> Flowable:
    """The ruled table of results, with a row naming each order when there are several."""
    s = styles()
    grouped = len(groups) > 1
    widths = [10 * mm, 0.0, 28 * mm, 20 * mm, 36 * mm, 19 * mm]
    widths[1] = width - sum(widths)
    rows: list[list[object]] = []
    bold: list[int] = []
    group_rows: list[int] = []
    number = 0
    for group in groups:
        if grouped:
            group_rows.append(len(rows))
            title = Paragraph(f"<b>{esc(_group_title(extract, group))}</b>", s.cell)
            rows.append([title, "", "", "", "", ""])
        for event in group.results:
            body = event.body
            assert isinstance(body, LabResult)
            number += 1
            mark = FLAG_MARK.get(body.flag, "")
            if mark:
                bold.append(len(rows))
            texts = [str(number), body.test_name, body.value, body.unit or ""]
            texts += [lab_reference(body), mark]
            rows.append(
                [
                    _short(text, column_width, bold=bool(mark)) if c != 1 else text
                    for c, (text, column_width) in enumerate(zip(texts, widths, strict=True))
                ]
            )
    table = grid(HEADER, rows, widths, highlight=bold, align="CLCCCC")
    # Data rows start at 1: row 0 is the header.
    table.setStyle(
        TableStyle(
            [
                cmd
                for n in group_rows
                for cmd in (
                    ("SPAN", (0, n + 1), (-1, n + 1)),
                    ("BACKGROUND", (0, n + 1), (-1, n + 1), colors.Color(0.96, 0.96, 0.96)),
                )
            ]
        )
    )
    return table


class _Line(Flowable):
    """One line of text centred in a table cell, drawn straight onto the page. A long report
    has a thousand such cells; as Paragraphs (markup parsed, lines broken) they would take
    half the time of the whole document."""

    def __init__(self, text: str, *, bold: bool) -> None:
        super().__init__()
        self.text = text
        self.font = BOLD if bold else REGULAR

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = styles().cell.leading
        return self.width, self.height

    def draw(self) -> None:
        size = styles().cell.fontSize
        self.canv.setFont(self.font, size)
        # Where a Paragraph puts its first line: the cells of a row share their baseline.
        self.canv.drawCentredString(self.width / 2, self.height - size, self.text)


def _short(text: str, column_width: float, *, bold: bool) -> Flowable | str:
    """A cell's text as a `_Line` when it fits on one line, else as text for `grid` to wrap."""
    size = styles().cell.fontSize
    font = BOLD if bold else REGULAR
    if "\n" in text or stringWidth(text, font, size) > column_width - _CELL_PADDING:
        return text
    return _Line(text, bold=bold)


def _group_title(extract: ChartExtract, group: _Group) -> str:
    """ "Xét nghiệm máu tổng quát (khẩn) — chỉ định 08:10 20/11/2026, Trần Văn Minh" """
    if group.order is None:
        return _NO_ORDER
    body = group.order.body
    assert isinstance(body, Order)
    title = body.service_name
    if body.priority != "routine":
        title += f" ({PRIORITY_VI.get(body.priority, body.priority)})"
    title += f" — chỉ định {vn_time(group.order.effective_at)}"
    doctor = extract.staff_name(_author(group.order))
    return f"{title}, {doctor}" if doctor else title


def _diagnoses(extract: ChartExtract, encounter_id: str, orders: Sequence[ClinicalEvent]) -> str:
    """The encounter's diagnoses, else the orders' indications, else "không ghi"."""
    codes: list[str] = []
    for event in extract.events_of(encounter_id, Diagnosis.KIND):
        assert isinstance(event.body, Diagnosis)
        if event.body.icd10 not in codes:
            codes.append(event.body.icd10)
    if codes:
        return "; ".join(diagnosis_text(extract, code) for code in codes)
    indications: list[str] = []
    for order in orders:
        assert isinstance(order.body, Order)
        if order.body.indication and order.body.indication not in indications:
            indications.append(order.body.indication)
    return "; ".join(indications) or "không ghi"


def _author(event: ClinicalEvent) -> str:
    return event.signed_by or event.created_by


def _signed_or_recorded(event: ClinicalEvent) -> datetime:
    return event.signed_at or event.effective_at


def _names(extract: ChartExtract, user_ids: Sequence[str]) -> str:
    """The distinct names of `user_ids`, in order, joined ("" if none is known)."""
    names: list[str] = []
    for user_id in user_ids:
        name = extract.staff_name(user_id)
        if name and name not in names:
            names.append(name)
    return ", ".join(names)
