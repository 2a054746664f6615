"""Patient wristbands and labels: a sheet of labels, each with the patient's barcode.

Each label carries the facility, the patient's name, sex and date (or year) of birth, the
medical record number, the CCCD when known, and a Code 128 barcode of the wristband code
(`core.wristband.wristband_code`: "BN" + MRN) that the booth and ward scanners read; a QR
code of the same text may be added for phone cameras. The PDF is built in memory: patient
data never touches the disk as a plaintext file. This module draws only: what is printed,
and the audit of it, comes from the services (`services.nursing.wristband_patients`).

Sizes are in millimetres. The defaults fit self-adhesive A4 sheets of 2 × 8 labels of
99 × 34 mm, which slide into the common wristband sleeves.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import Patient
from emr_desktop.core.wristband import wristband_code
from emr_desktop.printing.codes import draw_code128, draw_qr
from emr_desktop.printing.fonts import BOLD, REGULAR, register_fonts

_SEX_VI = {"male": "Nam", "female": "Nữ", "other": "Khác"}


@dataclass(frozen=True)
class LabelLayout:
    """Where the labels are on a sheet (millimetres)."""

    page_width: float = A4[0] / mm
    page_height: float = A4[1] / mm
    columns: int = 2
    rows: int = 8
    label_width: float = 99.0
    label_height: float = 34.0
    #: Top-left corner of the first label.
    left: float = 6.0
    top: float = 12.5
    #: Space between two labels.
    gap_x: float = 0.0
    gap_y: float = 0.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


def _birth_text(patient: Patient) -> str:
    birth = patient.date_of_birth
    if birth is None:
        return "NS: không rõ"
    if birth.date is None:
        return f"NS: {birth.year}"
    return f"NS: {birth.date.strftime('%d/%m/%Y')}"


def _fit(text: str, font: str, size: float, width: float) -> tuple[str, float]:
    """`text` at the largest size up to `size` that fits `width`, shortened if even 6 pt
    does not fit."""
    while size > 6 and stringWidth(text, font, size) > width:
        size -= 0.5
    while stringWidth(text, font, size) > width and len(text) > 1:
        text = text[:-2] + "…"
    return text, size


def _label(
    canvas: Canvas,
    patient: Patient,
    facility_name: str,
    x: float,
    y: float,
    layout: LabelLayout,
    qr: bool,
) -> None:
    """One label with its bottom-left corner at (x, y) points."""
    width, height = layout.label_width * mm, layout.label_height * mm
    pad = 2.5 * mm
    code = wristband_code(patient)
    qr_size = (height - 2 * pad) if qr else 0.0
    text_width = width - 2 * pad - (qr_size + pad if qr else 0)
    top = y + height - pad

    facility, size = _fit(facility_name.upper(), REGULAR, 6.5, text_width)
    canvas.setFont(REGULAR, size)
    canvas.drawString(x + pad, top - 6.5, facility)
    name, size = _fit(patient.full_name.upper(), BOLD, 11, text_width)
    canvas.setFont(BOLD, size)
    canvas.drawString(x + pad, top - 20, name)
    details = [_SEX_VI.get(patient.sex, patient.sex), _birth_text(patient), f"Mã BN: {patient.mrn}"]
    line, size = _fit(" · ".join(details), REGULAR, 8, text_width)
    canvas.setFont(REGULAR, size)
    canvas.drawString(x + pad, top - 30, line)
    if patient.cccd:
        canvas.drawString(x + pad, top - 39, f"CCCD: {patient.cccd}")

    draw_code128(canvas, code, x + pad, y + pad + 7, text_width, 8 * mm)
    canvas.setFont(REGULAR, 6.5)
    canvas.drawString(x + pad, y + pad, code)

    if qr:
        draw_qr(canvas, code, x + width - pad - qr_size, y + pad, qr_size)


def wristband_sheet(
    patients: Sequence[Patient],
    facility_name: str,
    *,
    copies: int = 1,
    qr: bool = False,
    layout: LabelLayout | None = None,
    outlines: bool = False,
) -> bytes:
    """A PDF of labels, `copies` per patient in the order given, as many pages as needed.

    `outlines` draws each label's border (for plain paper cut with scissors).
    """
    if not patients:
        raise ValidationError(
            "patients", "required", "Chọn ít nhất một bệnh nhân", "Choose at least one patient"
        )
    if not 1 <= copies <= 50:
        raise ValidationError(
            "copies", "range", "Số bản in từ 1 đến 50", "Copies must be between 1 and 50"
        )
    sheet = layout or LabelLayout()
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(sheet.page_width * mm, sheet.page_height * mm),
        # Else the page also references Helvetica. (types-reportlab types it as a number.)
        initialFontName=REGULAR,  # type: ignore[arg-type]
        invariant=True,
    )
    canvas.setTitle("Vòng tay / nhãn bệnh nhân")
    canvas.setAuthor(facility_name)
    labels = [p for p in patients for _ in range(copies)]
    for n, patient in enumerate(labels):
        slot = n % sheet.per_page
        if n and slot == 0:
            canvas.showPage()
        column, row = slot % sheet.columns, slot // sheet.columns
        x = (sheet.left + column * (sheet.label_width + sheet.gap_x)) * mm
        y = (
            sheet.page_height - sheet.top - (row + 1) * sheet.label_height - row * sheet.gap_y
        ) * mm
        if outlines:
            canvas.setLineWidth(0.3)
            canvas.roundRect(x, y, sheet.label_width * mm, sheet.label_height * mm, 2 * mm)
        _label(canvas, patient, facility_name, x, y, sheet, qr)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
