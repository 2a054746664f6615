"""Wristbands: the label sheet with each patient's barcode, previewed and printed.

The sheet is built as PDF bytes on the database worker (`printing.labels`), shown inside
the program by QtPdf straight from memory, and sent to the printer the nurse picks. It is
never written to disk: a PDF of names and record numbers left in a temporary folder of a
shared ward PC would be readable by anybody.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMarginsF, QRectF, QSize, Qt
from PySide6.QtGui import QPagedPaintDevice, QPageLayout, QPageSize, QPainter, QShowEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from emr_desktop.core.permissions import Permission, allows
from emr_desktop.printing import labels
from emr_desktop.services import nursing
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.documents import PdfPages
from emr_desktop.ui.i18n import error_text

#: Pages are rendered for the printer at this resolution (barcodes need sharp edges).
PRINT_DPI = 300
MAX_COPIES = 50
_POINTS_PER_INCH = 72


def wristband_pdf(
    store: Store, session: Session, patient_ids: Sequence[str], copies: int = 1
) -> bytes:
    """The wristband sheet of `patient_ids` as PDF bytes (on the database worker; audited
    as a print of each patient's wristband)."""
    facility_name, chosen = nursing.wristband_patients(
        store, session, list(patient_ids), copies=copies
    )
    return labels.wristband_sheet(chosen, facility_name, copies=copies)


def render_pages(document: QPdfDocument, device: QPagedPaintDevice, dpi: int = PRINT_DPI) -> int:
    """Paint every page of `document` on `device` (a printer) at its real size; returns the
    pages painted (0 if the device could not be opened)."""
    pages = document.pageCount()
    if pages == 0:
        return 0
    first = document.pagePointSize(0)
    device.setPageSize(QPageSize(first, QPageSize.Unit.Point))
    device.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
    if isinstance(device, QPrinter):
        device.setFullPage(True)
    painter = QPainter()
    if not painter.begin(device):
        return 0
    try:
        for page in range(pages):
            if page > 0 and not device.newPage():
                return page
            points = document.pagePointSize(page)
            pixels = QSize(
                round(points.width() * dpi / _POINTS_PER_INCH),
                round(points.height() * dpi / _POINTS_PER_INCH),
            )
            image = document.render(page, pixels)
            # The page at its size on paper, from the paper's corner.
            scale = painter.device().logicalDpiX() / _POINTS_PER_INCH
            target = QRectF(0, 0, points.width() * scale, points.height() * scale)
            painter.drawImage(target, image)
        return pages
    finally:
        painter.end()


class WristbandPreview(QWidget):
    """The wristband sheet of the chosen patients, with a Print button.

    The sheet is built when the nurse asks for it (each one is logged as a print of the
    patients' wristbands), not whenever the choice of patients changes.
    """

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("wristband_preview")
        self._ctx = ctx
        session = ctx.session
        role = session.role if session is not None else ""
        self._can_print = bool(role) and allows(role, Permission.PRINT)
        #: The patients chosen; `shown_ids` those of the sheet on screen.
        self.patient_ids: list[str] = []
        self.shown_ids: list[str] = []
        self._requested: list[str] | None = None
        # The sheet, shown from memory with its page number and zoom.
        self.pages = PdfPages(self)
        self.document = self.pages.document
        self.view = self.pages.view
        self.view.setObjectName("wristband_view")
        self.status = QLabel()
        self.status.setObjectName("wristband_status")
        self.status.setWordWrap(True)
        self.copies = QSpinBox()
        self.copies.setObjectName("wristband_copies")
        self.copies.setRange(1, MAX_COPIES)
        self._copies_label = QLabel()
        self._copies_label.setBuddy(self.copies)
        self.prepare_button = QPushButton()
        self.prepare_button.setObjectName("prepare_wristbands")
        self.print_button = QPushButton()
        self.print_button.setObjectName("print_wristbands")
        self.print_button.setEnabled(False)
        self._printer: QPrinter | None = None
        self._copies_asked = 0
        self._shown_copies = 0

        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self._copies_label)
        top.addWidget(self.copies)
        top.addWidget(self.prepare_button)
        top.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)

        self.prepare_button.clicked.connect(self.prepare)
        self.copies.valueChanged.connect(lambda _value: self._unload_if_stale())
        self.print_button.clicked.connect(self.print_sheet)
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.print_button.setText(self.tr("&Print…"))
        self.prepare_button.setText(self.tr("Prepare the &sheet"))
        self._copies_label.setText(self.tr("Labels per patient"))
        self._show_status()

    def page_count(self) -> int:
        return self.document.pageCount()

    def clear(self) -> None:
        """Nobody chosen (the nurse moved on to another patient)."""
        self.set_patients([])

    def set_patients(self, patient_ids: Sequence[str]) -> None:
        """Choose whose wristbands to print; a sheet of others is taken off the screen."""
        self.patient_ids = list(patient_ids)
        self._unload_if_stale()

    def _unload_if_stale(self) -> None:
        wanted = (self.patient_ids, self.copies.value())
        if self._requested is not None and (self._requested, self._copies_asked) != wanted:
            self._requested = None
        if (self.shown_ids, self._shown_copies) != wanted:
            self._unload()
        self._show_status()

    def prepare(self) -> None:
        """Build the sheet of the chosen patients (in the background) and show it."""
        wanted, copies = list(self.patient_ids), self.copies.value()
        if not wanted or not self._can_print:
            return
        self._requested, self._copies_asked = wanted, copies
        self.prepare_button.setEnabled(False)
        self._show_status(self.tr("Preparing the wristbands…"))
        self._ctx.call(
            wristband_pdf,
            wanted,
            copies,
            on_done=lambda data: self._sheet_built(wanted, copies, data),
            on_error=lambda error: self._sheet_failed(wanted, error),
            key=f"wristbands-{id(self)}",
            owner=self,
        )

    def _sheet_built(self, patient_ids: list[str], copies: int, data: bytes) -> None:
        if patient_ids != self._requested:
            return
        self._requested = None
        self.load_pdf(data)
        if self.page_count():
            self.shown_ids, self._shown_copies = patient_ids, copies
            self._show_status()

    def _sheet_failed(self, patient_ids: list[str], error: BaseException) -> None:
        if patient_ids != self._requested:
            return
        self._requested = None
        self._unload()
        self._show_status(error_text(error))

    def load_pdf(self, data: bytes) -> None:
        """Show a PDF held in memory."""
        self._unload()
        if not self.pages.load_pdf(data):
            self._show_status(self.tr("The wristband sheet could not be opened."))
            return
        self._show_status()

    def _unload(self) -> None:
        self.shown_ids, self._shown_copies = [], 0
        self.pages.unload()
        self.print_button.setEnabled(False)

    def _show_status(self, text: str | None = None) -> None:
        ready = self.document.status() == QPdfDocument.Status.Ready and self.page_count() > 0
        self.print_button.setEnabled(ready and self._can_print)
        self.prepare_button.setEnabled(
            bool(self.patient_ids) and self._can_print and self._requested is None
        )
        self.copies.setEnabled(self._can_print)
        if text is not None:
            self.status.setText(text)
        elif not self._can_print:
            self.status.setText(self.tr("Your role cannot print."))
        elif ready:
            self.status.setText(
                self.tr("Wristbands of %n patient(s).", "", len(self.shown_ids))
                + " "
                + self.tr("%n page(s).", "", self.page_count())
            )
        elif self.patient_ids:
            self.status.setText(
                self.tr(
                    "%n patient(s) chosen: prepare the sheet to see and print it.",
                    "",
                    len(self.patient_ids),
                )
            )
        else:
            self.status.setText(
                self.tr("Choose patients on the list (or scan a wristband) to print theirs.")
            )

    # ------------------------------------------------------------------ printing

    def print_sheet(self) -> None:
        """Ask which printer (non-blocking), then print the sheet on it."""
        if self.page_count() == 0:
            return
        self._printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(self._printer, self)
        dialog.setObjectName("wristband_print_dialog")
        dialog.accepted.connect(lambda: self.print_to(self._printer))
        dialog.finished.connect(dialog.deleteLater)
        # Window-modal and not waited for: the event loop (and the ward) keeps running.
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()

    def print_to(self, printer: QPagedPaintDevice | None) -> bool:
        if printer is None:
            return False
        printed = render_pages(self.document, printer)
        if printed == self.page_count():
            self._ctx.inform(self.tr("The wristbands were sent to the printer."))
            return True
        self._show_status(self.tr("The printer could not print the wristbands."))
        return False

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        self._show_status()
