"""The full chart of one patient on paper (hồ sơ bệnh án, bản trích xuất).

Everything the chart holds, oldest first, grouped by visit or stay: the identifiers, the
allergies and problem list, then each encounter with every event — who wrote it, who signed
it and when. Nothing is hidden: a draft says it is unsigned, an amended entry says it was
amended (its amendment follows it), and an entry marked in error is printed struck through
with the reason, because a legal copy of the record shows what was corrected and how.
"""

from __future__ import annotations

from collections import defaultdict

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.records import ClinicalEvent, Correction, Encounter, EventStatus
from emr_desktop.core.timeutil import to_local
from emr_desktop.printing.describe import (
    active_allergies,
    encounter_label,
    event_lines,
    event_title,
    severity_vi,
    signed_or_recorded,
)
from emr_desktop.printing.layout import (
    chart_pdf,
    content_height,
    content_width,
    esc,
    grid,
    labelled,
    letterhead_block,
    paper_size,
    para,
    patient_block,
    section,
    styles,
    text_cell,
    title_block,
    vn_date,
    vn_time,
)

_HEADER = ["Thời gian", "Nội dung", "Người ghi / ký"]
_PAGE = paper_size("A4")


def chart_export_pdf(extract: ChartExtract) -> bytes:
    """Every record of the extract's chart as PDF bytes, A4."""
    pagesize = _PAGE
    width = content_width(pagesize)
    s = styles()
    patient = extract.patient
    on = to_local(extract.printed_at).date()
    story: list[Flowable] = [
        letterhead_block(extract.letterhead, width, national_heading=False, patient=patient),
        *title_block("Hồ sơ bệnh án", "(Bản trích xuất toàn bộ hồ sơ)"),
        patient_block(
            patient,
            on,
            width,
            extra=[
                (
                    "Dân tộc / nghề nghiệp",
                    f"{patient.ethnicity or '—'} / {patient.occupation or '—'}",
                ),
                ("Số lần khám / điều trị", str(len(extract.encounters))),
                ("Trích xuất lúc", f"{vn_time(extract.printed_at)} bởi {extract.printed_by}"),
            ],
        ),
        section("Dị ứng"),
    ]
    allergies = active_allergies(extract)
    if allergies:
        for allergy in allergies:
            text = f"{allergy.substance} (mức độ {severity_vi(allergy.severity)})"
            if allergy.reaction:
                text += f": {allergy.reaction}"
            story.append(Paragraph(f"<b>• {esc(text)}</b>", s.body))
    else:
        story.append(para("Chưa ghi nhận dị ứng.", s.body))
    story.append(section("Danh sách bệnh (vấn đề sức khỏe)"))
    problems = [
        p for p in extract.problems if p.status != "entered_in_error" and p.deleted_at is None
    ]
    if problems:
        for problem in problems:
            status = "đang theo dõi" if problem.status == "active" else "đã khỏi"
            since = f", từ {problem.onset.iso()}" if problem.onset else ""
            story.append(
                para(f"• {problem.icd10} — {problem.description} ({status}{since})", s.body)
            )
    else:
        story.append(para("Không có.", s.body))

    by_encounter: dict[str | None, list[ClinicalEvent]] = defaultdict(list)
    for event in extract.events:
        by_encounter[event.encounter_id].append(event)
    marks = _correction_marks(extract)
    widths = [24 * mm, width - 24 * mm - 38 * mm, 38 * mm]
    known = {e.id for e in extract.encounters}
    for number, encounter in enumerate(extract.encounters, 1):
        story.append(section(f"{number}. {encounter_label(extract, encounter)}"))
        story.append(_encounter_line(extract, encounter))
        story.extend(_events_table(extract, by_encounter.get(encounter.id, []), marks, widths))
    loose = [e for key, events in by_encounter.items() if key not in known for e in events]
    if loose:
        story.append(section("Ghi nhận ngoài các lần khám"))
        story.extend(_events_table(extract, loose, marks, widths))
    story.append(Spacer(1, 4 * mm))
    story.append(
        para(
            f"Hết hồ sơ. {len(extract.events)} bản ghi, "
            f"{len(extract.encounters)} lần khám/điều trị.",
            s.small,
        )
    )
    return chart_pdf(story, extract, pagesize=pagesize, title=f"Hồ sơ bệnh án {patient.mrn}")


def _encounter_line(extract: ChartExtract, encounter: Encounter) -> Paragraph:
    parts = [f"Bắt đầu {vn_time(encounter.started_at)}"]
    if encounter.ended_at is not None:
        parts.append(f"kết thúc {vn_time(encounter.ended_at)}")
    else:
        parts.append("đang diễn ra" if encounter.status == "in_progress" else "đã hủy")
    if encounter.attending_id:
        parts.append(f"bác sĩ điều trị {extract.staff_name(encounter.attending_id)}")
    if encounter.reason:
        parts.append(f"lý do: {encounter.reason}")
    return labelled("Thông tin", "; ".join(parts), styles().small)


def _correction_marks(extract: ChartExtract) -> dict[str, str]:
    """Event id → what became of it ("đã đính chính", "nhập nhầm: …")."""
    marks: dict[str, str] = {}
    for event in extract.events:
        if event.corrects is None:
            continue
        when = vn_time(event.effective_at)
        if event.correction == Correction.ENTERED_IN_ERROR:
            marks[event.corrects] = f"NHẬP NHẦM ({when}): {event.correction_reason or ''}"
        else:
            marks[event.corrects] = f"Đã đính chính lúc {when}: {event.correction_reason or ''}"
    return marks


def _events_table(
    extract: ChartExtract,
    events: list[ClinicalEvent],
    marks: dict[str, str],
    widths: list[float],
) -> list[Flowable]:
    if not events:
        return [para("Không có ghi nhận.", styles().small)]
    s = styles()
    rows = []
    for event in events:
        if event.correction == Correction.ENTERED_IN_ERROR:
            # The mark is printed on the entry it cancels.
            continue
        title = event_title(event)
        if event.correction == Correction.AMENDS:
            title += " (bản đính chính)"
        lines = [(title, True), *((line, False) for line in event_lines(extract, event))]
        content: Flowable = text_cell(lines, widths[1], s.cell)
        mark = marks.get(event.id)
        if mark is not None:
            markup = "<br/>".join(f"<b>{esc(t)}</b>" if bold else esc(t) for t, bold in lines)
            if mark.startswith("NHẬP NHẦM"):
                markup = f"<strike>{markup}</strike>"
            content = Paragraph(f"{markup}<br/><i>[{esc(mark)}]</i>", s.cell)
        signed = event.status == EventStatus.SIGNED
        when = f"ký {vn_time(signed_or_recorded(event))}" if signed else "chưa ký"
        who = [(extract.staff_name(event.signed_by if signed else event.created_by), False)]
        local = to_local(event.effective_at)
        rows.append(
            [
                f"{local:%H:%M}\n{vn_date(local.date())}",
                content,
                text_cell([*who, (when, not signed)], widths[2], s.cell),
            ]
        )
    # An event longer than a page (a long note, a long prescription) runs on to the next.
    return [grid(_HEADER, rows, widths, page_height=content_height(_PAGE))]
