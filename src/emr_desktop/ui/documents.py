"""Printed documents: the preview, printing through the system's dialog, "save as PDF", and
the chart's Print menu.

A document is read from the chart (`services.documents.chart_extract`, audited) and drawn
(`printing.documents.render`) on the database worker, in one job; the PDF comes back as
bytes and QtPdf shows it from memory. Printing paints the pages of that in-memory document
on the printer the user picks, so no PDF of the patient's record is ever written to disk
unless the user explicitly saves one ("save as PDF", an audited export that needs
`Permission.EXPORT`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QMarginsF,
    QObject,
    QRectF,
    QSize,
    QSizeF,
    QStandardPaths,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QCloseEvent,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QShortcut,
)
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from emr_desktop.core.documents import ChartExtract, DocumentKind, ReferralDetails
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.core.text import fold
from emr_desktop.printing import documents as drawing
from emr_desktop.services import documents as document_services
from emr_desktop.services.auth import Session
from emr_desktop.services.documents import DocumentTarget
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.notes import error_label, show_error
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.labels import local_time

#: Pages are rendered for the printer at most at this resolution: sharp text and barcodes,
#: and an A4 page stays about 35 MB in memory whatever the printer claims (some say 1200).
PRINT_DPI = 300
_POINTS_PER_INCH = 72
ZOOM_STEP = 1.25
MIN_ZOOM = 0.25
MAX_ZOOM = 4.0
#: The papers a prescription can be printed on (A5 is the usual form, A4 the usual tray).
PAPERS = ("A5", "A4")
DEFAULT_PAPER = "A4"
PRESCRIPTION_PAPER_SETTING = "documents/prescription_paper"
#: Entries of one kind in the chart's Print menu (newest first; older ones are printed
#: from their own tab).
MAX_MENU_ENTRIES = 20

_KINDS_CONTEXT = "DocumentKinds"
KIND_NAMES = {
    DocumentKind.PRESCRIPTION: QT_TRANSLATE_NOOP("DocumentKinds", "Prescription"),
    DocumentKind.DISCHARGE: QT_TRANSLATE_NOOP("DocumentKinds", "Discharge letter"),
    DocumentKind.LAB_REPORT: QT_TRANSLATE_NOOP("DocumentKinds", "Laboratory report"),
    DocumentKind.IMAGING_REPORT: QT_TRANSLATE_NOOP("DocumentKinds", "Imaging report"),
    DocumentKind.VISIT_SUMMARY: QT_TRANSLATE_NOOP("DocumentKinds", "Visit summary"),
    DocumentKind.REFERRAL: QT_TRANSLATE_NOOP("DocumentKinds", "Referral letter"),
    DocumentKind.CHART_EXPORT: QT_TRANSLATE_NOOP("DocumentKinds", "Whole chart (extract)"),
    DocumentKind.MAR: QT_TRANSLATE_NOOP("DocumentKinds", "Medication administration record"),
}


def kind_name(kind: DocumentKind) -> str:
    """The document's name on screen, in the current language."""
    return QCoreApplication.translate(_KINDS_CONTEXT, str(KIND_NAMES[kind]))


def file_stem(kind: DocumentKind) -> str:
    """The document's Vietnamese title as a file name: "Đơn thuốc" → "don-thuoc"."""
    title = kind.title_vi.split("(")[0]
    return re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")


def default_file_name(kind: DocumentKind, mrn: str) -> str:
    """What "save as PDF" proposes: the document and the record number, never the name
    (a file name is seen in folder listings and on USB sticks)."""
    safe_mrn = re.sub(r"[^A-Za-z0-9_-]+", "", mrn)
    return f"{file_stem(kind)}-{safe_mrn}.pdf" if safe_mrn else f"{file_stem(kind)}.pdf"


def default_paper(ctx: AppContext, kind: DocumentKind) -> str:
    """The paper a document is first drawn for (prescriptions: the last one chosen, A5)."""
    if kind != DocumentKind.PRESCRIPTION:
        return DEFAULT_PAPER
    value = ctx.settings.value(PRESCRIPTION_PAPER_SETTING, PAPERS[0])
    return value if value in PAPERS else PAPERS[0]


# ---------------------------------------------------------------------- the worker's side
@dataclass(frozen=True)
class PreparedDocument:
    """A document drawn for the preview: what it shows and the PDF of it, in memory."""

    kind: DocumentKind
    target_id: str | None
    extract: ChartExtract
    pdf: bytes
    paper: str
    referral: ReferralDetails | None = None

    @property
    def patient_id(self) -> str:
        return self.extract.patient.id

    @property
    def mrn(self) -> str:
        return self.extract.patient.mrn


def prepare_document(
    store: Store,
    session: Session,
    patient_id: str,
    kind: DocumentKind,
    target_id: str | None,
    paper: str = DEFAULT_PAPER,
    referral: ReferralDetails | None = None,
) -> PreparedDocument:
    """Read what the document needs from the chart and draw it (on the database worker)."""
    extract = document_services.chart_extract(store, session, patient_id, kind, target_id)
    pdf = drawing.render(kind, extract, target_id, paper=paper, referral=referral)
    return PreparedDocument(kind, target_id, extract, pdf, paper, referral)


def redraw_document(
    _store: Store, _session: Session, prepared: PreparedDocument, paper: str
) -> PreparedDocument:
    """The same document drawn for another paper (on the database worker, from the extract
    already read: choosing the paper is not another read of the chart)."""
    pdf = drawing.render(
        prepared.kind,
        prepared.extract,
        prepared.target_id,
        paper=paper,
        referral=prepared.referral,
    )
    return replace(prepared, pdf=pdf, paper=paper)


# ---------------------------------------------------------------------- printing pages
def chosen_pages(printer: QPrinter, page_count: int, current_page: int) -> list[int]:
    """The pages (0-based) the print dialog asked for: all, a range, or the one on screen."""
    chosen = printer.printRange()
    if chosen == QPrinter.PrintRange.CurrentPage:
        return [min(max(current_page, 0), page_count - 1)] if page_count else []
    if chosen == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        first = max(1, printer.fromPage())
        last = min(page_count, printer.toPage() or page_count)
        return list(range(first - 1, last))
    return list(range(page_count))


def prepare_printer(printer: QPrinter, document: QPdfDocument) -> None:
    """Offer the document's own paper in the print dialog (the user may pick another; pages
    are then fitted to it) and let the PDF's margins be the only ones."""
    if document.pageCount() == 0:
        return
    points = document.pagePointSize(0)
    width, height = points.width(), points.height()
    size = QPageSize(QSizeF(min(width, height), max(width, height)), QPageSize.Unit.Point)
    orientation = (
        QPageLayout.Orientation.Landscape if width > height else QPageLayout.Orientation.Portrait
    )
    printer.setPageLayout(
        QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
    )
    printer.setFullPage(True)


def paint_page(painter: QPainter, document: QPdfDocument, page: int, dpi: int) -> None:
    """Paint one page of `document`, fitted to the paper (centred across, from the top)."""
    device = painter.device()
    points = document.pagePointSize(page)
    if points.isEmpty():
        return
    pixels = QSize(
        round(points.width() * dpi / _POINTS_PER_INCH),
        round(points.height() * dpi / _POINTS_PER_INCH),
    )
    image = document.render(page, pixels)
    scale = min(device.width() / points.width(), device.height() / points.height())
    width, height = points.width() * scale, points.height() * scale
    painter.drawImage(QRectF((device.width() - width) / 2, 0, width, height), image)


class PrintJob(QObject):
    """Paints pages of a QPdfDocument on a printer, one page per turn of the event loop.

    Rendering a page at printer resolution takes a noticeable fraction of a second, so a
    long document (a whole chart) painted in one go would freeze the window for seconds.
    Calling `processEvents` between pages is not an option: it starves the database worker's
    deliveries and lets the user re-enter the print. Instead each page is painted by its own
    zero-delay timer: between two pages the event loop runs normally (the window repaints,
    worker results arrive) while the painter stays open on the printer. The preview shows
    a progress dialog that can cancel the job (the printer then discards it).
    """

    #: Sheets painted so far.
    progressed = Signal(int)
    #: The job ended: True when every sheet was painted and the printer finished the job.
    finished = Signal(bool)

    def __init__(
        self,
        document: QPdfDocument,
        printer: QPrinter,
        pages: Sequence[int],
        copies: int,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._printer = printer
        #: Each copy collated (1 2 3, 1 2 3) when the program makes the copies itself.
        self.sheets = [page for _ in range(copies) for page in pages]
        self._dpi = max(1, min(printer.resolution(), PRINT_DPI))
        self._painter = QPainter()
        self._done = 0
        self.running = False

    def start(self) -> bool:
        """Open the printer and paint the first page (False if it cannot be opened)."""
        if not self.sheets or not self._painter.begin(self._printer):
            return False
        self.running = True
        QTimer.singleShot(0, self, self._paint_next)
        return True

    def _paint_next(self) -> None:
        if not self.running:
            return
        if self._done > 0 and not self._printer.newPage():
            self._stop(False)
            return
        paint_page(self._painter, self._document, self.sheets[self._done], self._dpi)
        self._done += 1
        self.progressed.emit(self._done)
        if self._done < len(self.sheets):
            QTimer.singleShot(0, self, self._paint_next)
        else:
            self._stop(True)

    def cancel(self) -> None:
        """Stop painting; what was painted is not printed."""
        if self.running:
            self._stop(False)

    def _stop(self, complete: bool) -> None:
        self.running = False
        if not complete:
            self._printer.abort()
        ended = self._painter.end()
        self.finished.emit(complete and ended)


# ---------------------------------------------------------------------- the preview
class PdfPages(QWidget):
    """A PDF held in memory, shown page under page, with the page number and the zoom."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdf_pages")
        self._buffer: QBuffer | None = None
        self._zoom = 1.0
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setObjectName("pdf_view")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.page_label = QLabel()
        self.page_label.setObjectName("pdf_page")
        self.fit_width_button = QToolButton()
        self.fit_width_button.setObjectName("pdf_fit_width")
        self.fit_page_button = QToolButton()
        self.fit_page_button.setObjectName("pdf_fit_page")
        self.zoom_out_button = QToolButton()
        self.zoom_out_button.setObjectName("pdf_zoom_out")
        self.zoom_out_button.setText("−")
        self.zoom_out_button.setShortcut(QKeySequence.StandardKey.ZoomOut)
        self.zoom_in_button = QToolButton()
        self.zoom_in_button.setObjectName("pdf_zoom_in")
        self.zoom_in_button.setText("+")
        self.zoom_in_button.setShortcut(QKeySequence.StandardKey.ZoomIn)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.page_label)
        bar.addStretch(1)
        for button in (
            self.fit_width_button,
            self.fit_page_button,
            self.zoom_out_button,
            self.zoom_in_button,
        ):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

        self.fit_width_button.clicked.connect(self.fit_width)
        self.fit_page_button.clicked.connect(self.fit_page)
        self.zoom_in_button.clicked.connect(lambda: self.zoom_by(ZOOM_STEP))
        self.zoom_out_button.clicked.connect(lambda: self.zoom_by(1 / ZOOM_STEP))
        self.view.pageNavigator().currentPageChanged.connect(lambda _page: self._show_page())
        self.document.pageCountChanged.connect(lambda _count: self._show_page())
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.fit_width_button.setText(self.tr("Fit &width"))
        self.fit_page_button.setText(self.tr("W&hole page"))
        self.zoom_out_button.setToolTip(self.tr("Zoom out"))
        self.zoom_in_button.setToolTip(self.tr("Zoom in"))
        self._show_page()

    def load_pdf(self, data: bytes) -> bool:
        """Show a PDF held in memory (False if it cannot be read)."""
        self.unload()
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        if not buffer.open(QIODevice.OpenModeFlag.ReadOnly):
            buffer.deleteLater()
            return False
        self._buffer = buffer
        self.document.load(buffer)
        if self.document.status() != QPdfDocument.Status.Ready or self.page_count() == 0:
            self.unload()
            return False
        self._show_page()
        return True

    def unload(self) -> None:
        self.document.close()
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
            self._buffer = None
        self._show_page()

    def is_ready(self) -> bool:
        return self.document.status() == QPdfDocument.Status.Ready and self.page_count() > 0

    def page_count(self) -> int:
        return self.document.pageCount()

    def current_page(self) -> int:
        """The page on screen (0-based)."""
        return self.view.pageNavigator().currentPage()

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    def fit_page(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)

    def zoom_factor(self) -> float:
        """The zoom on screen (1.0: the page at its printed size)."""
        mode = self.view.zoomMode()
        if mode == QPdfView.ZoomMode.Custom or self.page_count() == 0:
            return self._zoom
        points = self.document.pagePointSize(max(self.current_page(), 0))
        scale = self.logicalDpiX() / _POINTS_PER_INCH
        margins = self.view.documentMargins()
        viewport = self.view.viewport().size()
        across = (viewport.width() - margins.left() - margins.right()) / (points.width() * scale)
        if mode == QPdfView.ZoomMode.FitToWidth:
            return across
        down = (viewport.height() - margins.top() - margins.bottom()) / (points.height() * scale)
        return min(across, down)

    def zoom_by(self, factor: float) -> None:
        self._zoom = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom_factor() * factor))
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(self._zoom)

    def _show_page(self) -> None:
        if not isValid(self.document):  # the document goes first when the widget is deleted
            return
        count = self.page_count()
        if count == 0:
            self.page_label.setText("")
            return
        self.page_label.setText(
            self.tr("Page {current}/{total}").format(
                current=min(max(self.current_page(), 0), count - 1) + 1, total=count
            )
        )


class DocumentPreview(QDialog):
    """One document on screen, with Print, Save as PDF (roles with export) and Close.

    A window of its own and not modal: the doctor can look at the chart while it is open.
    It hides while the screen is locked and closes when the user changes.
    """

    #: The document was sent to the printer and the print recorded: pages, copies.
    printed = Signal(int, int)
    #: The document was saved (exported) to this file.
    exported = Signal(object)

    def __init__(
        self, ctx: AppContext, prepared: PreparedDocument, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("document_preview")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._ctx = ctx
        self.prepared = prepared
        session = ctx.session
        role = session.role if session is not None else ""
        self._can_print = bool(role) and allows(role, Permission.PRINT)
        self._can_export = bool(role) and allows(role, Permission.EXPORT)
        self._busy = False
        self.job: PrintJob | None = None
        self._progress: QProgressDialog | None = None

        self.pages = PdfPages(self)
        self.status = QLabel()
        self.status.setObjectName("document_status")
        self.status.setWordWrap(True)
        self.paper = QComboBox()
        self.paper.setObjectName("document_paper")
        for paper in PAPERS:
            self.paper.addItem(paper, paper)
        self.paper.setCurrentIndex(max(0, self.paper.findData(prepared.paper)))
        self._paper_label = QLabel()
        self._paper_label.setBuddy(self.paper)
        self.print_button = QPushButton()
        self.print_button.setObjectName("document_print")
        self.save_button = QPushButton()
        self.save_button.setObjectName("document_save")
        self.close_button = QPushButton()
        self.close_button.setObjectName("document_close")

        buttons = QHBoxLayout()
        buttons.addWidget(self._paper_label)
        buttons.addWidget(self.paper)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        # (Once in the layout: shown before, a widget without a parent is a window.)
        with_paper = prepared.kind == DocumentKind.PRESCRIPTION
        self.paper.setVisible(with_paper)
        self._paper_label.setVisible(with_paper)
        self.save_button.setVisible(self._can_export)

        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.save_as)
        self.close_button.clicked.connect(self.close)
        # Ctrl+P and Ctrl+S besides the buttons' own Alt keys.
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_document)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save_as)
        self.paper.currentIndexChanged.connect(lambda _index: self._paper_chosen())
        ctx.session_changed.connect(self._session_changed)
        ctx.locked_changed.connect(self._locked_changed)
        self.resize(860, 980)
        i18n.watch_language(self, self.retranslate)
        self._show(prepared)

    def retranslate(self) -> None:
        self.setWindowTitle(
            self.tr("{document} · MRN {mrn}").format(
                document=kind_name(self.prepared.kind), mrn=self.prepared.mrn
            )
        )
        self._paper_label.setText(self.tr("Pape&r:"))
        self.print_button.setText(self.tr("&Print…"))
        self.save_button.setText(self.tr("&Save as PDF…"))
        self.close_button.setText(self.tr("&Close"))
        self._enable()

    def page_count(self) -> int:
        return self.pages.page_count()

    def _show(self, prepared: PreparedDocument) -> None:
        self.prepared = prepared
        if not self.pages.load_pdf(prepared.pdf):
            self._set_status(self.tr("The document could not be opened."), error=True)
        else:
            self._set_status("")
        self._enable()

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #b00020; font-weight: bold;" if error else "")

    def _enable(self) -> None:
        ready = self.pages.is_ready() and not self._busy
        self.print_button.setEnabled(ready and self._can_print)
        self.save_button.setEnabled(ready and self._can_export)
        self.paper.setEnabled(not self._busy)

    # ------------------------------------------------------------------ paper
    def _paper_chosen(self) -> None:
        paper = str(self.paper.currentData())
        if paper == self.prepared.paper or self._busy:
            return
        if self.prepared.kind == DocumentKind.PRESCRIPTION:
            self._ctx.settings.setValue(PRESCRIPTION_PAPER_SETTING, paper)
        self._busy = True
        self._enable()
        self._set_status(self.tr("Preparing the document…"))
        self._ctx.call(
            redraw_document,
            self.prepared,
            paper,
            on_done=self._redrawn,
            on_error=self._redraw_failed,
            owner=self,
        )

    def _redrawn(self, prepared: PreparedDocument) -> None:
        self._busy = False
        self._show(prepared)

    def _redraw_failed(self, error: BaseException) -> None:
        self._busy = False
        self.paper.blockSignals(True)
        self.paper.setCurrentIndex(max(0, self.paper.findData(self.prepared.paper)))
        self.paper.blockSignals(False)
        self._failed(error)

    def _failed(self, error: BaseException) -> None:
        """Say why beside the buttons and in the main window's message bar."""
        text = i18n.error_text(error)
        self._set_status(text, error=True)
        self._enable()
        self._ctx.message.emit("error", text)

    # ------------------------------------------------------------------ printing
    def print_document(self) -> None:
        """Ask which printer, pages and copies (the dialog does not block the program), then
        print."""
        if not self.pages.is_ready() or not self._can_print or self._busy:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        # The print queue shows this name: the kind of document, not who it is about.
        printer.setDocName(file_stem(self.prepared.kind))
        prepare_printer(printer, self.pages.document)
        dialog = QPrintDialog(printer, self)
        dialog.setObjectName("document_print_dialog")
        dialog.setOptions(
            QAbstractPrintDialog.PrintDialogOption.PrintPageRange
            | QAbstractPrintDialog.PrintDialogOption.PrintCurrentPage
            | QAbstractPrintDialog.PrintDialogOption.PrintShowPageSize
            | QAbstractPrintDialog.PrintDialogOption.PrintCollateCopies
        )
        dialog.setMinMax(1, self.page_count())
        dialog.accepted.connect(lambda: self.print_to(printer))
        dialog.finished.connect(dialog.deleteLater)
        # Window-modal and not waited for: the event loop (and the worker) keeps running.
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()

    def print_to(self, printer: QPrinter) -> bool:
        """Print the pages chosen in the printer's settings (started; False if it could not
        start). The print is recorded once every page has gone to the printer."""
        if not self.pages.is_ready() or self._busy:
            return False
        pages = chosen_pages(printer, self.page_count(), self.pages.current_page())
        copies = max(1, printer.copyCount())
        if copies > document_services.MAX_COPIES:
            self._set_status(
                self.tr("Print at most {count} copies at a time.").format(
                    count=document_services.MAX_COPIES
                ),
                error=True,
            )
            return False
        # Most drivers make the copies themselves; otherwise the pages are painted again.
        painted = 1 if printer.supportsMultipleCopies() else copies
        job = PrintJob(self.pages.document, printer, pages, painted, self)
        if not job.start():
            job.deleteLater()
            self._set_status(self.tr("The printer could not be opened."), error=True)
            return False
        self.job = job
        self._busy = True
        self._enable()
        self._set_status(self.tr("Printing…"))
        progress = QProgressDialog(self)
        progress.setObjectName("document_print_progress")
        progress.setLabelText(self.tr("Sending the pages to the printer…"))
        progress.setCancelButtonText(self.tr("Cancel"))
        progress.setRange(0, len(job.sheets))
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(job.cancel)
        job.progressed.connect(progress.setValue)
        self._progress = progress
        job.finished.connect(
            lambda complete: self._printed(job, printer, len(pages), copies, complete)
        )
        return True

    def _printed(
        self, job: PrintJob, printer: QPrinter, pages: int, copies: int, complete: bool
    ) -> None:
        del printer  # kept alive until the job ends
        self.job = None
        job.deleteLater()
        if self._progress is not None:
            self._progress.canceled.disconnect()
            self._progress.close()
            self._progress.deleteLater()
            self._progress = None
        self._busy = False
        self._enable()
        if not complete:
            self._set_status(self.tr("The document was not printed."), error=True)
            return
        self._set_status(self.tr("Recording the print…"))
        prepared = self.prepared
        self._ctx.call(
            document_services.record_print,
            prepared.kind,
            prepared.patient_id,
            prepared.target_id,
            pages=pages,
            copies=copies,
            on_done=lambda _none: self._print_recorded(pages, copies),
            on_error=self._failed,
            owner=self,
        )

    def _print_recorded(self, pages: int, copies: int) -> None:
        self._set_status(self.tr("Sent to the printer."))
        self._ctx.inform(
            self.tr("{document} sent to the printer.").format(
                document=kind_name(self.prepared.kind)
            )
        )
        self.printed.emit(pages, copies)

    # ------------------------------------------------------------------ saving
    def save_as(self) -> None:
        """Ask where to save the PDF, then export it there (audited)."""
        if not self.pages.is_ready() or not self._can_export or self._busy:
            return
        prepared = self.prepared
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        proposed = str(Path(folder) / default_file_name(prepared.kind, prepared.mrn))
        # A modal file dialog: the system's own, which only its static function shows
        # everywhere. The preview may be closed meanwhile (the user changed), hence the check.
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Save as PDF"), proposed, self.tr("PDF documents (*.pdf)")
        )
        if not isValid(self) or not path or self.prepared is not prepared:
            return
        destination = Path(path)
        if destination.suffix.lower() != ".pdf":
            destination = destination.with_name(destination.name + ".pdf")
        self._busy = True
        self._enable()
        self._set_status(self.tr("Saving…"))
        self._ctx.call(
            document_services.export_pdf,
            prepared.kind,
            prepared.patient_id,
            prepared.target_id,
            prepared.pdf,
            destination,
            on_done=lambda _size: self._saved(destination),
            on_error=self._save_failed,
            owner=self,
        )

    def _saved(self, destination: Path) -> None:
        self._busy = False
        self._enable()
        text = self.tr("Saved as {file}.").format(file=destination.name)
        self._set_status(text)
        self._ctx.inform(text)
        self.exported.emit(destination)

    def _save_failed(self, error: BaseException) -> None:
        self._busy = False
        self._failed(error)

    # ------------------------------------------------------------------ the session
    def _session_changed(self, _session: object) -> None:
        self.close()

    def _locked_changed(self, locked: bool) -> None:
        # A window of its own would show the record above the lock screen.
        self.setVisible(not locked)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt name
        if self.job is not None:
            self.job.cancel()
        self.pages.unload()
        super().closeEvent(event)


def show_preview(ctx: AppContext, prepared: PreparedDocument, parent: QWidget) -> DocumentPreview:
    preview = DocumentPreview(ctx, prepared, parent)
    preview.show()
    preview.activateWindow()
    return preview


# ---------------------------------------------------------------------- referral details
class ReferralDialog(QDialog):
    """What the referral letter says that the chart does not: asked before drawing it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("referral_dialog")
        self.destination = QLineEdit()
        self.destination.setObjectName("referral_destination")
        self.destination.setMaxLength(200)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("referral_reason")
        self.condition = QPlainTextEdit()
        self.condition.setObjectName("referral_condition")
        for text in (self.reason, self.condition):
            text.setTabChangesFocus(True)
            text.setMaximumHeight(70)
        self.direction = QLineEdit()
        self.direction.setObjectName("referral_direction")
        self.transport = QLineEdit()
        self.transport.setObjectName("referral_transport")
        self.escort = QLineEdit()
        self.escort.setObjectName("referral_escort")
        for line in (self.direction, self.transport, self.escort):
            line.setMaxLength(200)
        self.destination_error = error_label()
        self.destination_error.setObjectName("referral_destination_error")
        self.reason_error = error_label()
        self.reason_error.setObjectName("referral_reason_error")
        self.condition_error = error_label()
        self.condition_error.setObjectName("referral_condition_error")
        self._labels = [QLabel() for _ in range(6)]
        fields: list[QWidget] = [
            self.destination,
            self.reason,
            self.condition,
            self.direction,
            self.transport,
            self.escort,
        ]
        errors = {0: self.destination_error, 1: self.reason_error, 2: self.condition_error}
        form = QFormLayout()
        for row, (label, field) in enumerate(zip(self._labels, fields, strict=True)):
            label.setBuddy(field)
            if row in errors:
                column = QVBoxLayout()
                column.setContentsMargins(0, 0, 0, 0)
                column.addWidget(field)
                column.addWidget(errors[row])
                form.addRow(label, column)
            else:
                form.addRow(label, field)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(560, 0)
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Referral letter"))
        texts = (
            self.tr("Referred &to (facility):"),
            self.tr("&Reason for referral:"),
            self.tr("Patient's &condition at transfer:"),
            self.tr("Treatment &direction:"),
            self.tr("Means of trans&port:"),
            self.tr("&Escort (name, title):"),
        )
        for label, text in zip(self._labels, texts, strict=True):
            label.setText(text)

    def details(self) -> ReferralDetails | None:
        """The details typed, or None with the missing ones marked beside their fields."""
        destination = " ".join(self.destination.text().split())
        reason = self.reason.toPlainText().strip()
        condition = self.condition.toPlainText().strip()
        show_error(
            self.destination_error,
            "" if destination else self.tr("Enter where the patient is referred to."),
        )
        show_error(self.reason_error, "" if reason else self.tr("Enter the reason for referral."))
        show_error(
            self.condition_error,
            "" if condition else self.tr("Describe the patient's condition at transfer."),
        )
        first_missing = next(
            (
                field
                for field, value in (
                    (self.destination, destination),
                    (self.reason, reason),
                    (self.condition, condition),
                )
                if not value
            ),
            None,
        )
        if first_missing is not None:
            first_missing.setFocus()
            return None
        return ReferralDetails(
            destination=destination,
            reason=reason,
            condition=condition,
            direction=" ".join(self.direction.text().split()),
            transport=" ".join(self.transport.text().split()),
            escort=" ".join(self.escort.text().split()),
        )

    def accept(self) -> None:
        if self.details() is not None:
            super().accept()


# ---------------------------------------------------------------------- opening documents
class DocumentOpener(QObject):
    """Prepares documents of one patient on the worker and opens their previews (the
    previews belong to `parent`: they close with the chart)."""

    #: A preview opened.
    opened = Signal(object)
    #: Preparing a document started (True) or ended (False).
    busy_changed = Signal(bool)

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._parent = parent
        self.preview: DocumentPreview | None = None
        self.busy = False

    def open(
        self,
        patient_id: str,
        kind: DocumentKind,
        target_id: str | None,
        referral: ReferralDetails | None = None,
    ) -> None:
        """Draw the document on the worker and show it (errors go to the message bar)."""
        if self.busy:
            return
        if kind == DocumentKind.REFERRAL and referral is None:
            self.ask_referral(patient_id, target_id)
            return
        self._set_busy(True)
        self._ctx.call(
            prepare_document,
            patient_id,
            kind,
            target_id,
            default_paper(self._ctx, kind),
            referral,
            on_done=self._prepared,
            on_error=self._failed,
            owner=self._parent,
        )

    def ask_referral(self, patient_id: str, target_id: str | None) -> ReferralDialog:
        """Ask the referral details (a window-modal dialog), then draw the letter."""
        dialog = ReferralDialog(self._parent)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)

        def chosen() -> None:
            details = dialog.details()
            if details is not None:
                self.open(patient_id, DocumentKind.REFERRAL, target_id, details)

        dialog.accepted.connect(chosen)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_changed.emit(busy)

    def _prepared(self, prepared: PreparedDocument) -> None:
        self._set_busy(False)
        self.preview = show_preview(self._ctx, prepared, self._parent)
        self.opened.emit(self.preview)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self._ctx.report_error(error)


def may_print(ctx: AppContext) -> bool:
    """Whether the user may print a chart's documents (they show its clinical content)."""
    session = ctx.session
    return session is not None and all(
        allows(session.role, p) for p in (Permission.PRINT, Permission.CHART_READ)
    )


class ChartPrintButton(QToolButton):
    """The chart's Print button: a menu of what can be printed from the chart, by kind.

    The list is read on the worker when the menu opens (again after the chart changed);
    the menu shows "Loading…" until it arrives.
    """

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__()
        self.setObjectName("chart_print")
        self._ctx = ctx
        self.patient_id = patient_id
        self.targets: list[DocumentTarget] | None = None
        self._loading = False
        self.opener = DocumentOpener(ctx, self)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.menu_ = QMenu(self)
        self.menu_.setObjectName("chart_print_menu")
        self.setMenu(self.menu_)
        self.menu_.aboutToShow.connect(self.load_targets)
        self.opener.busy_changed.connect(lambda busy: self.setEnabled(not busy))
        if not may_print(ctx):
            # Hidden, never shown here: without a parent yet, a shown button is a window.
            self.hide()
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.setText(self.tr("&Print"))
        self.setToolTip(self.tr("Print a document of this chart"))
        self._build_menu()

    def set_patient(self, patient_id: str) -> None:
        """The chart was (re)loaded: the list is read again when the menu next opens."""
        self.patient_id = patient_id
        self.targets = None

    def load_targets(self) -> None:
        """Read what can be printed (on the worker) unless already known."""
        if self.targets is not None or self._loading or not may_print(self._ctx):
            self._build_menu()
            return
        self._loading = True
        self._build_menu()
        patient_id = self.patient_id
        self._ctx.call(
            document_services.targets,
            patient_id,
            on_done=lambda found: self._targets_loaded(patient_id, found),
            on_error=self._targets_failed,
            owner=self,
        )

    def _targets_loaded(self, patient_id: str, found: list[DocumentTarget]) -> None:
        self._loading = False
        if patient_id == self.patient_id:
            self.targets = list(found)
        self._build_menu()

    def _targets_failed(self, error: BaseException) -> None:
        self._loading = False
        self._build_menu()
        self._ctx.report_error(error)

    def _build_menu(self) -> None:
        menu = self.menu_
        menu.clear()
        if self.targets is None:
            menu.addAction(self.tr("Loading…")).setEnabled(False)
            return
        if not self.targets:
            menu.addAction(self.tr("Nothing to print yet")).setEnabled(False)
            return
        by_kind: dict[DocumentKind, list[DocumentTarget]] = {}
        for target in self.targets:
            by_kind.setdefault(DocumentKind(target.kind), []).append(target)
        for kind in DocumentKind:
            found = by_kind.get(kind)
            if not found:
                continue
            if len(found) == 1 and found[0].target_id is None:
                self._add_target(menu, kind_name(kind), found[0])
                continue
            submenu = menu.addMenu(kind_name(kind))
            submenu.setObjectName(f"chart_print_{kind.value}")
            for target in found[:MAX_MENU_ENTRIES]:
                text = " — ".join(t for t in (local_time(target.when), target.label) if t)
                self._add_target(submenu, text, target)

    def _add_target(self, menu: QMenu, text: str, target: DocumentTarget) -> None:
        action = menu.addAction(text)
        action.setData((str(target.kind), target.target_id))
        kind, target_id = DocumentKind(target.kind), target.target_id
        action.triggered.connect(lambda _checked=False: self.choose(kind, target_id))

    def choose(self, kind: DocumentKind, target_id: str | None) -> None:
        """Print one document of the list (a referral asks its details first)."""
        self.opener.open(self.patient_id, kind, target_id)

    def actions_of(self, kind: DocumentKind) -> list[tuple[str, str | None]]:
        """The menu's entries for one kind: (text, target id)."""
        found: list[tuple[str, str | None]] = []
        for action in self.menu_.actions():
            submenu = action.menu()
            inner = submenu.actions() if isinstance(submenu, QMenu) else [action]
            for entry in inner:
                data = entry.data()
                if isinstance(data, tuple) and data[0] == kind.value:
                    found.append((entry.text(), data[1]))
        return found


class PrintPrescriptionButton(QPushButton):
    """The "Print prescription…" button under a chart's list of prescriptions."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("print_prescription")
        self._ctx = ctx
        self._target: tuple[str, str] | None = None
        self.opener = DocumentOpener(ctx, self)
        self.opener.busy_changed.connect(lambda _busy: self._enable())
        self.clicked.connect(self.print_selected)
        if not may_print(ctx):
            # Hidden, never shown here: without a parent yet, a shown button is a window.
            self.hide()
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.setText(self.tr("Pri&nt prescription…"))

    def set_prescription(self, patient_id: str, event_id: str | None) -> None:
        """The prescription selected (None: none, or one that cannot be printed)."""
        self._target = (patient_id, event_id) if event_id else None
        self._enable()

    def _enable(self) -> None:
        self.setEnabled(self._target is not None and not self.opener.busy)

    def print_selected(self) -> None:
        if self._target is not None:
            patient_id, event_id = self._target
            self.opener.open(patient_id, DocumentKind.PRESCRIPTION, event_id)
