"""The nurses' worklist: the doses of a ward or of the injection booth, and giving them.

Overdue doses come first (white on red), then those due now (amber), then the upcoming
ones, each by time; recorded doses and as-needed orders follow. Rows are large and the
colours strong: a booth screen is read from a step away. The list is read again every
minute (statuses move with the clock), whenever something is recorded on this PC, and
when sync brings new orders.

Right patient, right drug: the nurse scans the patient's wristband (a keyboard-wedge
scanner types its code and Enter into the scan box; typing the record number works the
same), the patient's doses light up, then she scans the drug's barcode (or types its
code) and the dose opens in the administration panel. A wristband of another patient than
the dose's, or a drug not ordered for this patient, is refused loudly — a large red
message and a beep — and nothing is written. Choosing a row by hand opens its dose too;
the panel then asks for the wristband scan.

A PC at a booth may have a serial (virtual COM port) scanner for itself: its port is the
setting `nursing/scanner_port` (and `nursing/scanner_baud`), read like the registration
desk's scanner (`ui.scanner`). The registration desk's port (`scanner/port`) is kept open
by the patient search, so the two settings must name different ports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
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
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.core.errors import NotFound, ValidationError
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.core.records import ClinicalEvent, Department, Patient
from emr_desktop.services import chart as chart_service
from emr_desktop.services import nursing, wards
from emr_desktop.services.chart import Chart
from emr_desktop.services.nursing import (
    WRISTBAND_PREFIX,
    DoseStatus,
    NotDue,
    ScheduledDose,
    WrongDrug,
)
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.prescriptions import route_name
from emr_desktop.ui.chart.vitals import VitalsTab
from emr_desktop.ui.context import CHART, SYNC, WARD, AppContext
from emr_desktop.ui.i18n import error_text
from emr_desktop.ui.nursing import (
    LARGE_POINT_SIZE,
    STATUS_COLOURS,
    alert_label,
    amount_text,
    clock_text,
    larger_font,
    now,
    show_alert,
    status_name,
    today,
)
from emr_desktop.ui.nursing.administer import AdministrationPanel
from emr_desktop.ui.nursing.handover import HandoverView
from emr_desktop.ui.nursing.mar import MarView
from emr_desktop.ui.nursing.wristbands import WristbandPreview
from emr_desktop.ui.scanner import DEFAULT_BAUD, SerialScanner

#: The worklist is read again this often (statuses move with the clock).
REFRESH_MS = 60_000
WARD_MODE = "ward"
BOOTH_MODE = "booth"
SETTING_MODE = "nursing/mode"
SETTING_DEPARTMENT = "nursing/department_id"
SETTING_SCANNER_PORT = "nursing/scanner_port"
SETTING_SCANNER_BAUD = "nursing/scanner_baud"

_MODEL_CONTEXT = "WorklistModel"
_Index = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_USER = int(Qt.ItemDataRole.UserRole.value)
_DIMMED = QColor("#8a8a8a")


def looks_like_wristband(code: str) -> bool:
    """True for what a wristband barcode holds (`WRISTBAND_PREFIX` and the record number)."""
    prefix = WRISTBAND_PREFIX.casefold()
    return code.casefold().startswith(prefix) and code[len(prefix) :].isdigit()


class WorklistModel(QAbstractTableModel):
    """The doses of the worklist, in the service's order; one patient's rows may be lit."""

    TIME, STATUS, BED, PATIENT, DRUG, DOSE, ROUTE = range(7)
    _HEADERS = (
        QT_TRANSLATE_NOOP("WorklistModel", "Time"),
        QT_TRANSLATE_NOOP("WorklistModel", "Status"),
        QT_TRANSLATE_NOOP("WorklistModel", "Bed"),
        QT_TRANSLATE_NOOP("WorklistModel", "Patient"),
        QT_TRANSLATE_NOOP("WorklistModel", "Drug"),
        QT_TRANSLATE_NOOP("WorklistModel", "Dose"),
        QT_TRANSLATE_NOOP("WorklistModel", "Route"),
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._doses: list[ScheduledDose] = []
        self._cells: list[tuple[str, ...]] = []
        self.highlighted: str | None = None
        self._bold = QFont()
        self._bold.setBold(True)
        self._brushes = {
            status: (QBrush(background), QBrush(text))
            for status, (background, text) in STATUS_COLOURS.items()
        }
        self._dimmed = QBrush(_DIMMED)

    def set_doses(self, doses: list[ScheduledDose]) -> None:
        self.beginResetModel()
        self._doses = list(doses)
        self._cells = self._texts()
        self.endResetModel()

    def doses(self) -> list[ScheduledDose]:
        return list(self._doses)

    def dose_at(self, row: int) -> ScheduledDose:
        return self._doses[row]

    def rows_of(self, patient_id: str) -> list[int]:
        return [i for i, dose in enumerate(self._doses) if dose.patient_id == patient_id]

    def highlight(self, patient_id: str | None) -> None:
        """Light up one patient's rows (None: nobody's)."""
        if patient_id == self.highlighted:
            return
        self.highlighted = patient_id
        self._all_changed()

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._HEADERS) - 1)
        self._cells = self._texts()
        self._all_changed()

    def _all_changed(self) -> None:
        if self._doses:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._doses) - 1, len(self._HEADERS) - 1)
            )

    def _texts(self) -> list[tuple[str, ...]]:
        day = today()
        return [self._row_text(dose, day) for dose in self._doses]

    @staticmethod
    def _row_text(dose: ScheduledDose, day: date) -> tuple[str, ...]:
        time = status_name(DoseStatus.AS_NEEDED) if dose.as_needed else clock_text(dose.due_at, day)
        status = status_name(dose.status)
        if dose.double_dose:
            given = sum(1 for a in dose.administrations if a.outcome == DoseStatus.GIVEN)
            status = f"⚠ {status} ×{given}"
        return (
            time,
            status,
            dose.bed_code or "",
            f"{dose.patient_name} — {dose.mrn}",
            dose.drug_name,
            amount_text(dose.dose, dose.dose_unit),
            route_name(dose.route),
        )

    # ------------------------------------------------------------------ Qt model

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._doses)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._HEADERS)

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY
    ) -> Any:
        if (
            role == _DISPLAY
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self._HEADERS)
        ):
            return QCoreApplication.translate(_MODEL_CONTEXT, str(self._HEADERS[section]))
        return None

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self._doses):
            return None
        if role == _DISPLAY:
            return self._cells[row][index.column()]
        dose = self._doses[row]
        lit = self.highlighted is None or dose.patient_id == self.highlighted
        # A dose recorded as given twice (two PCs offline) is as alarming as an overdue one.
        shown = DoseStatus.OVERDUE if dose.double_dose else dose.status
        if role == _BACKGROUND:
            brushes = self._brushes.get(shown)
            return brushes[0] if brushes is not None and lit else None
        if role == _FOREGROUND:
            if not lit:
                return self._dimmed
            brushes = self._brushes.get(shown)
            return brushes[1] if brushes is not None else None
        if role == _FONT:
            if self.highlighted is not None and lit:
                return self._bold
            return self._bold if dose.status == DoseStatus.OVERDUE else None
        if role == _TOOLTIP:
            return self._tooltip(dose)
        if role == _USER:
            return dose.patient_id
        return None

    @staticmethod
    def _tooltip(dose: ScheduledDose) -> str:
        lines = [f"{dose.drug_name} ({dose.drug_code})"]
        if dose.instructions:
            lines.append(dose.instructions)
        for given in dose.administrations:
            lines.append(
                QCoreApplication.translate(
                    "WorklistModel", "{outcome} at {time} by {nurse}"
                ).format(
                    outcome=status_name(given.outcome),
                    time=clock_text(given.at),
                    nurse=given.recorded_by_name,
                )
            )
        if dose.next_allowed_at is not None:
            lines.append(
                QCoreApplication.translate("WorklistModel", "Not before {time}").format(
                    time=clock_text(dose.next_allowed_at)
                )
            )
        if dose.double_dose:
            lines.append(
                QCoreApplication.translate(
                    "WorklistModel", "Recorded as given twice (two PCs): see sync review."
                )
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class ChosenPatient:
    """The patient the nurse is with: by wristband scan, or by choosing a row."""

    patient_id: str
    name: str
    mrn: str
    wristband_scanned: bool


class WorklistScreen(QWidget):
    """The "Nursing" tab: worklist, scan box, administration, MAR, vitals, wristbands and
    the shift handover."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("nursing_worklist")
        self.ctx = ctx
        session = ctx.session
        role = session.role if session is not None else ""
        self.can_read = bool(role) and allows(role, Permission.CHART_READ)
        self.can_record = bool(role) and allows(role, Permission.ADMINISTRATION_WRITE)
        self.patient: ChosenPatient | None = None
        self._stale = True
        self._departments: list[Department] = []
        self._loaded_key: tuple[str, str | None] | None = None

        self.mode = QComboBox()
        self.mode.setObjectName("worklist_mode")
        self.mode.addItem("", WARD_MODE)
        self.mode.addItem("", BOOTH_MODE)
        self.department = QComboBox()
        self.department.setObjectName("worklist_department")
        self.department.setMinimumWidth(260)
        self._department_label = QLabel()
        self._department_label.setBuddy(self.department)
        self.refresh_button = QPushButton()
        self.refresh_button.setObjectName("refresh_worklist")
        self.summary = QLabel()
        self.summary.setObjectName("worklist_summary")
        larger_font(self.summary, bold=True)
        self.notice = QLabel()
        self.notice.setObjectName("worklist_notice")
        self.notice.setWordWrap(True)
        self.notice.hide()

        self.scan = QLineEdit()
        self.scan.setObjectName("scan_box")
        self.scan.setMinimumHeight(44)
        larger_font(self.scan, 18)
        self.scan.installEventFilter(self)
        self.next_button = QPushButton()
        self.next_button.setObjectName("next_patient")
        self.next_button.setMinimumHeight(44)
        self.alert = alert_label("scan_alert")
        self.patient_label = QLabel()
        self.patient_label.setObjectName("chosen_patient")
        self.patient_label.setWordWrap(True)
        larger_font(self.patient_label, 18, bold=True)

        self.model = WorklistModel(self)
        self.table = QTableView()
        self.table.setObjectName("worklist_table")
        self.table.setModel(self.model)
        larger_font(self.table, LARGE_POINT_SIZE)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(40)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(WorklistModel.DRUG, QHeaderView.ResizeMode.Stretch)

        self.panel = AdministrationPanel(ctx)
        self.mar = MarView(ctx, None)
        self.wristbands = WristbandPreview(ctx)
        self.vitals_page = QWidget()
        self.vitals_page.setObjectName("booth_vitals")
        self._vitals_layout = QVBoxLayout(self.vitals_page)
        self._vitals_layout.setContentsMargins(0, 0, 0, 0)
        self.vitals: VitalsTab | None = None
        self.side = QTabWidget()
        self.side.setObjectName("nursing_side")
        self.side.addTab(self.panel, "")
        self.side.addTab(self.mar, "")
        self.side.addTab(self.vitals_page, "")
        self.side.addTab(self.wristbands, "")

        self.handover = HandoverView(ctx)

        top = QHBoxLayout()
        top.addWidget(self.mode)
        top.addWidget(self._department_label)
        top.addWidget(self.department)
        top.addWidget(self.refresh_button)
        top.addSpacing(16)
        top.addWidget(self.summary, 1)
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.scan, 1)
        scan_row.addWidget(self.next_button)
        doses_page = QWidget()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(scan_row)
        left_layout.addWidget(self.alert)
        left_layout.addWidget(self.patient_label)
        left_layout.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        page_layout = QVBoxLayout(doses_page)
        page_layout.addWidget(self.splitter)
        self.pages = QTabWidget()
        self.pages.setObjectName("nursing_pages")
        self.pages.addTab(doses_page, "")
        self.pages.addTab(self.handover, "")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self.pages, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.on_timer_timeout)

        mode = str(ctx.settings.value(SETTING_MODE, WARD_MODE))
        self.mode.setCurrentIndex(max(0, self.mode.findData(mode)))
        self.mode.currentIndexChanged.connect(self.on_mode_changed)
        self.department.currentIndexChanged.connect(self.on_department_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.scan.returnPressed.connect(self.on_scan_return_pressed)
        self.next_button.clicked.connect(self.next_patient)
        self.table.doubleClicked.connect(self.on_table_double_clicked)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda: self.choose_row(self.table.currentIndex().row()))
        self.table.selectionModel().selectionChanged.connect(self.on_selection_changed)
        self.panel.recorded.connect(self.on_panel_recorded)
        self.panel.cancelled.connect(self.focus_scan)
        self.side.currentChanged.connect(self.on_side_changed)
        ctx.data_changed.connect(self.on_data_changed)

        self.scanner = self._serial_scanner()
        i18n.watch_language(self, self.retranslate)
        self._show_mode()
        self._show_patient()
        if not self.can_read:
            for widget in (self.scan, self.table, self.side, self.pages, self.refresh_button):
                widget.setEnabled(False)
        elif session is not None:
            self.load_departments()

    def retranslate(self) -> None:
        self.mode.setItemText(0, self.tr("Ward"))
        self.mode.setItemText(1, self.tr("Injection booth"))
        self._department_label.setText(self.tr("&Department"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.scan.setPlaceholderText(
            self.tr("Scan the wristband, then the drug (or type the record number, the drug code)")
        )
        self.next_button.setText(self.tr("Next patient (Esc)"))
        self.side.setTabText(self.side.indexOf(self.panel), self.tr("Give dose"))
        self.side.setTabText(self.side.indexOf(self.mar), self.tr("Medication record"))
        self.side.setTabText(self.side.indexOf(self.vitals_page), self.tr("Vital signs"))
        self.side.setTabText(self.side.indexOf(self.wristbands), self.tr("Wristband"))
        self.pages.setTabText(0, self.tr("Doses"))
        self.pages.setTabText(1, self.tr("Shift handover"))
        self.model.retranslate()
        self._show_summary()
        self._show_notice()
        self._show_patient()

    # ------------------------------------------------------------------ mode and ward

    def worklist_mode(self) -> str:
        return str(self.mode.currentData())

    def department_id(self) -> str | None:
        value = self.department.currentData()
        return str(value) if value else None

    def set_mode(self, mode: str) -> None:
        self.mode.setCurrentIndex(self.mode.findData(mode))

    def on_mode_changed(self, _index: int) -> None:
        self.ctx.settings.setValue(SETTING_MODE, self.worklist_mode())
        self.next_patient()
        self._show_mode()
        self._stale = True
        self.refresh_if_shown()

    def _show_mode(self) -> None:
        ward = self.worklist_mode() == WARD_MODE
        self.department.setVisible(ward)
        self._department_label.setVisible(ward)
        self.table.setColumnHidden(WorklistModel.BED, not ward)
        self.pages.setTabEnabled(1, ward)
        if not ward:
            self.pages.setCurrentIndex(0)

    def load_departments(self) -> None:
        """Read the wards (in the background) and choose the one this PC used last."""
        self.ctx.call(
            wards.list_departments,
            wards_only=True,
            on_done=self._show_departments,
            key="nursing-departments",
            owner=self,
        )

    def _show_departments(self, departments: list[Department]) -> None:
        wanted = self.department_id() or str(self.ctx.settings.value(SETTING_DEPARTMENT, ""))
        self._departments = departments
        self.department.blockSignals(True)
        self.department.clear()
        for department in departments:
            self.department.addItem(f"{department.name} ({department.code})", department.id)
        self.department.setCurrentIndex(max(0, self.department.findData(wanted)))
        self.department.blockSignals(False)
        self.handover.set_department(self.department_id())
        self._show_notice()
        self._stale = True
        self.refresh_if_shown()

    def on_department_changed(self, _index: int) -> None:
        department_id = self.department_id()
        if department_id:
            self.ctx.settings.setValue(SETTING_DEPARTMENT, department_id)
        self.handover.set_department(department_id)
        self.next_patient()
        self._stale = True
        self.refresh_if_shown()

    def _show_notice(self) -> None:
        if not self.can_read:
            text = self.tr("Your role does not see patients' medication.")
        elif self.worklist_mode() == WARD_MODE and not self._departments:
            text = self.tr("No ward yet: an administrator adds departments and their beds.")
        elif not self.can_record:
            text = self.tr("Your role can read the worklist but not record doses.")
        else:
            text = ""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    # ------------------------------------------------------------------ loading

    def refresh_if_shown(self) -> None:
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Read the worklist again (in the background)."""
        if self.ctx.session is None or not self.can_read:
            return
        mode = self.worklist_mode()
        department_id = self.department_id() if mode == WARD_MODE else None
        if mode == WARD_MODE and department_id is None:
            self.model.set_doses([])
            self._show_summary()
            return
        self._stale = False
        self.ctx.call(
            nursing.worklist,
            department_id=department_id,
            booth=mode == BOOTH_MODE,
            now=now(),
            on_done=lambda doses: self._show_doses((mode, department_id), doses),
            key="nursing-worklist",
            owner=self,
        )

    def _show_doses(self, key: tuple[str, str | None], doses: list[ScheduledDose]) -> None:
        mode = self.worklist_mode()
        if key != (mode, self.department_id() if mode == WARD_MODE else None):
            return  # the nurse chose another list meanwhile
        selected = self._selected_keys()
        self._loaded_key = key
        self.model.set_doses(doses)
        selection = self.table.selectionModel()
        flags = selection.SelectionFlag.Select | selection.SelectionFlag.Rows
        for row, dose in enumerate(doses):
            if (dose.order_id, dose.due_at) in selected:
                selection.select(self.model.index(row, 0), flags)
        self._show_summary()

    def _selected_keys(self) -> set[tuple[str, datetime | None]]:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        doses = self.model.doses()
        return {(doses[r].order_id, doses[r].due_at) for r in rows if r < len(doses)}

    def _show_summary(self) -> None:
        doses = self.model.doses()
        if not doses:
            self.summary.setText(self.tr("No dose on the list.") if self._loaded_key else "")
            return
        counts = {status: sum(1 for d in doses if d.status == status) for status in DoseStatus}
        parts = [
            self.tr("%n overdue", "", counts[DoseStatus.OVERDUE]),
            self.tr("%n due now", "", counts[DoseStatus.DUE]),
            self.tr("%n upcoming", "", counts[DoseStatus.UPCOMING]),
        ]
        if counts[DoseStatus.AS_NEEDED]:
            parts.append(self.tr("%n as needed", "", counts[DoseStatus.AS_NEEDED]))
        self.summary.setText(" · ".join(parts))
        overdue = counts[DoseStatus.OVERDUE] > 0
        self.summary.setStyleSheet("color: #b00020;" if overdue else "")

    def on_timer_timeout(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def on_data_changed(self, kind: str, patient_id: str) -> None:
        if kind not in (CHART, WARD, SYNC):
            return
        if kind in (WARD, SYNC) and self.can_read:
            # A new ward (or one renamed) may have come with it.
            self.load_departments()
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        if self.ctx.session is None or not self.can_read:
            return
        self.timer.start()
        if self.scanner is not None:
            self.scanner.start()
        if self._stale:
            self.refresh()
        self.focus_scan()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt name
        super().hideEvent(event)
        self.timer.stop()
        if self.scanner is not None:
            self.scanner.stop()

    # ------------------------------------------------------------------ scanning

    def _serial_scanner(self) -> SerialScanner | None:
        port = str(self.ctx.settings.value(SETTING_SCANNER_PORT, "") or "").strip()
        if not port or not self.can_read:
            return None
        try:
            baud = int(str(self.ctx.settings.value(SETTING_SCANNER_BAUD, DEFAULT_BAUD)))
        except ValueError:
            baud = DEFAULT_BAUD
        scanner = SerialScanner(port, baud if baud > 0 else DEFAULT_BAUD, self)
        scanner.payload_scanned.connect(self.handle_scan)
        return scanner

    def focus_scan(self) -> None:
        self.scan.setFocus()
        self.scan.selectAll()

    def on_scan_return_pressed(self) -> None:
        text = self.scan.text()
        self.scan.clear()
        self.handle_scan(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if (
            watched is self.scan
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            self.next_patient()
            return True
        return super().eventFilter(watched, event)

    def handle_scan(self, text: str) -> None:
        """A wristband or a drug was scanned (or typed and Enter pressed)."""
        code = text.strip()
        if not code or not self.can_read or self.ctx.session is None:
            return
        self.scan.clear()
        if self.patient is None or looks_like_wristband(code):
            self._scan_wristband(code)
        else:
            self._scan_drug(self.patient.patient_id, code)

    def _scan_wristband(self, code: str) -> None:
        dose = self.panel.dose
        if dose is not None:
            # A dose is open: the wristband must be its patient's.
            self.ctx.call(
                nursing.check_wristband,
                patient_id=dose.patient_id,
                code=code,
                on_done=self._wristband_confirmed,
                on_error=self._refuse,
                owner=self,
            )
            return
        self.ctx.call(
            nursing.patient_for_wristband,
            code,
            on_done=self._wristband_found,
            on_error=self._refuse,
            owner=self,
        )

    def _wristband_found(self, patient: Patient) -> None:
        self.choose_patient(
            ChosenPatient(patient.id, patient.full_name, patient.mrn, wristband_scanned=True)
        )
        rows = self.model.rows_of(patient.id)
        if rows:
            self.table.scrollTo(self.model.index(rows[0], 0))
            show_alert(
                self.alert,
                self.tr("{name}: now scan the drug.").format(name=patient.full_name),
                level="info",
            )
        else:
            show_alert(
                self.alert,
                self.tr("{name} has no dose on this list.").format(name=patient.full_name),
                level="info",
            )
        self.focus_scan()

    def _wristband_confirmed(self, patient: Patient) -> None:
        self.choose_patient(
            ChosenPatient(patient.id, patient.full_name, patient.mrn, wristband_scanned=True),
            keep_dose=True,
        )
        self.panel.set_wristband_scanned(True)
        show_alert(
            self.alert,
            self.tr("Right patient: {name}.").format(name=patient.full_name),
            level="ok",
        )
        self.focus_scan()

    def _scan_drug(self, patient_id: str, code: str) -> None:
        self.ctx.call(
            nursing.select_dose,
            patient_id=patient_id,
            drug_code_or_barcode=code,
            now=now(),
            on_done=self._dose_selected,
            on_error=self._refuse,
            owner=self,
        )

    def _dose_selected(self, dose: ScheduledDose) -> None:
        patient = self.patient
        if patient is None or dose.patient_id != patient.patient_id:
            return  # the nurse moved on to another patient meanwhile
        self.open_dose(dose, wristband_scanned=patient.wristband_scanned)
        show_alert(
            self.alert,
            self.tr("Right drug: {drug}.").format(drug=dose.drug_name),
            level="ok",
        )

    def _refuse(self, error: BaseException) -> None:
        """Wrong patient, wrong drug, unknown code: say it loudly; nothing is written."""
        if isinstance(error, NotFound):
            text = self.tr("No patient has this wristband or record number.")
        elif isinstance(error, ValidationError):
            text = error_text(error, with_field=False)
        else:
            text = error_text(error)
        if isinstance(error, WrongDrug | NotDue):
            # The drug in hand is not the one to give: no dose stays open to record.
            self.panel.clear()
        show_alert(self.alert, text, level="error")
        self.scan.clear()
        self.focus_scan()

    # ------------------------------------------------------------------ patient and dose

    def choose_patient(self, patient: ChosenPatient, *, keep_dose: bool = False) -> None:
        """Be with `patient`: light up their rows, show their record beside the list."""
        changed = self.patient is None or self.patient.patient_id != patient.patient_id
        self.patient = patient
        if changed and not keep_dose:
            self.panel.clear()
        self.model.highlight(patient.patient_id)
        if changed:
            self.mar.set_patient(patient.patient_id)
            self.wristbands.clear()
            self._replace_vitals(patient.patient_id)
        self._show_patient()

    def next_patient(self) -> None:
        """Done with this patient: nothing chosen, the scan box ready for the next."""
        self.patient = None
        self.panel.clear()
        self.model.highlight(None)
        self.mar.set_patient(None)
        self.wristbands.clear()
        self._replace_vitals(None)
        self.table.clearSelection()
        show_alert(self.alert, "")
        self._show_patient()
        self.focus_scan()

    def _show_patient(self) -> None:
        patient = self.patient
        self.side.setVisible(patient is not None)
        self.next_button.setEnabled(patient is not None)
        if patient is None:
            self.patient_label.clear()
            self.patient_label.hide()
            return
        self.patient_label.setText(
            self.tr("Patient: {name} — {mrn}").format(name=patient.name, mrn=patient.mrn)
        )
        self.patient_label.show()

    def open_dose(self, dose: ScheduledDose, *, wristband_scanned: bool) -> None:
        """Show `dose` in the administration panel."""
        if self.patient is None or self.patient.patient_id != dose.patient_id:
            self.choose_patient(
                ChosenPatient(dose.patient_id, dose.patient_name, dose.mrn, wristband_scanned)
            )
        self.panel.set_dose(dose, wristband_scanned=wristband_scanned)
        self.side.setCurrentWidget(self.panel)
        for row, shown in enumerate(self.model.doses()):
            if (shown.order_id, shown.due_at) == (dose.order_id, dose.due_at):
                self.table.selectRow(row)
                break

    def choose_row(self, row: int) -> None:
        """A dose chosen by hand on the list (double click, Enter)."""
        if not 0 <= row < self.model.rowCount():
            return
        dose = self.model.dose_at(row)
        scanned = (
            self.patient is not None
            and self.patient.patient_id == dose.patient_id
            and self.patient.wristband_scanned
        )
        show_alert(self.alert, "")
        self.open_dose(dose, wristband_scanned=scanned)

    def on_table_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.choose_row(index.row())

    def on_selection_changed(self, *_args: object) -> None:
        if self.side.currentWidget() is self.wristbands:
            self.wristbands.set_patients(self.wristband_patients())

    def on_panel_recorded(self, event: ClinicalEvent) -> None:
        # The panel announced the change (CHART): the list is being read again.
        name = self.patient.name if self.patient is not None else ""
        show_alert(
            self.alert,
            self.tr("Recorded for {name}. Scan the next drug, or Esc for the next patient.").format(
                name=name
            ),
            level="ok",
        )
        self.focus_scan()

    def on_side_changed(self, _index: int) -> None:
        page = self.side.currentWidget()
        if page is self.wristbands:
            self.wristbands.set_patients(self.wristband_patients())
        elif page is self.vitals_page and self.patient is not None:
            self._load_vitals_chart()

    def wristband_patients(self) -> list[str]:
        """The patients whose wristbands to print: those of the selected rows, or the
        patient being cared for."""
        chosen: list[str] = []
        doses = self.model.doses()
        for index in sorted(self.table.selectionModel().selectedRows(), key=lambda i: i.row()):
            patient_id = doses[index.row()].patient_id
            if patient_id not in chosen:
                chosen.append(patient_id)
        if not chosen and self.patient is not None:
            chosen.append(self.patient.patient_id)
        return chosen

    # ------------------------------------------------------------------ vitals

    def _replace_vitals(self, patient_id: str | None) -> None:
        """A fresh vitals form per patient: nothing typed for one lands on another."""
        if self.vitals is not None:
            self._vitals_layout.removeWidget(self.vitals)
            self.vitals.deleteLater()
            self.vitals = None
        if patient_id is None:
            return
        self.vitals = VitalsTab(self.ctx, patient_id)
        # Saved only once the chart (and its open visit) is known.
        self.vitals.save_button.setEnabled(False)
        self._vitals_layout.addWidget(self.vitals)
        if self.side.currentWidget() is self.vitals_page:
            self._load_vitals_chart()

    def _load_vitals_chart(self) -> None:
        vitals = self.vitals
        if vitals is None or vitals.save_button.isEnabled():
            return
        self.ctx.call(
            chart_service.open_chart,
            vitals.patient_id,
            on_done=lambda chart: self._vitals_chart_loaded(vitals, chart),
            owner=vitals,
        )

    def _vitals_chart_loaded(self, vitals: VitalsTab, chart: Chart) -> None:
        if vitals is not self.vitals:
            return
        vitals.set_chart(chart)
        vitals.save_button.setEnabled(True)
