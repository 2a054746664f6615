"""Find a patient: search as you type, CCCD card scans, and the way into registration.

Typing searches after a short pause (`DEBOUNCE_MS`), on the database worker; a newer search
replaces one not yet started, and a result that arrives after the text changed again is
dropped, so a fast typist never waits for or sees stale results.

A chip CCCD card can be scanned two ways. A keyboard-wedge scanner types the QR payload into
the search box and presses Enter; a scanner in serial mode is read by `SerialScanner`. Either
way the patient is looked up by the CCCD number alone (the wedge may have garbled the name):
a registered patient's chart opens, anybody else gets the registration form filled from the
card.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.identity import cccd_from_qr
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.core.records import IdentityStatus, Patient
from emr_desktop.services import patients
from emr_desktop.ui import i18n
from emr_desktop.ui.context import PATIENTS, AppContext
from emr_desktop.ui.labels import birth_date, label
from emr_desktop.ui.registration import (
    RegistrationForm,
    UnidentifiedPatientPanel,
)
from emr_desktop.ui.scanner import SerialScanner

#: Pause after the last keystroke before searching.
DEBOUNCE_MS = 150
#: Shorter queries match too many patients to be worth a search.
MIN_QUERY = 2
#: Rows shown at most; more means the clerk should type more.
RESULT_LIMIT = 50

_MODEL_CONTEXT = "PatientTableModel"
_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_Index = QModelIndex | QPersistentModelIndex
# Roles as plain ints: `data` runs for every visible cell on every repaint.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)


class PatientTableModel(QAbstractTableModel):
    """Search results: one row per patient, columns as a registration desk reads them."""

    COLUMNS = (
        ("mrn", QT_TRANSLATE_NOOP("PatientTableModel", "Record no.")),
        ("full_name", QT_TRANSLATE_NOOP("PatientTableModel", "Full name")),
        ("sex", QT_TRANSLATE_NOOP("PatientTableModel", "Sex")),
        ("date_of_birth", QT_TRANSLATE_NOOP("PatientTableModel", "Born")),
        ("cccd", QT_TRANSLATE_NOOP("PatientTableModel", "CCCD")),
        ("bhyt_number", QT_TRANSLATE_NOOP("PatientTableModel", "BHYT")),
        ("address", QT_TRANSLATE_NOOP("PatientTableModel", "Address")),
        ("phones", QT_TRANSLATE_NOOP("PatientTableModel", "Phone")),
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._patients: list[Patient] = []
        # The cells' text, made once per result list: the view asks for every visible cell
        # on every repaint, and the window must stay responsive while results come in.
        self._rows: list[tuple[str, ...]] = []
        self._italic = QFont()
        self._italic.setItalic(True)
        self._name_column = self.column_of("full_name")

    def set_patients(self, found: list[Patient]) -> None:
        self.beginResetModel()
        self._patients = list(found)
        self._rows = [self._cells(patient) for patient in self._patients]
        self.endResetModel()

    def patient_at(self, row: int) -> Patient:
        return self._patients[row]

    def column_of(self, key: str) -> int:
        return next(i for i, (k, _) in enumerate(self.COLUMNS) if k == key)

    def retranslate(self) -> None:
        """Headers and sex names follow the language."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.COLUMNS) - 1)
        if self._patients:
            self._rows = [self._cells(patient) for patient in self._patients]
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._patients) - 1, len(self.COLUMNS) - 1)
            )

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._patients)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        row = index.row()
        if not index.isValid() or row >= len(self._rows):
            return None
        if role == _DISPLAY:
            return self._rows[row][index.column()]
        unknown = self._patients[row].identity_status == IdentityStatus.UNKNOWN
        if role == _FONT:
            return self._italic if unknown else None
        if role == _TOOLTIP and index.column() == self._name_column:
            if unknown:
                return self.tr("Identity not yet known")
            return self._rows[row][self._name_column]
        return None

    @classmethod
    def _cells(cls, patient: Patient) -> tuple[str, ...]:
        return tuple(cls._text(patient, key) for key, _ in cls.COLUMNS)

    @staticmethod
    def _text(patient: Patient, key: str) -> str:
        if key == "sex":
            return label("sex", patient.sex)
        if key == "date_of_birth":
            return birth_date(patient.date_of_birth)
        if key == "phones":
            return ", ".join(patient.phones)
        value = getattr(patient, key)
        return "" if value is None else str(value)

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.COLUMNS)
        ):
            return QCoreApplication.translate(_MODEL_CONTEXT, str(self.COLUMNS[section][1]))
        return None


class PatientSearchScreen(QWidget):
    """The "Patients" tab: search box, results, registration beside them."""

    #: The screen wants to be brought to the front (a serial scan opened registration while
    #: another tab was showing).
    show_requested = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("patient_search")
        self._ctx = ctx
        self._search_seq = 0
        #: The text whose results are showing; None while a search is running.
        self._shown_query: str | None = ""
        self._open_on_result = False
        role = ctx.session.role if ctx.session is not None else None
        self._can_read = role is not None and allows(role, Permission.PATIENT_READ)
        self._can_register = role is not None and allows(role, Permission.PATIENT_REGISTER)

        self.query = QLineEdit()
        self.query.setObjectName("search_query")
        self.query.setClearButtonEnabled(True)
        font = self.query.font()
        font.setPointSize(font.pointSize() + 4)
        self.query.setFont(font)
        self.query.setMinimumHeight(36)
        self.query.setEnabled(self._can_read)
        self.query.installEventFilter(self)
        self.status = QLabel()
        self.status.setObjectName("search_status")
        self.status.setWordWrap(True)
        self.scanner_status = QLabel()
        self.scanner_status.setObjectName("scanner_status")
        self.scanner_status.hide()

        self.new_button = QPushButton()
        self.new_button.setObjectName("new_patient")
        self.new_button.setEnabled(self._can_register)
        self.new_button.clicked.connect(self.start_registration)
        self.unidentified_button = QPushButton()
        self.unidentified_button.setObjectName("new_unidentified")
        self.unidentified_button.setEnabled(self._can_register)
        self.unidentified_button.clicked.connect(self.start_unidentified)

        self.model = PatientTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("search_results")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(self.model.column_of("address"), QHeaderView.ResizeMode.Stretch)
        for key, width in (("mrn", 100), ("full_name", 200), ("sex", 60), ("cccd", 110)):
            self.table.setColumnWidth(self.model.column_of(key), width)
        self.table.doubleClicked.connect(self.on_table_double_clicked)
        self.table.installEventFilter(self)

        self.form = RegistrationForm(ctx)
        self.form.registered.connect(self._registered)
        self.form.closed.connect(self._close_side)
        self.unidentified = UnidentifiedPatientPanel(ctx)
        self.unidentified.registered.connect(self._registered)
        self.unidentified.closed.connect(self._close_side)
        self._form_page = QScrollArea()
        self._form_page.setWidgetResizable(True)
        self._form_page.setWidget(self.form)
        self.side = QStackedWidget()
        self.side.setObjectName("registration_panel")
        self.side.addWidget(self._form_page)
        self.side.addWidget(self.unidentified)
        self.side.hide()

        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.unidentified_button)
        buttons.addStretch(1)
        buttons.addWidget(self.scanner_status)
        left = QWidget()
        column = QVBoxLayout(left)
        column.addWidget(self.query)
        column.addLayout(buttons)
        column.addWidget(self.status)
        column.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.search_now)
        self.query.textChanged.connect(self.on_query_text_changed)
        self.query.returnPressed.connect(self.on_query_return_pressed)
        ctx.data_changed.connect(self.on_data_changed)

        self.scanner = SerialScanner.from_settings(ctx.settings, self)
        if self.scanner is not None:
            self.scanner.payload_scanned.connect(self.handle_scan)
            self.scanner.connection_changed.connect(lambda _connected: self._show_scanner())
            self.scanner_status.show()
            self.scanner.start()
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.query.setPlaceholderText(
            self.tr("Name (accents optional), CCCD, BHYT, phone or record number — or scan a card")
        )
        self.new_button.setText(self.tr("&New patient"))
        self.unidentified_button.setText(self.tr("&Unidentified emergency patient"))
        self.model.retranslate()
        self._show_scanner()
        self._show_status()

    def focus_search(self) -> None:
        """Put the cursor in the search box, its text selected, ready for the next patient."""
        self.query.setFocus()
        self.query.selectAll()

    # ------------------------------------------------------------------ searching
    def on_query_text_changed(self, _text: str) -> None:
        self._open_on_result = False
        self._debounce.start()

    def search_now(self) -> None:
        """Search for what is in the box now (the debounce timer calls this)."""
        self._debounce.stop()
        self._search_seq += 1
        text = self.query.text().strip()
        if len(text) < MIN_QUERY or not self._can_read:
            self._shown_query = text
            self.model.set_patients([])
            self._show_status()
            return
        self._shown_query = None
        self._show_status()
        self._ctx.call(
            patients.find_patients,
            text,
            limit=RESULT_LIMIT,
            key="search",
            on_done=partial(self._show_results, self._search_seq, text),
            owner=self,
            on_error=partial(self._search_failed, self._search_seq),
        )

    def _show_results(self, seq: int, text: str, found: list[Patient]) -> None:
        if seq != self._search_seq:
            return  # the text changed since: a newer search is on its way
        self._shown_query = text
        self.model.set_patients(found)
        self._show_status()
        if self._open_on_result:
            self._open_on_result = False
            self._open_or_pick()

    def _search_failed(self, seq: int, error: BaseException) -> None:
        if seq != self._search_seq:
            return
        self._open_on_result = False
        self._shown_query = self.query.text().strip()
        self.model.set_patients([])
        self._show_status(i18n.error_text(error))

    def _show_status(self, error: str | None = None) -> None:
        count = self.model.rowCount()
        text = self.query.text().strip()
        if error is not None:
            self.status.setText(error)
        elif not self._can_read:
            self.status.setText(self.tr("Your role cannot look up patients."))
        elif self._shown_query is None:
            self.status.setText(self.tr("Searching…"))
        elif len(text) < MIN_QUERY:
            self.status.setText(
                self.tr("Type a name, a CCCD, BHYT or phone number, or scan the CCCD card.")
            )
        elif count == 0:
            self.status.setText(self.tr("No patient found. Check the spelling or register."))
        elif count >= RESULT_LIMIT:
            self.status.setText(self.tr("The first %n patients; type more to narrow.", "", count))
        else:
            self.status.setText(self.tr("Patients found: %n.", "", count))

    def on_data_changed(self, kind: str, _patient_id: str) -> None:
        if kind == PATIENTS and self.query.text().strip():
            self.search_now()

    # ------------------------------------------------------------------ keyboard
    def on_query_return_pressed(self) -> None:
        text = self.query.text()
        if cccd_from_qr(text) is not None:
            # A wedge scanner typed a card's QR code and Enter.
            self._debounce.stop()
            self._search_seq += 1
            self.query.clear()
            self.handle_scan(text)
            return
        current = self._shown_query == text.strip() and not self._debounce.isActive()
        if current:
            self._open_or_pick()
        else:
            self._open_on_result = True
            self.search_now()

    def _open_or_pick(self) -> None:
        """Enter in the search box: one match opens; several go to the list to choose."""
        rows = self.model.rowCount()
        if rows == 1:
            self.open_row(0)
        elif rows > 1:
            self.table.setFocus()
            self.table.selectRow(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.query and event.key() == Qt.Key.Key_Down:
                if self.model.rowCount():
                    self.table.setFocus()
                    self.table.selectRow(0)
                return True
            if watched is self.table and event.key() in _ENTER_KEYS:
                if self.table.currentIndex().isValid():
                    self.open_row(self.table.currentIndex().row())
                return True
        return super().eventFilter(watched, event)

    def on_table_double_clicked(self, index: QModelIndex) -> None:
        self.open_row(index.row())

    def open_row(self, row: int) -> None:
        """Open the chart of the patient on `row` of the results."""
        self._ctx.open_chart_requested.emit(self.model.patient_at(row).id)

    # ------------------------------------------------------------------ scans
    def handle_scan(self, payload: str) -> None:
        """A scanned code: a CCCD card opens its holder's chart, or registration filled from
        the card; anything else (a wristband's record number) is searched for."""
        if self._ctx.session is None or self._ctx.locked or not self._can_read:
            return
        cccd = cccd_from_qr(payload)
        if cccd is None:
            self.show_requested.emit()
            self.query.setText(payload.strip())
            self._open_on_result = True
            self.search_now()
            return
        self.status.setText(self.tr("Looking up the scanned card…"))
        self._ctx.call(
            patients.find_patient_by_cccd,
            cccd,
            on_done=partial(self._scan_looked_up, payload),
            owner=self,
            on_error=lambda error: self._show_status(i18n.error_text(error)),
        )

    def _scan_looked_up(self, payload: str, patient: Patient | None) -> None:
        if self._ctx.locked:
            return
        if patient is not None:
            self._show_status()
            self._ctx.open_chart_requested.emit(patient.id)
            return
        try:
            scan = patients.read_card_scan(payload)
        except ValidationError as error:
            self._show_status(i18n.error_text(error))
            return
        if not self._can_register:
            self._show_status(
                self.tr("No patient has this CCCD number. Ask the registration desk.")
            )
            return
        self._show_status()
        # Bring this screen to the front first: that focuses the search box, and the
        # form must take the focus after it (the clerk types the name next).
        self.show_requested.emit()
        self._show_side(self._form_page)
        self.form.prefill_from_scan(scan)

    # ------------------------------------------------------------------ registration
    def start_registration(self) -> None:
        """Open the registration form, with the search text put where it belongs."""
        if not self._can_register:
            return
        self._show_side(self._form_page)
        self.form.start_new(self.query.text())

    def start_unidentified(self) -> None:
        if not self._can_register:
            return
        self.unidentified.reset()
        self._show_side(self.unidentified)
        next(iter(self.unidentified.sex_buttons.values())).setFocus()

    def _show_side(self, page: QWidget) -> None:
        self.side.setCurrentWidget(page)
        self.side.show()

    def _registered(self, _patient_id: str) -> None:
        # The next patient at the desk starts from an empty search.
        self.query.clear()
        self._close_side()

    def _close_side(self) -> None:
        self.side.hide()
        self.focus_search()

    def _show_scanner(self) -> None:
        if self.scanner is None:
            return
        if self.scanner.connected:
            self.scanner_status.setText(self.tr("Card scanner ready"))
            self.scanner_status.setStyleSheet("color: #1b5e20;")
        else:
            self.scanner_status.setText(
                self.tr("Card scanner not connected ({port})").format(port=self.scanner.port_name)
            )
            self.scanner_status.setStyleSheet("color: #8a5300;")
