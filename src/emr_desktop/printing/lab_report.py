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

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, TableStyle

from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    ClinicalEvent,
    Correction,
    LabResult,
    Order,
)
from emr_desktop.core.timeutil import to_local
from emr_desktop.printing.describe import (
    FLAG_MARK,
    encounter_department,
    encounter_diagnoses_text,
    encounter_target,
    has_draft,
    lab_reference,
    service_text,
    signed_or_recorded,
    signer,
    signers,
)
from emr_desktop.printing.layout import (
    MISSING,
    NOT_RECORDED,
    Signature,
    chart_pdf,
    content_width,
    esc,
    grid,
    letterhead_block,
    paper_size,
    para,
    patient_block,
    signature_block,
    styles,
    title_block,
    vn_time,
)

TITLE = "Phiếu kết quả xét nghiệm"
HEADER = ("STT", "Tên xét nghiệm", "Kết quả", "Đơn vị", "Trị số tham chiếu", "Đánh giá")
LEGEND = "H: cao hơn trị số tham chiếu · L: thấp hơn trị số tham chiếu · *: bất thường"
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
    encounter_target(extract, encounter_id, "phiếu kết quả xét nghiệm")
    groups = _groups(extract, encounter_id, order_id)
    results = [r for g in groups for r in g.results]
    orders = [g.order for g in groups if g.order is not None]

    pagesize = paper_size("A4")
    width = content_width(pagesize)
    s = styles()
    patient = extract.patient
    signed = not has_draft(results)
    reported = max(r.effective_at for r in results)
    dated = max(signed_or_recorded(r) for r in results) if signed else reported
    on = to_local(reported).date()

    department = encounter_department(extract, encounter_id)
    ordered_by = signers(extract, orders)
    ordered_at = min((o.effective_at for o in orders), default=None)
    extra = [
        ("Khoa/phòng", department or MISSING),
        ("Chẩn đoán", _diagnoses(extract, encounter_id, orders)),
        ("Người chỉ định", ordered_by or MISSING),
        ("Thời gian chỉ định", vn_time(ordered_at) if ordered_at else MISSING),
        ("Thời gian trả kết quả", vn_time(reported)),
    ]
    story: list[Flowable] = [
        letterhead_block(extract.letterhead, width, patient=patient),
        *title_block(TITLE),
        patient_block(patient, on, width, extra=extra),
        Spacer(1, 3 * mm),
        _table(extract, groups, width),
        Spacer(1, 1 * mm),
        para(LEGEND, s.small),
    ]
    performers = signers(extract, results)
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
    orders = {e.id: e for e in extract.events_of(encounter_id, Order.KIND)}
    by_order: dict[str | None, list[ClinicalEvent]] = {}
    for result in results:
        assert isinstance(result.body, LabResult)
        # Results keep pointing at the version of the order they answered.
        ref = _current_id(extract, result.body.order_id)
        by_order.setdefault(ref if ref in orders else None, []).append(result)
    if order_id is not None:
        wanted = _current_id(extract, order_id)
        if wanted is None or wanted not in by_order:
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


def _current_id(extract: ChartExtract, event_id: str | None) -> str | None:
    """The id of the latest version of the event `event_id` (None if none is current)."""
    current = extract.latest_version(event_id) if event_id is not None else None
    return current.id if current is not None else None


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
            rows.append(
                [
                    str(number),
                    body.test_name,
                    body.value,
                    body.unit or "",
                    lab_reference(body),
                    mark,
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


def _group_title(extract: ChartExtract, group: _Group) -> str:
    """ "Xét nghiệm máu tổng quát (khẩn) — chỉ định 08:10 20/11/2026, Trần Văn Minh" """
    if group.order is None:
        return _NO_ORDER
    body = group.order.body
    assert isinstance(body, Order)
    title = f"{service_text(body)} — chỉ định {vn_time(group.order.effective_at)}"
    doctor = signer(extract, group.order)
    return f"{title}, {doctor}" if doctor else title


def _diagnoses(extract: ChartExtract, encounter_id: str, orders: Sequence[ClinicalEvent]) -> str:
    """The encounter's diagnoses, else the orders' indications, else "không ghi"."""
    indications = dict.fromkeys(o.body.indication for o in orders if isinstance(o.body, Order))
    return (
        encounter_diagnoses_text(extract, encounter_id)
        or "; ".join(i for i in indications if i)
        or NOT_RECORDED
    )
