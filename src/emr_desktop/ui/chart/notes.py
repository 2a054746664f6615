"""The chart's clinical notes: write a draft, edit it, sign it with the password, amend a
signed note (a new version; the original is kept), or mark one entered in error.

Also the pieces every clinical tab of the chart shares (diagnoses, orders, prescriptions):
the encounter new records attach to, the inline signature panel (never a modal dialog: a
busy ward must not be stopped by a box waiting for a click) and the table model of events.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.core.errors import AuthenticationError, ValidationError
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.core.records import ClinicalNote, NoteType, Role
from emr_desktop.services import chart as chart_service
from emr_desktop.services import clinical
from emr_desktop.services.auth import Session
from emr_desktop.services.chart import Chart, ChartEvent, FacilityDirectory
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import CHART, AppContext
from emr_desktop.ui.labels import codes, label, local_time

ERROR_STYLE = "color: #b00020; font-weight: bold;"
DRAFT_COLOUR = "#a35200"


def current_encounter_id(chart: Chart) -> str | None:
    """The encounter new records attach to: the patient's open visit or stay (the latest
    started, if somehow several are open), or None."""
    open_ones = [e for e in chart.encounters if e.status == "in_progress"]
    return max(open_ones, key=lambda e: e.started_at).id if open_ones else None


def error_label() -> QLabel:
    """A label for an inline error, empty and out of the way until there is one."""
    widget = QLabel()
    widget.setWordWrap(True)
    widget.setStyleSheet(ERROR_STYLE)
    widget.hide()
    return widget


def show_error(widget: QLabel, text: str) -> None:
    widget.setText(text)
    widget.setVisible(bool(text))


def signer_text(event: ChartEvent, directory: FacilityDirectory | None) -> str:
    """Who answers for the record, for its detail: "Signed by X", or "Draft by X"."""
    author = directory.staff_name(event.created_by) if directory is not None else ""
    if event.status != "signed":
        return QCoreApplication.translate("ClinicalRecords", "Draft by {author}").format(
            author=author
        )
    signer = directory.staff_name(event.signed_by) if directory is not None else ""
    return QCoreApplication.translate("ClinicalRecords", "Signed by {signer}").format(
        signer=signer or author
    )


class SignaturePanel(QFrame):
    """Inline confirmation of a signature or a correction with the user's password.

    `ask` shows it with a prompt (and a reason field for corrections); `confirmed` is emitted
    with the password and the reason. A wrong password comes back through `fail`: the panel
    stays open, says why, and nothing has been signed.
    """

    confirmed = Signal(str, str)
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("signature_panel")
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        font = QFont(self.prompt.font())
        font.setBold(True)
        self.prompt.setFont(font)
        self.reason = QLineEdit()
        self.reason.setObjectName("correction_reason")
        self.reason.setMaxLength(1000)
        self.password = QLineEdit()
        self.password.setObjectName("sign_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QPushButton()
        self.confirm.setObjectName("sign_confirm")
        self.confirm.setDefault(True)
        self.cancel = QPushButton()
        self.cancel.setObjectName("sign_cancel")
        self.error = error_label()
        self.error.setObjectName("sign_error")
        self._reason_label = QLabel()
        self._reason_label.setBuddy(self.reason)
        self._password_label = QLabel()
        self._password_label.setBuddy(self.password)
        form = QFormLayout()
        form.addRow(self._reason_label, self.reason)
        form.addRow(self._password_label, self.password)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.confirm)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.confirm.clicked.connect(self._on_confirm)
        self.password.returnPressed.connect(self._on_confirm)
        self.reason.returnPressed.connect(self.password.setFocus)
        self.cancel.clicked.connect(self.close_panel)
        self.hide()
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self._reason_label.setText(self.tr("&Reason:"))
        self._password_label.setText(self.tr("Your &password:"))
        self.cancel.setText(self.tr("Cancel"))

    def ask(self, prompt: str, action: str, *, with_reason: bool = False) -> None:
        """Open the panel: `prompt` says what is signed, `action` is the confirm button's text."""
        self.prompt.setText(prompt)
        self.confirm.setText(action)
        self.reason.clear()
        self.reason.setVisible(with_reason)
        self._reason_label.setVisible(with_reason)
        self.password.clear()
        show_error(self.error, "")
        self.set_busy(False)
        self.show()
        (self.reason if with_reason else self.password).setFocus()

    def fail(self, text: str) -> None:
        """The signature was refused (wrong password, missing reason): say so, try again."""
        self.set_busy(False)
        self.password.clear()
        show_error(self.error, text)
        self.password.setFocus()

    def set_busy(self, busy: bool) -> None:
        self.confirm.setEnabled(not busy)
        self.password.setEnabled(not busy)
        self.reason.setEnabled(not busy)

    def close_panel(self) -> None:
        self.password.clear()
        self.reason.clear()
        show_error(self.error, "")
        if self.is_open():
            self.hide()
            self.cancelled.emit()

    def is_open(self) -> bool:
        """Shown (or would be, were its tab on screen)."""
        return not self.isHidden()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt name
        if event.key() == Qt.Key.Key_Escape:
            self.close_panel()
            return
        super().keyPressEvent(event)

    def _on_confirm(self) -> None:
        if not self.password.text():
            show_error(self.error, self.tr("Enter your password to sign."))
            self.password.setFocus()
            return
        if self.reason.isVisible() and not self.reason.text().strip():
            show_error(self.error, self.tr("Give the reason for the correction."))
            self.reason.setFocus()
            return
        self.set_busy(True)
        show_error(self.error, "")
        self.confirmed.emit(self.password.text(), self.reason.text().strip())


_ROOT = QModelIndex()

#: The event's id, for the screens that act on the selected row.
EVENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class EventTableModel(QAbstractTableModel):
    """Clinical records of a chart as rows of a table, newest first.

    Subclasses name their columns (`HEADERS`, translated in `CONTEXT`) and say what a cell
    shows (`cell`) and in which colour (`colour`). Bodies are parsed once per row, when the
    chart is set, since every column of these short lists is shown.
    """

    CONTEXT = "ClinicalRecords"
    #: Column titles, marked with `QT_TRANSLATE_NOOP(CONTEXT, ...)`.
    HEADERS: tuple[object, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[tuple[ChartEvent, dict[str, Any]]] = []
        self.directory: FacilityDirectory | None = None

    def set_events(self, events: Iterable[ChartEvent]) -> None:
        self.beginResetModel()
        self._rows = [(e, e.body) for e in sorted(events, key=lambda e: e.effective_at)][::-1]
        self.endResetModel()

    def set_directory(self, directory: FacilityDirectory) -> None:
        self.directory = directory
        self._refresh()

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.HEADERS) - 1)
        self._refresh()

    def _refresh(self) -> None:
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(self.HEADERS) - 1)
            )

    def event_at(self, row: int) -> ChartEvent:
        return self._rows[row][0]

    def body_at(self, row: int) -> dict[str, Any]:
        return self._rows[row][1]

    def row_of(self, event_id: str) -> int:
        """The row of an event, or -1."""
        return next((i for i, (e, _) in enumerate(self._rows) if e.id == event_id), -1)

    def author(self, event: ChartEvent) -> str:
        return self.directory.staff_name(event.created_by) if self.directory is not None else ""

    def status(self, event: ChartEvent) -> str:
        status = label("event_status", event.status)
        if event.correction == "amends":
            return QCoreApplication.translate("ClinicalRecords", "{status}, amended").format(
                status=status
            )
        return status

    def cell(self, event: ChartEvent, body: dict[str, Any], column: int) -> str:
        raise NotImplementedError

    def colour(self, event: ChartEvent, body: dict[str, Any], column: int) -> str | None:
        return None

    def tr_header(self, text: object) -> str:
        return QCoreApplication.translate(self.CONTEXT, str(text))

    # ------------------------------------------------------------------ Qt model
    def rowCount(  # noqa: N802 - Qt name
        self, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(  # noqa: N802 - Qt name
        self, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(  # noqa: N802 - Qt name
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return self.tr_header(self.HEADERS[section])
        return None

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        event, body = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.cell(event, body, index.column())
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = self.colour(event, body, index.column())
            if colour is None and event.status == "draft":
                colour = DRAFT_COLOUR
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.FontRole and event.status == "draft":
            font = QFont()
            font.setItalic(True)
            return font
        if role == EVENT_ID_ROLE:
            return event.id
        return None


class _ArrowsToTable(QObject):
    def __init__(self, field: QLineEdit, table: QTableView) -> None:
        super().__init__(field)
        self._table = table

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt name
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(Qt.Key(event.key()))
        rows = self._table.model().rowCount()
        if step is None or rows == 0:
            return False
        row = max(0, min(rows - 1, selected_row(self._table) + step))
        self._table.selectRow(row)
        return True


def search_with_results(field: QLineEdit, table: QTableView) -> None:
    """Up and Down in a search field move through its results, so the hands stay on the
    keyboard: type, arrow to the one wanted, Enter."""
    field.installEventFilter(_ArrowsToTable(field, table))


def records_table(
    model: QAbstractTableModel, name: str, *, stretch: int | None = None
) -> QTableView:
    """A read-only table of records, one row selected at a time; column `stretch` (else
    the last) takes the width left over."""
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    if stretch is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def selected_row(table: QTableView) -> int:
    """The selected row of a single-selection table, or -1."""
    rows = table.selectionModel().selectedRows()
    return rows[0].row() if rows else -1


def select_event(table: QTableView, model: EventTableModel, event_id: str | None) -> None:
    """Select the row of `event_id` again after the model was refilled (if still there)."""
    row = model.row_of(event_id) if event_id else -1
    if row >= 0:
        table.selectRow(row)
    else:
        table.clearSelection()


class ClinicalTab(QWidget):
    """What the clinical tabs share: the context, the patient, the loaded chart, the staff
    directory and the signature panel, and how a write is sent and answered."""

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__()
        self._ctx = ctx
        #: The id the chart was opened with: announced with every change, as the chart
        #: view knows it.
        self._opened_id = patient_id
        #: The surviving chart's id (after merges): new records go there.
        self.patient_id = patient_id
        self.chart: Chart | None = None
        self.directory: FacilityDirectory | None = None
        self._directory_requested = False
        self.signature = SignaturePanel()
        self.signature.confirmed.connect(self._on_signature_confirmed)

    def may(self, permission: Permission) -> bool:
        session = self._ctx.session
        return session is not None and allows(session.role, permission)

    def encounter_id(self) -> str | None:
        return current_encounter_id(self.chart) if self.chart is not None else None

    def set_chart(self, chart: Chart) -> None:
        """Show the loaded chart (called again after every change)."""
        raise NotImplementedError

    def take_chart(self, chart: Chart) -> None:
        """Keep the loaded chart; the first time, fetch the staff names shown as authors
        unless the chart view already handed them over."""
        self.chart = chart
        self.patient_id = chart.patient.id
        if self.directory is None and not self._directory_requested:
            self._directory_requested = True
            self._ctx.call(
                chart_service.facility_directory,
                on_done=self.set_directory,
                on_error=self._directory_failed,
            )

    def _directory_failed(self, _error: BaseException) -> None:
        # Without it the lists only lack the authors' names; try again with the next chart.
        self._directory_requested = False

    def set_directory(self, directory: FacilityDirectory) -> None:
        self.directory = directory

    def changed(self) -> None:
        """A write succeeded: the chart view reloads the chart, and every tab with it."""
        self._ctx.data_changed.emit(CHART, self._opened_id)

    def _on_signature_confirmed(self, password: str, reason: str) -> None:
        raise NotImplementedError

    def signature_failed(self, error: BaseException) -> None:
        """A signature or correction was refused: the panel says why and stays open."""
        if isinstance(error, ValidationError) and error.field == "correction_reason":
            self.signature.fail(i18n.error_text(error, with_field=False))
        else:
            self.signature.fail(i18n.error_text(error))


_NOTE_HEADERS = (
    QT_TRANSLATE_NOOP("NotesModel", "Time"),
    QT_TRANSLATE_NOOP("NotesModel", "Note"),
    QT_TRANSLATE_NOOP("NotesModel", "Author"),
    QT_TRANSLATE_NOOP("NotesModel", "Status"),
)
NOTE_TIME, NOTE_TYPE, NOTE_AUTHOR, NOTE_STATUS = range(len(_NOTE_HEADERS))


class NotesModel(EventTableModel):
    CONTEXT = "NotesModel"
    HEADERS = _NOTE_HEADERS

    def cell(self, event: ChartEvent, body: dict[str, Any], column: int) -> str:
        if column == NOTE_TIME:
            return local_time(event.effective_time)
        if column == NOTE_TYPE:
            return label("note_type", body.get("note_type"))
        if column == NOTE_AUTHOR:
            return self.author(event)
        return self.status(event)


class NotesTab(ClinicalTab):
    """The list of notes beside the selected note or the note being written."""

    #: What the editor is doing: writing a new note, editing a draft, amending a signed one.
    NEW, EDIT, AMEND = "new", "edit", "amend"

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__(ctx, patient_id)
        self.setObjectName("notes_tab")
        self._editing: str | None = None
        self._editing_id: str | None = None
        #: What the signature panel confirms: ("sign", id), ("error", id) or ("save", "").
        self._pending: tuple[str, str] | None = None

        self.model = NotesModel()
        self.table = records_table(self.model, "notes_table", stretch=NOTE_TYPE)
        self.table.horizontalHeader().resizeSection(NOTE_TIME, 130)
        self.new_note = QPushButton()
        self.new_note.setObjectName("new_note")
        self.count = QLabel()

        # The selected note.
        self.heading = QLabel()
        self.heading.setObjectName("note_heading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.viewer = QPlainTextEdit()
        self.viewer.setObjectName("note_viewer")
        self.viewer.setReadOnly(True)
        self.edit_button = QPushButton()
        self.edit_button.setObjectName("edit_note")
        self.sign_button = QPushButton()
        self.sign_button.setObjectName("sign_note")
        self.amend_button = QPushButton()
        self.amend_button.setObjectName("amend_note")
        self.error_button = QPushButton()
        self.error_button.setObjectName("note_in_error")
        actions = QHBoxLayout()
        for button in (self.edit_button, self.sign_button, self.amend_button, self.error_button):
            actions.addWidget(button)
        actions.addStretch(1)
        view_page = QWidget()
        view_layout = QVBoxLayout(view_page)
        view_layout.setContentsMargins(0, 0, 0, 0)
        view_layout.addWidget(self.heading)
        view_layout.addWidget(self.viewer, 1)
        view_layout.addLayout(actions)

        # The editor.
        self.editor_title = QLabel()
        self.editor_title.setObjectName("editor_title")
        title_font = QFont(self.editor_title.font())
        title_font.setBold(True)
        self.editor_title.setFont(title_font)
        self.note_type = QComboBox()
        self.note_type.setObjectName("note_type")
        self.text = QPlainTextEdit()
        self.text.setObjectName("note_text")
        self.orders = QPlainTextEdit()
        self.orders.setObjectName("note_orders")
        self.orders.setMaximumHeight(140)
        self.reason = QLineEdit()
        self.reason.setObjectName("amend_reason")
        self.reason.setMaxLength(1000)
        self.editor_error = error_label()
        self.editor_error.setObjectName("note_error")
        self.save_draft = QPushButton()
        self.save_draft.setObjectName("save_draft")
        self.save_and_sign = QPushButton()
        self.save_and_sign.setObjectName("save_and_sign")
        self.cancel_edit = QPushButton()
        self.cancel_edit.setObjectName("cancel_edit")
        self._type_label = QLabel()
        self._type_label.setBuddy(self.note_type)
        self._text_label = QLabel()
        self._text_label.setBuddy(self.text)
        self._orders_label = QLabel()
        self._orders_label.setBuddy(self.orders)
        self._reason_label = QLabel()
        self._reason_label.setBuddy(self.reason)
        type_row = QHBoxLayout()
        type_row.addWidget(self._type_label)
        type_row.addWidget(self.note_type, 1)
        reason_row = QHBoxLayout()
        reason_row.addWidget(self._reason_label)
        reason_row.addWidget(self.reason, 1)
        editor_buttons = QHBoxLayout()
        editor_buttons.addStretch(1)
        editor_buttons.addWidget(self.cancel_edit)
        editor_buttons.addWidget(self.save_draft)
        editor_buttons.addWidget(self.save_and_sign)
        edit_page = QWidget()
        edit_layout = QVBoxLayout(edit_page)
        edit_layout.setContentsMargins(0, 0, 0, 0)
        edit_layout.addWidget(self.editor_title)
        edit_layout.addLayout(type_row)
        edit_layout.addLayout(reason_row)
        edit_layout.addWidget(self._text_label)
        edit_layout.addWidget(self.text, 1)
        edit_layout.addWidget(self._orders_label)
        edit_layout.addWidget(self.orders)
        edit_layout.addWidget(self.editor_error)
        edit_layout.addLayout(editor_buttons)

        self.pages = QStackedWidget()
        self.pages.addWidget(view_page)
        self.pages.addWidget(edit_page)
        self.notice = QLabel()
        self.notice.setObjectName("notes_notice")
        self.notice.setWordWrap(True)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.new_note)
        top.addStretch(1)
        top.addWidget(self.count)
        left_layout.addLayout(top)
        left_layout.addWidget(self.table, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.pages, 1)
        right_layout.addWidget(self.signature)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(splitter, 1)

        self.new_note.clicked.connect(self.start_new_note)
        self.edit_button.clicked.connect(self.edit_selected)
        self.sign_button.clicked.connect(self.sign_selected)
        self.amend_button.clicked.connect(self.amend_selected)
        self.error_button.clicked.connect(self.mark_selected_in_error)
        self.save_draft.clicked.connect(lambda: self.save(sign=False))
        self.save_and_sign.clicked.connect(lambda: self.save(sign=True))
        self.cancel_edit.clicked.connect(self.close_editor)
        self.note_type.currentIndexChanged.connect(self._show_orders_field)
        self.signature.cancelled.connect(self._on_signature_cancelled)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        i18n.watch_language(self, self.retranslate)

    # ------------------------------------------------------------------ language
    def retranslate(self) -> None:
        self.new_note.setText(self.tr("&New note"))
        self.edit_button.setText(self.tr("&Edit draft"))
        self.sign_button.setText(self.tr("&Sign…"))
        self.amend_button.setText(self.tr("&Amend…"))
        self.error_button.setText(self.tr("Entered in &error…"))
        self.save_draft.setText(self.tr("Save &draft"))
        self.save_and_sign.setText(self.tr("Save and si&gn…"))
        self.cancel_edit.setText(self.tr("Cancel"))
        self._type_label.setText(self.tr("&Type:"))
        self._text_label.setText(self.tr("&Progress, examination, assessment:"))
        self._orders_label.setText(self.tr("&Orders of the day:"))
        self._reason_label.setText(self.tr("&Reason for the amendment:"))
        self.text.setPlaceholderText(self.tr("What you found and what you think…"))
        self._fill_note_types()
        self._show_editor_title()
        self._show_notice()
        self.model.retranslate()
        self._show_count()
        self._show_selected()

    def _fill_note_types(self) -> None:
        wanted = self.note_type.currentData()
        self.note_type.blockSignals(True)
        self.note_type.clear()
        for code in self._note_types():
            self.note_type.addItem(label("note_type", code), code)
        index = self.note_type.findData(wanted)
        self.note_type.setCurrentIndex(max(index, 0))
        self.note_type.blockSignals(False)
        self._show_orders_field()

    def _note_types(self) -> list[str]:
        session = self._ctx.session
        if session is not None and session.role == Role.NURSE:
            return [NoteType.NURSING.value]
        return codes("note_type")

    def _show_notice(self) -> None:
        if not self.may(Permission.NOTE_WRITE):
            self.notice.setText(self.tr("Your role may read notes but not write them."))
        else:
            self.notice.setText("")
        self.notice.setVisible(bool(self.notice.text()))

    def _show_count(self) -> None:
        self.count.setText(self.tr("%n note(s)", "", self.model.rowCount()))

    # ------------------------------------------------------------------ chart
    def set_chart(self, chart: Chart) -> None:
        """Fill the list from the loaded chart; a note being written is left alone."""
        selected = self._selected_id()
        self.take_chart(chart)
        self.model.set_events([e for e in chart.current_events() if e.kind == "clinical_note"])
        select_event(self.table, self.model, selected)
        self._show_count()
        self._show_selected()

    def set_directory(self, directory: FacilityDirectory) -> None:
        super().set_directory(directory)
        self.model.set_directory(directory)
        self._show_selected()

    def _selected_id(self) -> str | None:
        row = selected_row(self.table)
        return self.model.event_at(row).id if row >= 0 else None

    def _selected(self) -> tuple[ChartEvent, dict[str, Any]] | None:
        row = selected_row(self.table)
        return (self.model.event_at(row), self.model.body_at(row)) if row >= 0 else None

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._pending is not None and self._pending[0] != "save":
            self.signature.close_panel()
        self._show_selected()

    def _show_selected(self) -> None:
        chosen = self._selected()
        writer = self.may(Permission.NOTE_WRITE)
        if chosen is None:
            self.heading.setText(
                self.tr("Select a note to read it, or write a new one.")
                if writer
                else self.tr("Select a note to read it.")
            )
            self.viewer.clear()
            for button in (self.edit_button, self.sign_button, self.amend_button):
                button.setEnabled(False)
            self.error_button.setEnabled(False)
        else:
            event, body = chosen
            self.heading.setText(self._heading_html(event, body))
            self.viewer.setPlainText(self._note_text(body))
            own_kind = self._may_write_type(body.get("note_type", ""))
            draft = event.status == "draft"
            session = self._ctx.session
            mine = session is not None and event.created_by == session.user_id
            self.edit_button.setEnabled(draft and mine and own_kind)
            self.sign_button.setEnabled(draft and self.may(Permission.NOTE_SIGN))
            self.amend_button.setEnabled(not draft and own_kind)
            self.error_button.setEnabled(own_kind)
        # Records attach to the visit in progress: known once the chart is loaded.
        self.new_note.setEnabled(writer and self.chart is not None)

    def _may_write_type(self, note_type: str) -> bool:
        return note_type in self._note_types() and self.may(Permission.NOTE_WRITE)

    def _heading_html(self, event: ChartEvent, body: dict[str, Any]) -> str:
        lines = [
            f"<b>{html.escape(label('note_type', body.get('note_type')).capitalize())}</b>"
            f" — {html.escape(local_time(event.effective_time))}",
            html.escape(signer_text(event, self.directory)),
        ]
        if event.correction == "amends":
            lines.append(html.escape(self.tr("Amended version of an earlier note.")))
        return "<br>".join(lines)

    def _note_text(self, body: dict[str, Any]) -> str:
        text = str(body.get("text", ""))
        orders = body.get("orders_text")
        if orders:
            heading = self.tr("Orders of the day:")
            text = f"{text}\n\n{heading}\n{orders}"
        return text

    # ------------------------------------------------------------------ editor
    def _show_editor_title(self) -> None:
        titles = {
            self.NEW: self.tr("New note"),
            self.EDIT: self.tr("Edit draft note"),
            self.AMEND: self.tr("Amend a signed note (the original is kept)"),
        }
        self.editor_title.setText(titles.get(self._editing or "", ""))

    def _show_orders_field(self) -> None:
        daily = self.note_type.currentData() == NoteType.DAILY_TREATMENT
        self.orders.setVisible(daily)
        self._orders_label.setVisible(daily)

    def _open_editor(self, mode: str, event_id: str | None, body: dict[str, Any]) -> None:
        self.signature.close_panel()
        self._editing = mode
        self._editing_id = event_id
        self._fill_note_types()
        index = self.note_type.findData(body.get("note_type", NoteType.PROGRESS))
        self.note_type.setCurrentIndex(max(index, 0))
        # An amendment keeps the kind of note; a draft too (the services refuse a change).
        self.note_type.setEnabled(mode == self.NEW)
        self.text.setPlainText(str(body.get("text", "")))
        self.orders.setPlainText(str(body.get("orders_text") or ""))
        self.reason.clear()
        self.reason.setVisible(mode == self.AMEND)
        self._reason_label.setVisible(mode == self.AMEND)
        show_error(self.editor_error, "")
        self._set_editor_busy(False)
        self._show_editor_title()
        self.pages.setCurrentIndex(1)
        (self.reason if mode == self.AMEND else self.text).setFocus()

    def start_new_note(self) -> None:
        """Open the editor on an empty note (a nurse's is a nursing note)."""
        self._open_editor(self.NEW, None, {"note_type": self._note_types()[0]})

    def edit_selected(self) -> None:
        chosen = self._selected()
        if chosen is not None and chosen[0].status == "draft":
            self._open_editor(self.EDIT, chosen[0].id, chosen[1])

    def amend_selected(self) -> None:
        chosen = self._selected()
        if chosen is not None and chosen[0].status == "signed":
            self._open_editor(self.AMEND, chosen[0].id, chosen[1])

    def close_editor(self) -> None:
        self._editing = None
        self._editing_id = None
        if self._pending is not None and self._pending[0] == "save":
            self.signature.close_panel()
        self.pages.setCurrentIndex(0)
        self._show_selected()

    def is_editing(self) -> bool:
        return self._editing is not None

    def _set_editor_busy(self, busy: bool) -> None:
        for button in (self.save_draft, self.save_and_sign, self.cancel_edit):
            button.setEnabled(not busy)

    def _body(self) -> ClinicalNote | None:
        """The note as typed, or None after showing why it cannot be saved."""
        orders = self.orders.toPlainText().strip() if self.orders.isVisible() else ""
        try:
            return ClinicalNote(
                note_type=str(self.note_type.currentData()),
                text=self.text.toPlainText().strip(),
                orders_text=orders or None,
            )
        except ValidationError as error:
            self._field_error(error)
            return None

    def _field_error(self, error: BaseException) -> None:
        self._set_editor_busy(False)
        if isinstance(error, ValidationError):
            widget = {
                "text": self.text,
                "orders_text": self.orders,
                "correction_reason": self.reason,
            }.get(error.field)
            names = {
                "text": self.tr("Note"),
                "orders_text": self.tr("Orders of the day"),
                "correction_reason": self.tr("Reason for the amendment"),
            }
            if widget is not None:
                message = i18n.error_text(error, with_field=False)
                show_error(self.editor_error, f"{names[error.field]}: {message}")
                widget.setFocus()
                return
        show_error(self.editor_error, i18n.error_text(error))

    def save(self, *, sign: bool) -> None:
        """Save the note in the editor: as a draft, or (after the password) signed."""
        if self._editing is None:
            return
        body = self._body()
        if body is None:
            return
        if self._editing == self.AMEND and not self.reason.text().strip():
            show_error(
                self.editor_error,
                self.tr("Reason for the amendment: say why the signed note is corrected."),
            )
            self.reason.setFocus()
            return
        show_error(self.editor_error, "")
        if sign:
            self._pending = ("save", "")
            self.signature.ask(
                self.tr("Sign this note: once signed it can no longer be changed, only amended."),
                self.tr("Sign note"),
            )
            return
        self._set_editor_busy(True)
        self._submit(body, None)

    def _submit(self, body: ClinicalNote, password: str | None) -> None:
        on_error = self._field_error if password is None else self._save_failed
        if self._editing == self.NEW:
            self._ctx.call(
                clinical.record_event,
                patient_id=self.patient_id,
                body=body,
                encounter_id=self.encounter_id(),
                sign_password=password,
                on_done=self._saved,
                on_error=on_error,
            )
        elif self._editing == self.EDIT and self._editing_id is not None:
            self._ctx.call(
                _save_draft,
                self._editing_id,
                body,
                password,
                on_done=self._saved,
                on_error=on_error,
            )
        elif self._editing == self.AMEND and self._editing_id is not None:
            self._ctx.call(
                clinical.amend_event,
                self._editing_id,
                body=body,
                reason=self.reason.text().strip(),
                sign_password=password,
                on_done=self._saved,
                on_error=on_error,
            )

    def _save_failed(self, error: BaseException) -> None:
        if isinstance(error, AuthenticationError):
            self.signature_failed(error)
            return
        self.signature.close_panel()
        self._field_error(error)

    def _saved(self, event: Any) -> None:
        signed = getattr(event, "status", "") == "signed"
        self._pending = None
        self.signature.close_panel()
        self.close_editor()
        self._ctx.inform(self.tr("Note signed.") if signed else self.tr("Draft note saved."))
        self.changed()

    # ------------------------------------------------------------------ sign and correct
    def sign_selected(self) -> None:
        """Ask for the password to sign the selected draft."""
        chosen = self._selected()
        if chosen is None or chosen[0].status != "draft":
            return
        self._pending = ("sign", chosen[0].id)
        self.signature.ask(
            self.tr("Sign the note “{type}”: once signed it can no longer be changed.").format(
                type=label("note_type", chosen[1].get("note_type"))
            ),
            self.tr("Sign note"),
        )

    def mark_selected_in_error(self) -> None:
        """Ask for the reason and the password to mark the selected note entered in error."""
        chosen = self._selected()
        if chosen is None:
            return
        self._pending = ("error", chosen[0].id)
        self.signature.ask(
            self.tr(
                "Mark the note “{type}” as entered in error (wrong patient, wrong entry). "
                "It leaves the chart; the record of it is kept."
            ).format(type=label("note_type", chosen[1].get("note_type"))),
            self.tr("Mark entered in error"),
            with_reason=True,
        )

    def _on_signature_confirmed(self, password: str, reason: str) -> None:
        pending = self._pending
        if pending is None:
            return
        action, event_id = pending
        if action == "save":
            body = self._body()
            if body is None:
                self.signature.close_panel()
                return
            self._set_editor_busy(True)
            self._submit(body, password)
        elif action == "sign":
            self._ctx.call(
                clinical.sign_event,
                event_id,
                password,
                on_done=self._signed,
                on_error=self.signature_failed,
            )
        elif action == "error":
            self._ctx.call(
                clinical.mark_entered_in_error,
                event_id,
                reason=reason,
                sign_password=password,
                on_done=self._marked_in_error,
                on_error=self.signature_failed,
            )

    def _on_signature_cancelled(self) -> None:
        if self._pending is not None and self._pending[0] == "save":
            self._set_editor_busy(False)
        self._pending = None

    def _signed(self, _event: Any) -> None:
        self._pending = None
        self.signature.close_panel()
        self._ctx.inform(self.tr("Note signed."))
        self.changed()

    def _marked_in_error(self, _event: Any) -> None:
        self._pending = None
        self.signature.close_panel()
        self._ctx.inform(self.tr("The note was marked entered in error."))
        self.changed()


def _save_draft(
    store: Store, session: Session, event_id: str, body: ClinicalNote, password: str | None
) -> Any:
    """Save the edited draft, then sign it if a password is given (on the database worker).

    A wrong password leaves the edit saved as a draft and nothing signed.
    """
    edited = clinical.edit_draft(store, session, event_id, body)
    if password is None:
        return edited
    return clinical.sign_event(store, session, event_id, password)
