"""The medication administration record (phiếu theo dõi dùng thuốc) of one stay, A4 landscape.

The facility block with the patient's barcode; the title; the patient in a compact line with
the department and bed of the latest movement, the stay's dates, the diagnoses and the
allergies. Then the grid: a row per medication order (drug, dose, route, times or "khi cần",
first day and number of days), a column per day of the stay, seven days to a table (a
longer stay prints several tables, each repeating its header row on every page). A cell
lists the day's scheduled doses (`core.schedule.dose_times`): the time, the outcome's mark
(✓ given, H held, TC refused, B missed) and the initials of the nurse who recorded it; a
dose with nothing recorded shows its time alone. As-needed doses are listed by the time
they were given. The legend of the marks and of the nurses' initials follows the grid, then
the boxes where the nurse and the doctor sign.

An amended order is read as the nurses' worklist reads it (`services.nursing`): each signed
version is in force from when it took over until the next one, so earlier doses keep the
earlier version; a version that schedules nothing from its start stops the order. A version
marked entered in error is left out. An order never signed prints as written, and the
document carries the "BẢN NHÁP" watermark, as it does when an administration printed is not
signed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    ClinicalEvent,
    Correction,
    Encounter,
    EventStatus,
    MedicationAdministration,
    MedicationOrder,
)
from emr_desktop.core.schedule import dose_times, last_day, schedules_nothing_from
from emr_desktop.core.timeutil import VIETNAM_TZ, to_local
from emr_desktop.printing.describe import (
    active_allergies,
    department_stays,
    encounter_diagnoses_text,
    encounter_target,
    has_draft,
    route_vi,
    severity_vi,
)
from emr_desktop.printing.layout import (
    MISSING,
    NOT_RECORDED,
    SEX_VI,
    Signature,
    amount,
    birth_text,
    chart_pdf,
    content_width,
    esc,
    grid,
    labelled_markup,
    letterhead_block,
    paper_size,
    para,
    signature_block,
    styles,
    title_block,
    vn_date,
    vn_time,
)

TITLE = "Phiếu theo dõi dùng thuốc"
#: The mark of each outcome in a cell.
OUTCOME_MARK = {"given": "✓", "held": "H", "refused": "TC", "missed": "B"}
LEGEND = (
    "✓: đã dùng · H: tạm hoãn · TC: người bệnh từ chối · B: bỏ lỡ · "
    "giờ không kèm ký hiệu: chưa ghi nhận"
)
#: Days of the stay per table.
DAYS_PER_BLOCK = 7
_DRUG_COLUMN = 64 * mm


@dataclass(frozen=True)
class _Version:
    """One version of an order, in force for the doses due in [starts, ends)."""

    event: ClinicalEvent
    order: MedicationOrder
    starts: datetime | None
    ends: datetime | None

    def doses_on(self, day: date) -> list[datetime]:
        return [
            moment
            for moment in dose_times(self.order, day=day)
            if (self.starts is None or moment >= self.starts)
            and (self.ends is None or moment < self.ends)
        ]

    def as_needed_on(self, day: date) -> bool:
        """An as-needed version is in force at some time of `day`."""
        order = self.order
        if not order.as_needed or not order.start_date <= day <= last_day(order):
            return False
        start = datetime.combine(day, time(), VIETNAM_TZ)
        return (self.starts is None or self.starts < start + timedelta(days=1)) and (
            self.ends is None or self.ends > start
        )


@dataclass
class _Line:
    """One order (all its versions): a row of the grid."""

    versions: list[_Version]
    #: When a later version stopped the order (it schedules nothing from then on).
    stopped_at: datetime | None = None
    administrations: list[ClinicalEvent] = field(default_factory=list)
    _by_day: dict[date, list[ClinicalEvent]] | None = None

    def recorded_on(self, day: date) -> list[ClinicalEvent]:
        """The administrations that belong to `day` (`_admin_day`)."""
        if self._by_day is None:
            self._by_day = {}
            for admin in self.administrations:
                self._by_day.setdefault(_admin_day(admin), []).append(admin)
        return self._by_day.get(day, [])

    def shown(self, before: datetime) -> _Version:
        """The version in force at the end of a block (the last one not a stop)."""
        shown = self.versions[0]
        for version in self.versions:
            if (version.starts is None or version.starts < before) and not (
                self.stopped_at is not None and version.starts == self.stopped_at
            ):
                shown = version
        return shown

    def version_at(self, moment: datetime) -> _Version:
        """The version in force at `moment`."""
        found = self.versions[0]
        for version in self.versions:
            if version.starts is None or version.starts <= moment:
                found = version
        return found


def mar_pdf(extract: ChartExtract, encounter_id: str) -> bytes:
    """The medication administration record of encounter `encounter_id` as PDF bytes.
    ValidationError on "target_id" for an unknown encounter or one without medication
    orders."""
    encounter = encounter_target(extract, encounter_id, "phiếu theo dõi dùng thuốc")
    lines = _lines(extract, encounter_id)
    if not lines:
        raise ValidationError(
            "target_id",
            "no_medication_orders",
            "Đợt điều trị này không có y lệnh thuốc",
            "This encounter has no medication orders",
        )
    days = _days(extract, encounter, lines)
    staff = _Initials(extract)
    draft = has_draft(
        [*(v.event for line in lines for v in line.versions)]
        + [a for line in lines for a in line.administrations]
    )

    pagesize = paper_size("A4", wide=True)
    width = content_width(pagesize)
    s = styles()
    patient = extract.patient
    stays = department_stays(extract, encounter)
    department, bed = (stays[-1].department, stays[-1].bed) if stays else ("", "")
    story: list[Flowable] = [
        letterhead_block(
            extract.letterhead,
            width,
            department=department,
            national_heading=False,
            patient=patient,
        ),
        *title_block(TITLE, f"Từ ngày {vn_date(days[0])} đến ngày {vn_date(days[-1])}"),
        *_patient_lines(extract, encounter, department, bed),
    ]
    for first in range(0, len(days), DAYS_PER_BLOCK):
        block = days[first : first + DAYS_PER_BLOCK]
        story.append(Spacer(1, 2 * mm))
        story.append(_block(lines, block, encounter, staff, width))
    story.append(Spacer(1, 1 * mm))
    story.append(para(LEGEND, s.small))
    if staff.used:
        names = "; ".join(f"{initials}: {name}" for initials, name in staff.used.items())
        story.append(para(f"Người thực hiện — {names}", s.small))
    story.append(
        signature_block(
            extract.printed_at,
            [Signature("Điều dưỡng"), Signature("Bác sĩ điều trị")],
            width * 0.5,
        )
    )
    return chart_pdf(story, extract, pagesize=pagesize, title=TITLE, draft=draft)


# --- The orders and what was given ------------------------------------------------------


def _lines(extract: ChartExtract, encounter_id: str) -> list[_Line]:
    """The encounter's orders with their versions in force and their administrations,
    in the order they were first written."""
    orders = [
        e
        for e in extract.events
        if e.encounter_id == encounter_id and isinstance(e.body, MedicationOrder)
    ]
    by_id = {e.id: e for e in orders}
    void = {e.id for e in orders if e.correction == Correction.ENTERED_IN_ERROR} | {
        e.corrects for e in orders if e.correction == Correction.ENTERED_IN_ERROR and e.corrects
    }
    parent = {e.id: e.corrects for e in orders if e.corrects and e.correction == Correction.AMENDS}
    roots: dict[str, str] = {}
    chains: dict[str, list[ClinicalEvent]] = {}
    for event in orders:
        current, seen = event.id, {event.id}
        while current in parent and parent[current] not in seen:
            current = parent[current]
            seen.add(current)
        roots[event.id] = current
        if event.id not in void:
            chains.setdefault(current, []).append(event)
    lines: dict[str, _Line] = {}
    for root, chain in chains.items():
        signed = [e for e in chain if e.status == EventStatus.SIGNED]
        # Unsigned versions are not given; an order never signed prints as it was written.
        kept = signed or chain
        kept.sort(
            key=lambda e: (
                (0, e.created_at) if e.corrects is None else (1, _takes_over(e, by_id)),
                e.id,
            )
        )
        starts = [None if n == 0 else _takes_over(e, by_id) for n, e in enumerate(kept)]
        versions = []
        for n, event in enumerate(kept):
            assert isinstance(event.body, MedicationOrder)
            ends = starts[n + 1] if n + 1 < len(kept) else None
            versions.append(_Version(event, event.body, starts[n], ends))
        line = _Line(versions)
        last = versions[-1]
        if last.starts is not None and schedules_nothing_from(last.order, last.starts):
            line.stopped_at = last.starts
        lines[root] = line
    for admin in extract.events_of(encounter_id, MedicationAdministration.KIND):
        assert isinstance(admin.body, MedicationAdministration)
        ordered = lines.get(roots.get(admin.body.medication_order_id, ""))
        if ordered is not None:
            ordered.administrations.append(admin)
    return list(lines.values())


def _takes_over(event: ClinicalEvent, by_id: dict[str, ClinicalEvent]) -> datetime:
    """When an amendment takes over: its own effective time when it was given one, else
    when it was written (an amendment keeps the original's effective time)."""
    original = by_id.get(event.corrects or "")
    if original is not None and event.effective_at != original.effective_at:
        return event.effective_at
    return event.created_at


def _days(extract: ChartExtract, encounter: Encounter, lines: Sequence[_Line]) -> list[date]:
    """The local days of the stay (until today while it goes on), stretched to any dose
    recorded outside them."""
    first = to_local(encounter.started_at).date()
    last = to_local(encounter.ended_at or extract.printed_at).date()
    for line in lines:
        for admin in line.administrations:
            day = _admin_day(admin)
            first, last = min(first, day), max(last, day)
    last = max(first, last)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _admin_day(admin: ClinicalEvent) -> date:
    """The day a recorded dose belongs to: its scheduled time's, else when it was given."""
    assert isinstance(admin.body, MedicationAdministration)
    return to_local(admin.body.scheduled_for or admin.effective_at).date()


# --- Layout -----------------------------------------------------------------------------


class _Initials:
    """Nurses' initials ("Lê Thị Lan" → "LTL"), numbered when two names share them."""

    def __init__(self, extract: ChartExtract) -> None:
        self._extract = extract
        self._by_user: dict[str, str] = {}
        #: Initials → name, in the order they were first printed.
        self.used: dict[str, str] = {}

    def of(self, user_id: str) -> str:
        if user_id in self._by_user:
            return self._by_user[user_id]
        name = self._extract.staff_name(user_id)
        base = "".join(word[0] for word in name.split()).upper() or "?"
        initials, n = base, 1
        while initials in self.used and self.used[initials] != (name or MISSING):
            n += 1
            initials = f"{base}{n}"
        self.used[initials] = name or MISSING
        self._by_user[user_id] = initials
        return initials


def _patient_lines(
    extract: ChartExtract, encounter: Encounter, department: str, bed: str
) -> list[Flowable]:
    s = styles()
    patient = extract.patient
    on = to_local(extract.printed_at).date()

    stay = f"vào {vn_time(encounter.started_at)}"
    if encounter.ended_at is not None:
        stay += f", ra {vn_time(encounter.ended_at)}"
    diagnoses = encounter_diagnoses_text(extract, encounter.id) or NOT_RECORDED
    allergies = "; ".join(
        f"{a.substance} ({severity_vi(a.severity)})" for a in active_allergies(extract)
    )
    sep = " · "
    first = sep.join(
        [
            labelled_markup("Họ và tên", patient.full_name.upper(), bold=True),
            labelled_markup("Mã BN", patient.mrn),
            labelled_markup("Ngày sinh", birth_text(patient, on)),
            labelled_markup("Giới tính", SEX_VI.get(patient.sex, patient.sex)),
            labelled_markup("Số thẻ BHYT", patient.bhyt_number or "không có"),
        ]
    )
    second = sep.join(
        [
            labelled_markup("Khoa", department or MISSING),
            labelled_markup("Giường", bed or MISSING),
            labelled_markup("Đợt điều trị", stay),
            labelled_markup("Chẩn đoán", diagnoses),
        ]
    )
    third = labelled_markup("Dị ứng", allergies or "chưa ghi nhận", bold=bool(allergies))
    return [Paragraph(text, s.body) for text in (first, second, third)]


def _block(
    lines: Sequence[_Line],
    days: Sequence[date],
    encounter: Encounter,
    staff: _Initials,
    width: float,
) -> Flowable:
    """The table of `days` (at most a week): the orders that run in it, a column a day."""
    cell = _cell_style()
    stay_start = to_local(encounter.started_at).date()
    header = ["Thuốc, liều, đường dùng, giờ dùng"] + [
        f"{day:%d/%m}\nNgày {(day - stay_start).days + 1}" for day in days
    ]
    day_width = (width - _DRUG_COLUMN) / DAYS_PER_BLOCK
    end = datetime.combine(days[-1] + timedelta(days=1), time(), VIETNAM_TZ)
    rows: list[list[Any]] = []
    for line in lines:
        cells = [_cell(line, day, encounter, staff) for day in days]
        runs = any(cells) or any(
            v.doses_on(day) or v.as_needed_on(day) for v in line.versions for day in days
        )
        if not runs:
            continue
        rows.append([Paragraph(_order_text(line, end), cell)] + ["\n".join(t) for t in cells])
    if not rows:
        rows.append(
            [Paragraph("<i>Không có thuốc dùng trong những ngày này</i>", cell)] + [""] * len(days)
        )
    table = grid(header, rows, [_DRUG_COLUMN] + [day_width] * len(days), style=cell)
    table.hAlign = "LEFT"
    return table


@cache
def _cell_style() -> ParagraphStyle:
    """The grid's text, smaller than other tables': a week of doses on a page's width."""
    style: ParagraphStyle = styles().cell.clone("mar_cell", fontSize=8, leading=10)
    return style


def _order_text(line: _Line, before: datetime) -> str:
    """The order as the row's first cell shows it (markup, escaped)."""
    version = line.shown(before)
    order = version.order
    when = "khi cần" if order.as_needed or not order.times else ", ".join(order.times)
    parts = [
        f"<b>{esc(order.drug_name)}</b>",
        esc(f"{amount(order.dose)} {order.dose_unit} · {route_vi(order.route)} · {when}"),
        esc(f"Từ {vn_date(order.start_date)} · {order.days} ngày"),
    ]
    if order.instructions:
        parts.append(f"<i>{esc(order.instructions)}</i>")
    for later in line.versions[1:]:
        if later.starts is not None and later.starts < before and later.starts != line.stopped_at:
            parts.append(esc(f"Sửa y lệnh lúc {vn_time(later.starts)}"))
    if line.stopped_at is not None and line.stopped_at < before:
        parts.append(f"<b>{esc(f'Ngừng lúc {vn_time(line.stopped_at)}')}</b>")
    if version.event.status != EventStatus.SIGNED:
        parts.append("<i>(y lệnh chưa ký)</i>")
    return "<br/>".join(parts)


def _cell(line: _Line, day: date, encounter: Encounter, staff: _Initials) -> list[str]:
    """The lines of one order's cell on one day: "08:00 ✓ LTL", in time order. A dose due
    outside the stay (after the discharge) is not listed unless it was recorded."""
    recorded: dict[datetime, list[ClinicalEvent]] = {}
    for admin in line.recorded_on(day):
        assert isinstance(admin.body, MedicationAdministration)
        recorded.setdefault(admin.body.scheduled_for or admin.effective_at, []).append(admin)
    moments = set(recorded)
    for version in line.versions:
        moments.update(
            moment
            for moment in version.doses_on(day)
            if encounter.started_at <= moment
            and (encounter.ended_at is None or moment <= encounter.ended_at)
        )
    texts = []
    for moment in sorted(moments):
        marks = [_mark(admin, line, staff) for admin in recorded.get(moment, [])]
        texts.append(" ".join([to_local(moment).strftime("%H:%M"), ", ".join(marks)]).strip())
    return texts


def _mark(admin: ClinicalEvent, line: _Line, staff: _Initials) -> str:
    """ "✓ LTL", "TC LTL", or "✓ LTL 20 mg" when the dose given is not the one ordered."""
    body = admin.body
    assert isinstance(body, MedicationAdministration)
    text = f"{OUTCOME_MARK.get(body.outcome, body.outcome)} {staff.of(admin.created_by)}"
    ordered = line.version_at(body.scheduled_for or admin.effective_at).order
    if body.dose is not None and (body.dose, body.dose_unit) != (ordered.dose, ordered.dose_unit):
        text += f" {amount(body.dose)} {body.dose_unit or ''}".rstrip()
    return text
