"""Documents kept with the chart: scanned referral letters, consents, ECGs, PDFs.

The bytes live inside the encrypted store. Viewing one reads it into memory only — pictures,
PDFs and plain text are shown right here — so no plaintext copy is left in a temporary
folder. Taking a copy out is an explicit "save a copy" to a file the user picks, which needs
the export permission and is audited as an export.
"""

from __future__ import annotations

import mimetypes
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.core.records import ClinicalEvent
from emr_desktop.services import clinical
from emr_desktop.services.auth import Session
from emr_desktop.services.chart import Chart, ChartEvent, FacilityDirectory, export_attachment
from emr_desktop.store.store import Store
from emr_desktop.ui import context, i18n
from emr_desktop.ui.chart.banner import open_encounter
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.i18n import error_text
from emr_desktop.ui.labels import local_time

# The largest document the store keeps (as `core.records.Attachment` checks).
MAX_BYTES = 50 * 1024 * 1024
# Text files shown in the viewer are cut here: a document, not a data dump.
MAX_TEXT_CHARS = 200_000

_Index = QModelIndex | QPersistentModelIndex

_HEADERS: tuple[object, ...] = (
    QT_TRANSLATE_NOOP("DocumentsModel", "Title"),
    QT_TRANSLATE_NOOP("DocumentsModel", "Type"),
    QT_TRANSLATE_NOOP("DocumentsModel", "Size"),
    QT_TRANSLATE_NOOP("DocumentsModel", "Added"),
    QT_TRANSLATE_NOOP("DocumentsModel", "Added by"),
)
TITLE, TYPE, SIZE, ADDED, ADDED_BY = range(len(_HEADERS))

EMPTY, IMAGE, PDF, TEXT, UNSUPPORTED = range(5)


def size_text(size: int) -> str:
    """A file size as people read it (1,5 MB)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB".replace(".", ",")
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def attach_file(
    store: Store,
    session: Session,
    *,
    patient_id: str,
    path: str,
    title: str,
    encounter_id: str | None,
) -> ClinicalEvent:
    """Read a file and keep it with the chart (runs on the database worker, not the GUI)."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise ValidationError(
                "size",
                "range",
                "Tệp đính kèm phải từ 1 byte đến 50 MB",
                "An attachment must be 1 byte to 50 MB",
            )
        data = file.read_bytes()
    except FileNotFoundError:
        raise ValidationError(
            "file", "exists", "Không tìm thấy tệp này", "The file does not exist"
        ) from None
    except PermissionError:
        raise ValidationError(
            "file",
            "readable",
            "Không có quyền đọc tệp này",
            "You are not allowed to read this file",
        ) from None
    except OSError:
        raise ValidationError(
            "file", "readable", "Không đọc được tệp này", "Cannot read this file"
        ) from None
    media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return clinical.attach_document(
        store,
        session,
        patient_id=patient_id,
        title=title.strip() or file.stem or file.name,
        media_type=media_type,
        data=data,
        encounter_id=encounter_id,
    )


class DocumentsModel(QAbstractTableModel):
    """The chart's documents, newest first."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[tuple[ChartEvent, dict[str, Any]]] = []
        self._directory: FacilityDirectory | None = None

    def set_events(self, events: list[ChartEvent]) -> None:
        self.beginResetModel()
        self._rows = [(e, e.body) for e in reversed(events) if e.kind == "attachment"]
        self.endResetModel()

    def set_directory(self, directory: FacilityDirectory) -> None:
        self._directory = directory
        self.retranslate()

    def retranslate(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, ADDED_BY))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(_HEADERS) - 1)

    def document_at(self, row: int) -> tuple[ChartEvent, dict[str, Any]]:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(  # noqa: N802 - Qt name
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(_HEADERS)
        ):
            return QCoreApplication.translate("DocumentsModel", str(_HEADERS[section]))
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        event, body = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == TITLE:
                return body.get("title", "")
            if column == TYPE:
                return body.get("media_type", "")
            if column == SIZE:
                return size_text(int(body.get("size", 0)))
            if column == ADDED:
                return local_time(event.effective_time)
            if column == ADDED_BY:
                directory = self._directory
                return directory.staff_name(event.created_by) if directory is not None else ""
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class DocumentsTab(QWidget):
    """List of documents, attach a file, view one in place, save a copy."""

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__()
        self.setObjectName("documents_tab")
        self._ctx = ctx
        self.patient_id = patient_id
        self._chart: Chart | None = None
        # The document in the viewer: its id and bytes (memory only).
        self.shown_id: str | None = None
        self._shown_data = b""
        self._pdf_buffer: QBuffer | None = None

        self.model = DocumentsModel()
        self.table = QTableView()
        self.table.setObjectName("documents_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        for column, width in ((TYPE, 120), (SIZE, 80), (ADDED, 130), (ADDED_BY, 150)):
            header.resizeSection(column, width)
        self.table.setWordWrap(False)

        self.title = QLineEdit()
        self.title.setObjectName("document_title")
        self.title.setMaxLength(255)
        self.attach_button = QPushButton()
        self.attach_button.setObjectName("attach_document")
        self.view_button = QPushButton()
        self.view_button.setObjectName("view_document")
        self.save_button = QPushButton()
        self.save_button.setObjectName("save_document_copy")
        self.error = QLabel()
        self.error.setObjectName("documents_error")
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error.setWordWrap(True)

        self.viewer = QStackedWidget()
        self.viewer.setObjectName("document_viewer")
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.image = QLabel()
        self.image.setObjectName("document_image")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        image_scroll = QScrollArea()
        image_scroll.setWidget(self.image)
        image_scroll.setWidgetResizable(True)
        self.pdf = QPdfDocument(self)
        self.pdf_view = QPdfView()
        self.pdf_view.setObjectName("document_pdf")
        self.pdf_view.setDocument(self.pdf)
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.text = QPlainTextEdit()
        self.text.setObjectName("document_text")
        self.text.setReadOnly(True)
        self.unsupported = QLabel()
        self.unsupported.setObjectName("document_unsupported")
        self.unsupported.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.unsupported.setWordWrap(True)
        for page in (self.empty, image_scroll, self.pdf_view, self.text, self.unsupported):
            self.viewer.addWidget(page)

        attach_row = QHBoxLayout()
        attach_row.addWidget(self.title, 1)
        attach_row.addWidget(self.attach_button)
        actions = QHBoxLayout()
        actions.addWidget(self.view_button)
        actions.addWidget(self.save_button)
        actions.addStretch(1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(attach_row)
        left_layout.addWidget(self.table, 1)
        left_layout.addLayout(actions)
        left_layout.addWidget(self.error)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.viewer)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([560, 640])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.attach_button.clicked.connect(self.choose_file)
        self.title.returnPressed.connect(self.choose_file)
        self.view_button.clicked.connect(self.view_selected)
        self.save_button.clicked.connect(self.choose_copy_path)
        self.table.doubleClicked.connect(self.view_selected)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        i18n.watch_language(self, self.retranslate)
        self._update_buttons()

    def retranslate(self) -> None:
        self.title.setPlaceholderText(self.tr("Title, e.g. referral letter from the commune"))
        self.attach_button.setText(self.tr("&Attach a file…"))
        self.view_button.setText(self.tr("&View"))
        self.save_button.setText(self.tr("Save a &copy…"))
        self.empty.setText(self.tr("Select a document and press View."))
        self.unsupported.setText(
            self.tr(
                "This kind of file cannot be shown here. Save a copy to open it with "
                "another program."
            )
        )
        self.model.retranslate()

    # ------------------------------------------------------------------ data
    def set_chart(self, chart: Chart) -> None:
        self.patient_id = chart.patient.id
        self._chart = chart
        self.model.set_events(chart.current_events())
        self._update_buttons()

    def set_directory(self, directory: FacilityDirectory) -> None:
        self.model.set_directory(directory)

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.document_at(rows[0].row())[0].id if rows else None

    def _role_allows(self, permission: Permission) -> bool:
        session = self._ctx.session
        return session is not None and allows(session.role, permission)

    def _update_buttons(self) -> None:
        can_attach = self._role_allows(Permission.NOTE_WRITE)
        self.title.setVisible(can_attach)
        self.attach_button.setVisible(can_attach)
        self.attach_button.setEnabled(self._chart is not None)
        self.save_button.setVisible(self._role_allows(Permission.EXPORT))
        chosen = self.selected_id() is not None
        self.view_button.setEnabled(chosen)
        self.save_button.setEnabled(chosen)

    # ------------------------------------------------------------------ attach
    def choose_file(self) -> None:
        """Ask for the file to attach (a dialog that does not block the window)."""
        dialog = QFileDialog(self, self.tr("Attach a document"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters(
            [
                self.tr("Documents (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.txt)"),
                self.tr("All files (*)"),
            ]
        )
        dialog.fileSelected.connect(self.attach_file)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def attach_file(self, path: str) -> None:
        """Keep the file at `path` with the chart, under the title typed (or its name)."""
        if not path or self._chart is None:
            return
        self.error.clear()
        current = open_encounter(self._chart)
        self.attach_button.setEnabled(False)
        self._ctx.call(
            attach_file,
            patient_id=self.patient_id,
            path=path,
            title=self.title.text(),
            encounter_id=current.id if current is not None else None,
            on_done=self._on_attached,
            on_error=self._on_failed,
        )

    def _on_attached(self, event: ClinicalEvent) -> None:
        if not isValid(self):
            return
        self.title.clear()
        self.attach_button.setEnabled(True)
        self._ctx.inform(self.tr("Document attached to the chart."))
        self._ctx.data_changed.emit(context.CHART, self.patient_id)

    def _on_failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self.attach_button.setEnabled(self._chart is not None)
        self.error.setText(error_text(error, with_field=False))

    # ------------------------------------------------------------------ view
    def view_selected(self) -> None:
        """Read the selected document from the store and show it here."""
        event_id = self.selected_id()
        if event_id is None:
            return
        self.error.clear()
        self._ctx.call(
            clinical.read_attachment,
            event_id,
            on_done=partial(self._show, event_id),
            on_error=self._on_failed,
            key=f"attachment:{self.patient_id}",
        )

    def _show(self, event_id: str, data: bytes) -> None:
        if not isValid(self):
            return
        row = next(
            (
                r
                for r in range(self.model.rowCount())
                if self.model.document_at(r)[0].id == event_id
            ),
            -1,
        )
        media_type = self.model.document_at(row)[1].get("media_type", "") if row >= 0 else ""
        self.close_viewer()
        self.shown_id = event_id
        self._shown_data = data
        if media_type.startswith("image/"):
            image = QImage.fromData(data)
            if not image.isNull():
                self.image.setPixmap(QPixmap.fromImage(image))
                self.viewer.setCurrentIndex(IMAGE)
                return
        elif media_type == "application/pdf":
            self._pdf_buffer = QBuffer(self)
            self._pdf_buffer.setData(QByteArray(data))
            self._pdf_buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            self.pdf.load(self._pdf_buffer)
            if self.pdf.status() != QPdfDocument.Status.Error:
                self.viewer.setCurrentIndex(PDF)
                return
        elif media_type.startswith("text/"):
            self.text.setPlainText(data[: MAX_TEXT_CHARS * 4].decode("utf-8", errors="replace"))
            self.viewer.setCurrentIndex(TEXT)
            return
        self.viewer.setCurrentIndex(UNSUPPORTED)

    def close_viewer(self) -> None:
        """Forget the document shown (its bytes were only ever in memory)."""
        self.shown_id = None
        self._shown_data = b""
        self.image.clear()
        self.text.clear()
        self.pdf.close()
        if self._pdf_buffer is not None:
            self._pdf_buffer.close()
            self._pdf_buffer.deleteLater()
            self._pdf_buffer = None
        self.viewer.setCurrentIndex(EMPTY)

    # ------------------------------------------------------------------ save a copy
    def choose_copy_path(self) -> None:
        """Ask where to save a copy of the selected document (non-blocking dialog)."""
        event_id = self.selected_id()
        if event_id is None:
            return
        row = self.table.selectionModel().selectedRows()[0].row()
        body = self.model.document_at(row)[1]
        suffix = mimetypes.guess_extension(body.get("media_type", "")) or ""
        dialog = QFileDialog(self, self.tr("Save a copy of the document"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile(f"{body.get('title', 'document')}{suffix}")
        dialog.fileSelected.connect(partial(self.save_copy, event_id))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def save_copy(self, event_id: str, path: str) -> None:
        """Write a copy of a document to `path` (audited as an export by the service)."""
        if not path:
            return
        self.error.clear()
        self._ctx.call(
            export_attachment,
            event_id,
            Path(path),
            on_done=self._on_copied,
            on_error=self._on_failed,
        )

    def _on_copied(self, _size: int) -> None:
        if isValid(self):
            self._ctx.inform(self.tr("A copy of the document was saved."))
