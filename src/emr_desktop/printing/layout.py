"""The parts every printed form shares, laid out in the MoH forms' conventions.

* Top left, the facility block: the governing body ("SỞ Y TẾ TỈNH …"), the facility in
  capitals, the department, with the logo beside them when one is set.
* Top right, the national heading ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do -
  Hạnh phúc") on the forms that carry it, and the patient's barcode (Code 128 of the MRN).
* The title in capitals, the patient's identifiers, the content, and the signatures at the
  bottom right under "Ngày … tháng … năm …".
* Every page ends with the patient's MRN and name (pages that come apart stay identifiable),
  "Trang x/y" and when the document was printed. A draft carries a "BẢN NHÁP" watermark.

Text goes through `esc()`: whatever a clinician typed is printed as typed, never read as
markup. Long content is laid out with platypus, which paginates; tables repeat their header
row on each page, and draw the text of a cell that fits its column straight onto the page
(`text_cell`): a Paragraph, which parses markup and breaks lines, is kept for what wraps.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, Literal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from emr_desktop.core.documents import ChartExtract, Letterhead, age_on
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import Patient
from emr_desktop.core.timeutil import to_local
from emr_desktop.printing.codes import BarcodeFlowable
from emr_desktop.printing.fonts import BOLD, REGULAR, register_fonts

PAPER = {"A4": A4, "A5": A5}
SEX_VI = {"male": "Nam", "female": "Nữ", "other": "Khác"}
NATIONAL_HEADING = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
#: Printed for a value the chart does not have.
MISSING = "không rõ"
#: Printed for a field a clinician did not fill in.
NOT_RECORDED = "không ghi"


def paper_size(paper: str, *, wide: bool = False) -> tuple[float, float]:
    """The page size for "A4" or "A5", turned to landscape if `wide`."""
    try:
        size = PAPER[paper]
    except KeyError:
        raise ValidationError(
            "paper", "choice", "Khổ giấy phải là A4 hoặc A5", "The paper must be A4 or A5"
        ) from None
    return landscape(size) if wide else size


# --- Text -------------------------------------------------------------------------------


def esc(text: str) -> str:
    """`text` safe inside a Paragraph: markup characters escaped, line breaks kept."""
    return "<br/>".join(escape(line) for line in text.splitlines()) if text else ""


def vn_date(day: date) -> str:
    """07/03/1956"""
    return day.strftime("%d/%m/%Y")


def vn_time(moment: datetime) -> str:
    """A UTC moment as Vietnamese local time: "14:05 21/11/2026"."""
    return to_local(moment).strftime("%H:%M %d/%m/%Y")


def vn_long_date(moment: datetime) -> str:
    """The dating line of a form: "Ngày 21 tháng 11 năm 2026" (local date)."""
    local = to_local(moment)
    return f"Ngày {local.day:02d} tháng {local.month:02d} năm {local.year}"


def clock_text(moment: datetime) -> str:
    """The forms' way of giving a time: "20 giờ 45 phút, ngày 21 tháng 10 năm 2026"."""
    local = to_local(moment)
    return (
        f"{local.hour:02d} giờ {local.minute:02d} phút, "
        f"ngày {local.day:02d} tháng {local.month:02d} năm {local.year}"
    )


def amount(value: Any) -> str:
    """A quantity without trailing zeros, with a decimal comma: 1.50 → "1,5"."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def age_text(patient: Patient, on: date) -> str:
    """ "70 tuổi"; "18 tháng tuổi" under 6 years (72 months) when the date of birth is
    known, as the prescription rules ask for children."""
    birth = patient.date_of_birth
    if birth is None:
        return ""
    if birth.date is not None:
        months = (on.year - birth.date.year) * 12 + on.month - birth.date.month
        if on.day < birth.date.day:
            months -= 1
        if 0 <= months < 72:
            return f"{months} tháng tuổi"
    return f"{max(age_on(birth.year, birth.date, on), 0)} tuổi"


def birth_text(patient: Patient, on: date) -> str:
    """ "07/03/1956 (70 tuổi)", "1948 (78 tuổi)" or "không rõ"."""
    birth = patient.date_of_birth
    if birth is None:
        return MISSING
    shown = vn_date(birth.date) if birth.date is not None else str(birth.year)
    return f"{shown} ({age_text(patient, on)})"


# --- Styles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    cell_center: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    center: ParagraphStyle
    right: ParagraphStyle
    header: ParagraphStyle


@cache
def styles(scale: float = 1.0) -> Styles:
    """The paragraph styles, all in the embedded fonts; `scale` shrinks them for A5."""
    register_fonts()

    def style(name: str, size: float, **kw: Any) -> ParagraphStyle:
        kw.setdefault("fontName", REGULAR)
        return ParagraphStyle(
            name, fontSize=size * scale, leading=size * scale * 1.28, splitLongWords=1, **kw
        )

    return Styles(
        body=style("body", 10.5, spaceAfter=1.5),
        small=style("small", 8),
        cell=style("cell", 9),
        cell_right=style("cell_right", 9, alignment=TA_RIGHT),
        cell_center=style("cell_center", 9, alignment=TA_CENTER),
        title=style("title", 15, fontName=BOLD, alignment=TA_CENTER, spaceBefore=4, spaceAfter=2),
        subtitle=style("subtitle", 10, alignment=TA_CENTER, spaceAfter=4),
        heading=style("heading", 11, fontName=BOLD, spaceBefore=6, spaceAfter=2),
        center=style("center", 10, alignment=TA_CENTER),
        right=style("right", 10, alignment=TA_RIGHT),
        header=style("header", 9, alignment=TA_CENTER),
    )


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped)."""
    return Paragraph(esc(text), style)


def labelled_markup(label: str, value: str, *, bold: bool = False) -> str:
    """ "Label: value" as Paragraph markup (escaped), the value in bold if asked."""
    shown = f"<b>{esc(value)}</b>" if bold else esc(value)
    return f"{esc(label)}: {shown}"


def labelled(label: str, value: str, style: ParagraphStyle, *, bold: bool = False) -> Paragraph:
    """ "Label: value", the value in bold if asked."""
    return Paragraph(labelled_markup(label, value, bold=bold), style)


# --- Blocks -----------------------------------------------------------------------------


def letterhead_block(
    letterhead: Letterhead,
    width: float,
    *,
    department: str | None = None,
    national_heading: bool = True,
    patient: Patient | None = None,
    right: Sequence[Flowable] = (),
    scale: float = 1.0,
) -> Table:
    """The facility block (left) and, on the right, the national heading, the `patient`'s
    barcode (`patient_barcode`) if given, then `right`."""
    s = styles(scale)
    left: list[Flowable] = []
    if letterhead.parent_name:
        left.append(para(letterhead.parent_name.upper(), s.header))
    left.append(Paragraph(f"<b>{esc(letterhead.facility_name.upper())}</b>", s.header))
    if department:
        left.append(Paragraph(f"<b>{esc(department.upper())}</b>", s.header))
    contact = " · ".join(
        part
        for part in (
            letterhead.address or "",
            # Non-breaking: a phone number must not wrap in the middle.
            f"ĐT: {letterhead.phone}".replace(" ", "\u00a0") if letterhead.phone else "",
        )
        if part
    )
    if contact:
        left.append(para(contact, _small_center(scale)))
    left.append(para(f"Mã cơ sở: {letterhead.facility_code}", _small_center(scale)))
    cells_right: list[Flowable] = []
    if national_heading:
        cells_right.append(Paragraph(f"<b>{NATIONAL_HEADING[0]}</b>", s.header))
        cells_right.append(Paragraph(f"<b><u>{NATIONAL_HEADING[1]}</u></b>", s.header))
        cells_right.append(Spacer(1, 2 * mm * scale))
    left_width = width * 0.5
    if patient is not None:
        cells_right.extend(patient_barcode(patient, width - left_width, scale))
    cells_right.extend(right)
    logo = _logo(letterhead.logo, 16 * mm * scale)
    if logo is not None:
        inner = Table(
            [[logo, left]],
            colWidths=[18 * mm * scale, left_width - 18 * mm * scale],
            style=_TIGHT,
        )
        left_cell: Any = inner
    else:
        left_cell = left
    return Table(
        [[left_cell, cells_right]],
        colWidths=[left_width, width - left_width],
        style=TableStyle([*_TIGHT.getCommands(), ("ALIGN", (1, 0), (1, 0), "CENTER")]),
    )


@cache
def _small_center(scale: float) -> ParagraphStyle:
    return ParagraphStyle(
        "small_center", parent=styles(scale).small, alignment=TA_CENTER, fontSize=7.5 * scale
    )


def _logo(data: bytes | None, size: float) -> Image | None:
    if not data:
        return None
    image = Image(io.BytesIO(data), width=size, height=size, kind="proportional")
    image.hAlign = "CENTER"
    return image


_TIGHT = TableStyle(
    [
        # Plain-text cells (even empty ones) would otherwise name Helvetica in the document.
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]
)


def patient_barcode(patient: Patient, width: float, scale: float = 1.0) -> list[Flowable]:
    """The MRN as a barcode with the number under it, for the top right of a form."""
    s = styles(scale)
    barcode = BarcodeFlowable(patient.mrn, min(width, 50 * mm), 8 * mm * scale)
    barcode.hAlign = "CENTER"
    return [barcode, para(f"Mã BN: {patient.mrn}", s.header)]


def title_block(title: str, subtitle: str | None = None, scale: float = 1.0) -> list[Flowable]:
    """The form's title in capitals, and a line under it if given."""
    s = styles(scale)
    out: list[Flowable] = [Spacer(1, 3 * mm * scale), para(title.upper(), s.title)]
    if subtitle:
        out.append(para(subtitle, s.subtitle))
    return out


def patient_block(
    patient: Patient,
    on: date,
    width: float,
    *,
    extra: Sequence[tuple[str, str]] = (),
    scale: float = 1.0,
) -> Table:
    """The patient's identifiers: name, sex, birth, CCCD, BHYT card, address, phone, and any
    `extra` (label, value) lines. Missing values are printed as such, never left blank."""
    s = styles(scale)
    bhyt = "không có"
    if patient.bhyt_number:
        bhyt = patient.bhyt_number
        if patient.bhyt_valid_to:
            bhyt += f" (hạn đến {vn_date(patient.bhyt_valid_to)})"
    rows: list[list[Any]] = [
        [labelled("Họ và tên", patient.full_name.upper(), s.body, bold=True), ""],
        [
            labelled("Ngày sinh", birth_text(patient, on), s.body),
            labelled("Giới tính", SEX_VI.get(patient.sex, patient.sex), s.body),
        ],
        [
            labelled("Số CCCD", patient.cccd or "không có", s.body),
            labelled("Mã BN", patient.mrn, s.body),
        ],
        [labelled("Số thẻ BHYT", bhyt, s.body), ""],
        [labelled("Địa chỉ", patient.address or MISSING, s.body), ""],
    ]
    if patient.phones:
        rows.append([labelled("Điện thoại", ", ".join(patient.phones), s.body), ""])
    for label, value in extra:
        rows.append([labelled(label, value, s.body), ""])
    spans = [("SPAN", (0, n), (1, n)) for n, row in enumerate(rows) if row[1] == ""]
    return Table(
        rows,
        colWidths=[width * 0.62, width * 0.38],
        style=TableStyle([*_TIGHT.getCommands(), *spans]),
    )


#: A form's (label, value) line.
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
        style=TableStyle(
            [
                *_TIGHT.getCommands(),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
                ("RIGHTPADDING", (0, 0), (0, -1), 6),
                *spans,
            ]
        ),
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


@dataclass(frozen=True)
class Signature:
    """One signature box: the role printed over it, and who signed when (None: unsigned)."""

    title: str
    name: str = ""
    signed_at: datetime | None = None


def signature_block(
    dated: datetime,
    signatures: Sequence[Signature],
    width: float,
    scale: float = 1.0,
    *,
    align: Literal["LEFT", "CENTER", "RIGHT"] = "RIGHT",
) -> KeepTogether:
    """Signature boxes side by side, the dating line over the right-most one; the boxes
    together `width` wide, at the right of the page unless `align` says otherwise."""
    s = styles(scale)
    count = len(signatures)
    header = [""] * (count - 1) + [Paragraph(f"<i>{esc(vn_long_date(dated))}</i>", s.center)]
    boxes: list[Any] = []
    for sig in signatures:
        box: list[Flowable] = [
            Paragraph(f"<b>{esc(sig.title.upper())}</b>", s.center),
            Paragraph("<i>(Ký, ghi rõ họ tên)</i>", _small_center(scale)),
        ]
        if sig.signed_at is not None:
            box.append(Spacer(1, 3 * mm * scale))
            box.append(para(f"Đã ký điện tử lúc {vn_time(sig.signed_at)}", _small_center(scale)))
            box.append(Spacer(1, 3 * mm * scale))
        else:
            box.append(Spacer(1, 16 * mm * scale))
        box.append(Paragraph(f"<b>{esc(sig.name)}</b>", s.center))
        boxes.append(box)
    table = Table(
        [header, boxes],
        colWidths=[width / count] * count,
        style=TableStyle([*_TIGHT.getCommands(), ("TOPPADDING", (0, 1), (-1, 1), 2)]),
    )
    table.hAlign = align
    return KeepTogether([Spacer(1, 4 * mm * scale), table])


def section(title: str, scale: float = 1.0) -> Paragraph:
    """A numbered or plain heading inside a form."""
    return para(title, styles(scale).heading)


#: Left and right padding of a `grid` cell, together.
CELL_PADDING = 6.0
#: A line of a table cell and whether it is set in bold.
CellLine = tuple[str, bool]


class TextLines(Flowable):
    """Lines of plain text in a table cell, drawn straight onto the page where a Paragraph
    would put them (the cells of a row share their baselines). A long table has thousands
    of such cells: as Paragraphs (markup parsed, lines broken) they would take most of the
    document's time."""

    def __init__(self, lines: Sequence[CellLine], style: ParagraphStyle) -> None:
        super().__init__()
        self.lines = tuple(lines)
        self.style = style

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = self.style.leading * len(self.lines)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """The lines that fit `available_height`, and the rest (a row split across pages)."""
        fits = int(available_height // self.style.leading)
        if fits >= len(self.lines):
            return [self]
        if fits <= 0:
            return []
        return [TextLines(self.lines[:fits], self.style), TextLines(self.lines[fits:], self.style)]

    def draw(self) -> None:
        size, leading = self.style.fontSize, self.style.leading
        for n, (text, bold) in enumerate(self.lines):
            self.canv.setFont(BOLD if bold else self.style.fontName, size)
            # Where a Paragraph puts its lines: its first baseline one font size down.
            y = self.height - size - n * leading
            if self.style.alignment == TA_CENTER:
                self.canv.drawCentredString(self.width / 2, y, text)
            elif self.style.alignment == TA_RIGHT:
                self.canv.drawRightString(self.width, y, text)
            else:
                self.canv.drawString(0, y, text)


def text_cell(
    text: str | Sequence[CellLine],
    width: float,
    style: ParagraphStyle,
    *,
    bold: bool = False,
) -> Flowable:
    """A table cell of plain text in a column `width` wide: `text` with its line breaks (in
    bold if `bold`), or (line, bold) pairs. Drawn straight onto the page (`TextLines`) when
    every line fits the column, else a Paragraph that wraps it (markup escaped)."""
    lines = (
        [(line, bold) for line in text.splitlines()]
        if isinstance(text, str)
        # A Paragraph collapses runs of white space: so do the lines drawn without one.
        else list(text)
    )
    lines = [(" ".join(line.split()), strong) for line, strong in lines]
    room = width - CELL_PADDING
    size = style.fontSize
    if all(
        stringWidth(line, BOLD if strong else style.fontName, size) <= room
        for line, strong in lines
    ):
        return TextLines(lines, style)
    markup = (f"<b>{escape(line)}</b>" if strong else escape(line) for line, strong in lines)
    return Paragraph("<br/>".join(markup), style)


@cache
def _aligned(style: ParagraphStyle, align: str) -> ParagraphStyle:
    """`style` aligned "L", "C" or "R"."""
    alignment = {"L": TA_LEFT, "C": TA_CENTER, "R": TA_RIGHT}[align]
    if style.alignment == alignment:
        return style
    aligned: ParagraphStyle = style.clone(f"{style.name}_{align}", alignment=alignment)
    return aligned


class _Grid(Table):
    """A `grid`'s table. Given `page_height` (the height of a page's frame), a row taller than
    a page continues on the next page rather than failing the document; a row that fits on
    a page moves to the next one whole, as in any table."""

    page_height: float | None = None

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        parts: list[Flowable] = super().split(availWidth, availHeight)
        if not parts and not self.splitInRow and self.page_height is not None:
            # Not even the first row fits what is left of the page: is it taller than one?
            heights: list[float] = self._rowHeights  # type: ignore[attr-defined]  # by split
            if sum(heights[: self.repeatRows + 1]) > self.page_height:
                self.splitInRow = 1
                try:
                    parts = super().split(availWidth, availHeight)
                finally:
                    self.splitInRow = 0
                for part in parts:
                    if isinstance(part, Table):
                        part.splitInRow = 0
        for part in parts:
            if isinstance(part, _Grid):
                part.page_height = self.page_height
        return parts


def grid(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    scale: float = 1.0,
    highlight: Sequence[int] = (),
    align: Sequence[str] = (),
    style: ParagraphStyle | None = None,
    split_rows: bool = False,
    page_height: float | None = None,
) -> Table:
    """A ruled table whose header row repeats on every page. Cells may be text (`text_cell`:
    escaped, wrapped when it does not fit its column) or flowables. `highlight` rows are
    set in bold; `align` gives "L", "C" or "R" per column; `style` is the text's (the
    cells' style of `styles(scale)` unless given). With `split_rows`, a row taller than
    what is left of a page continues on the next (free text can be long); with only
    `page_height` (`content_height`), a row taller than a whole page does."""
    s = styles(scale)
    body = style or s.cell
    aligns = list(align) or ["L"] * len(header)
    bold = set(highlight)
    data: list[list[Any]] = [
        [text_cell(h, w, s.cell_center, bold=True) for h, w in zip(header, widths, strict=True)]
    ]
    for n, row in enumerate(rows):
        data.append(
            [
                text_cell(value, widths[c], _aligned(body, aligns[c]), bold=n in bold)
                if isinstance(value, str)
                else value
                for c, value in enumerate(row)
            ]
        )
    table = _Grid(
        data,
        colWidths=list(widths),
        repeatRows=1,
        style=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING / 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING / 2),
            ]
        ),
    )
    if split_rows:
        table.splitInRow = 1
    table.page_height = page_height
    return table


# --- The document -----------------------------------------------------------------------


@dataclass(frozen=True)
class Footer:
    """What every page ends with."""

    patient: Patient
    printed_at: datetime
    printed_by: str
    #: Print a "BẢN NHÁP — CHƯA KÝ" watermark: the document holds unsigned content.
    draft: bool = False
    scale: float = 1.0


def _paged_canvas(footer: Footer) -> type[Canvas]:
    """A canvas that holds its pages back until the end, so that each can say "Trang x/y"."""

    class PagedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._held.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # what showPage does after a page

        def save(self) -> None:
            total = len(self._held)
            for number, state in enumerate(self._held, 1):
                self.__dict__.update(state)
                _draw_footer(self, footer, number, total)
                super().showPage()
            super().save()

    return PagedCanvas


def _draw_footer(canvas: Canvas, footer: Footer, number: int, total: int) -> None:
    width, height = canvas._pagesize  # type: ignore[attr-defined]
    margin = 12 * mm * footer.scale
    y = 8 * mm * footer.scale
    size = 7.5 * footer.scale
    canvas.saveState()
    if footer.draft:
        canvas.setFillColor(colors.Color(0.75, 0.75, 0.75, alpha=0.35))
        canvas.setFont(BOLD, 40 * footer.scale)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(35)
        canvas.drawCentredString(0, 0, "BẢN NHÁP — CHƯA KÝ")
        canvas.restoreState()
        canvas.saveState()
    canvas.setLineWidth(0.3)
    canvas.line(margin, y + size + 2, width - margin, y + size + 2)
    canvas.setFont(REGULAR, size)
    who = f"Mã BN: {footer.patient.mrn} — {footer.patient.full_name.upper()}"
    limit = (width - 2 * margin) * 0.45
    while len(who) > 10 and canvas.stringWidth(who, REGULAR, size) > limit:
        who = who[:-2] + "…"
    canvas.drawString(margin, y, who)
    page = f"Trang {number}/{total}"
    if footer.draft:
        # Also in plain text: the watermark alone is lost on a faint copy.
        page = f"BẢN NHÁP — CHƯA KÝ · {page}"
    canvas.drawCentredString(width / 2, y, page)
    canvas.drawRightString(width - margin, y, f"In lúc {vn_time(footer.printed_at)}")
    canvas.restoreState()


def build_pdf(
    story: list[Flowable],
    *,
    pagesize: tuple[float, float],
    title: str,
    author: str,
    footer: Footer,
    margins_mm: float = 12.0,
) -> bytes:
    """Lay `story` out on pages of `pagesize` and return the PDF bytes (nothing on disk)."""
    register_fonts()
    buffer = io.BytesIO()
    margin = margins_mm * mm * footer.scale
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin * 0.8,
        bottomMargin=margin + 6 * mm * footer.scale,
        title=title,
        author=author,
        creator="EMR Desktop",
        invariant=1,
        initialFontName=REGULAR,
    )
    doc.build(story, canvasmaker=_paged_canvas(footer))
    return buffer.getvalue()


def chart_pdf(
    story: list[Flowable],
    extract: ChartExtract,
    *,
    pagesize: tuple[float, float],
    title: str,
    draft: bool = False,
    scale: float = 1.0,
) -> bytes:
    """`build_pdf` for a document of the extract's patient, printed by its printer."""
    return build_pdf(
        story,
        pagesize=pagesize,
        title=title,
        author=extract.letterhead.facility_name,
        footer=Footer(
            patient=extract.patient,
            printed_at=extract.printed_at,
            printed_by=extract.printed_by,
            draft=draft,
            scale=scale,
        ),
    )


def content_height(
    pagesize: tuple[float, float], scale: float = 1.0, margins_mm: float = 12.0
) -> float:
    """The height flowables have between the margins `build_pdf` uses (less the frame's
    6-point padding at the top and bottom)."""
    margin = margins_mm * mm * scale
    return pagesize[1] - margin * 0.8 - (margin + 6 * mm * scale) - 12


def content_width(
    pagesize: tuple[float, float], scale: float = 1.0, margins_mm: float = 12.0
) -> float:
    """The width flowables have between the margins `build_pdf` uses (less the frame's
    6-point padding on each side)."""
    return pagesize[0] - 2 * margins_mm * mm * scale - 12
