"""The ward board: the beds of a department with their current patients (DESIGN §6).

A nurse or doctor picks the department once (remembered on this PC) and sees every bed:
who lies there, age and sex, the day of the stay, the attending doctor; free beds stand
out in green, patients still waiting for a bed in orange. Double-click (or Enter) opens the
chart. The board follows admissions, transfers and discharges made anywhere — on this PC
or pulled from the server — and an administrator adds departments and beds beside it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.core.records import Bed, Department, DepartmentKind
from emr_desktop.core.timeutil import VIETNAM_TZ, utc_now
from emr_desktop.services import wards
from emr_desktop.services.wards import BoardRow
from emr_desktop.ui import i18n
from emr_desktop.ui.context import CHART, SYNC, WARD, AppContext
from emr_desktop.ui.labels import age_text, label, local_time

_FREE_BACKGROUND = QColor("#e3f4e6")
_FREE_TEXT = QColor("#1b6e2f")
_WAITING_BACKGROUND = QColor("#fff1dc")
SETTING_DEPARTMENT = "ward/department_id"

#: Kinds of department an administrator may create here, with their names.
_DEPARTMENT_KINDS = {
    DepartmentKind.INPATIENT: QT_TRANSLATE_NOOP("WardBoard", "inpatient ward"),
    DepartmentKind.EMERGENCY: QT_TRANSLATE_NOOP("WardBoard", "emergency and intensive care"),
    DepartmentKind.OUTPATIENT: QT_TRANSLATE_NOOP("WardBoard", "outpatient clinic (no beds)"),
}


def day_of_stay(admitted: date, today: date) -> int:
    """The day of the stay as wards count it: the day of admission is day 1."""
    return max(1, (today - admitted).days + 1)


class BoardModel(QAbstractTableModel):
    """The rows of one department's board; `patients_shown` is False for roles that may
    not see patients (the beds alone are listed)."""

    BED, PATIENT, AGE_SEX, DAY, ATTENDING, REASON = range(6)
    _HEADERS = (
        QT_TRANSLATE_NOOP("BoardModel", "Bed"),
        QT_TRANSLATE_NOOP("BoardModel", "Patient"),
        QT_TRANSLATE_NOOP("BoardModel", "Age / sex"),
        QT_TRANSLATE_NOOP("BoardModel", "Day of stay"),
        QT_TRANSLATE_NOOP("BoardModel", "Attending doctor"),
        QT_TRANSLATE_NOOP("BoardModel", "Reason for admission"),
    )

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[BoardRow] = []
        self.patients_shown = True
        self.today = utc_now().astimezone(VIETNAM_TZ).date()

    def set_rows(self, rows: list[BoardRow], *, patients_shown: bool = True) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.patients_shown = patients_shown
        self.today = utc_now().astimezone(VIETNAM_TZ).date()
        self.endResetModel()

    def row_at(self, row: int) -> BoardRow:
        return self._rows[row]

    def rows(self) -> list[BoardRow]:
        return list(self._rows)

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._HEADERS) - 1)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(self._HEADERS) - 1)
            )

    # ------------------------------------------------------------------ Qt model

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._HEADERS)
        ):
            return QCoreApplication.translate("BoardModel", str(self._HEADERS[section]))
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.UserRole:
            return row.patient_id
        if role == Qt.ItemDataRole.ToolTipRole and row.admitted_at is not None:
            return QCoreApplication.translate("BoardModel", "Admitted {time}").format(
                time=local_time(row.admitted_at)
            )
        if not self.patients_shown:
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.free:
                return QBrush(_FREE_BACKGROUND)
            if row.bed_id is None:
                return QBrush(_WAITING_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole and row.free:
            return QBrush(_FREE_TEXT)
        if role == Qt.ItemDataRole.FontRole and column == self.BED:
            font = QFont()
            font.setBold(True)
            font.setItalic(row.bed_id is None)
            return font
        return None

    def _text(self, row: BoardRow, column: int) -> str:
        if column == self.BED:
            return row.bed_code or QCoreApplication.translate("BoardModel", "no bed yet")
        if column == self.PATIENT:
            if not self.patients_shown:
                return ""
            if row.free:
                return QCoreApplication.translate("BoardModel", "Free")
            return f"{row.patient_name} — {row.mrn}" if row.mrn else row.patient_name or ""
        if row.free:
            return ""
        if column == self.AGE_SEX:
            parts = [age_text(row.date_of_birth, self.today), label("sex", row.sex)]
            return ", ".join(p for p in parts if p)
        if column == self.DAY and row.admitted_at is not None:
            return str(day_of_stay(row.admitted_at.astimezone(VIETNAM_TZ).date(), self.today))
        if column == self.ATTENDING:
            return row.attending_name or ""
        if column == self.REASON:
            return row.reason or ""
        return ""


class DepartmentForm(QGroupBox):
    """An administrator's form: a new department, and new beds for the chosen one."""

    def __init__(self, board: WardBoard) -> None:
        super().__init__()
        self.setObjectName("department_form")
        self._board = board
        self.department_code = QLineEdit()
        self.department_code.setObjectName("department_code")
        self.department_code.setMaxLength(20)
        self.department_name = QLineEdit()
        self.department_name.setObjectName("department_name")
        self.department_kind = QComboBox()
        self.department_kind.setObjectName("department_kind")
        for kind in _DEPARTMENT_KINDS:
            self.department_kind.addItem("", str(kind))
        self.add_department = QPushButton()
        self.add_department.setObjectName("add_department")
        self.department_error = _error_label("department_error")

        self.bed_code = QLineEdit()
        self.bed_code.setObjectName("bed_code")
        self.bed_code.setMaxLength(20)
        self.add_bed = QPushButton()
        self.add_bed.setObjectName("add_bed")
        self.bed_error = _error_label("bed_error")
        self.bed_hint = QLabel()
        self.bed_hint.setWordWrap(True)

        self._code_label, self._name_label, self._kind_label = QLabel(), QLabel(), QLabel()
        self._bed_label = QLabel()
        form = QFormLayout()
        form.addRow(self._code_label, self.department_code)
        form.addRow(self._name_label, self.department_name)
        form.addRow(self._kind_label, self.department_kind)
        form.addRow("", self.add_department)
        form.addRow("", self.department_error)
        form.addRow(self._bed_label, self.bed_code)
        form.addRow("", self.add_bed)
        form.addRow("", self.bed_error)
        form.addRow(self.bed_hint)
        self.setLayout(form)

        self.add_department.clicked.connect(self._add_department)
        self.department_name.returnPressed.connect(self._add_department)
        self.add_bed.clicked.connect(self._add_bed)
        self.bed_code.returnPressed.connect(self._add_bed)
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.setTitle(self.tr("Departments and beds"))
        self._code_label.setText(self.tr("Department &code"))
        self._code_label.setBuddy(self.department_code)
        self._name_label.setText(self.tr("Department &name"))
        self._name_label.setBuddy(self.department_name)
        self._kind_label.setText(self.tr("Kind"))
        self.department_name.setPlaceholderText(self.tr("e.g. Khoa Nội tổng hợp"))
        for i in range(self.department_kind.count()):
            kind = DepartmentKind(self.department_kind.itemData(i))
            self.department_kind.setItemText(
                i, QCoreApplication.translate("WardBoard", str(_DEPARTMENT_KINDS[kind]))
            )
        self.add_department.setText(self.tr("Add department"))
        self._bed_label.setText(self.tr("New &bed"))
        self._bed_label.setBuddy(self.bed_code)
        self.bed_code.setPlaceholderText(self.tr("e.g. P201-G1"))
        self.add_bed.setText(self.tr("Add bed to the chosen department"))
        self.bed_hint.setText(
            self.tr("Press Enter after each bed code to add beds one after another.")
        )

    def _add_department(self) -> None:
        self.department_error.clear()
        code, name = self.department_code.text().strip(), self.department_name.text().strip()
        if not code or not name:
            self.department_error.setText(self.tr("Enter the department's code and name."))
            return
        self.add_department.setEnabled(False)
        self._board.ctx.call(
            wards.add_department,
            code=code,
            name=name,
            kind=self.department_kind.currentData(),
            on_done=self._department_added,
            on_error=self._department_failed,
        )

    def _department_added(self, department: Department) -> None:
        self.add_department.setEnabled(True)
        self.department_code.clear()
        self.department_name.clear()
        self._board.ctx.inform(self.tr("Department {name} added.").format(name=department.name))
        self._board.ctx.data_changed.emit(WARD, "")
        self._board.load_departments(select=department.id)

    def _department_failed(self, error: BaseException) -> None:
        self.add_department.setEnabled(True)
        self.department_error.setText(i18n.error_text(error, with_field=False))

    def _add_bed(self) -> None:
        self.bed_error.clear()
        department_id = self._board.department_id()
        code = self.bed_code.text().strip()
        if department_id is None:
            self.bed_error.setText(self.tr("Choose the department first."))
            return
        if not code:
            self.bed_error.setText(self.tr("Enter the bed's code."))
            return
        self.add_bed.setEnabled(False)
        self._board.ctx.call(
            wards.add_bed,
            department_id=department_id,
            code=code,
            on_done=self._bed_added,
            on_error=self._bed_failed,
        )

    def _bed_added(self, bed: Bed) -> None:
        self.add_bed.setEnabled(True)
        self.bed_code.clear()
        self.bed_code.setFocus()
        self._board.ctx.data_changed.emit(WARD, "")

    def _bed_failed(self, error: BaseException) -> None:
        self.add_bed.setEnabled(True)
        text = i18n.error_text(error, with_field=not isinstance(error, ValidationError))
        self.bed_error.setText(text)


def _error_label(name: str) -> QLabel:
    error = QLabel()
    error.setObjectName(name)
    error.setWordWrap(True)
    error.setStyleSheet("color: #b00020;")
    return error


class WardBoard(QWidget):
    """Choose a department; see its beds and patients; open a chart from there."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("ward_board")
        self.ctx = ctx
        session = ctx.session
        role = session.role if session is not None else ""
        self._patients_shown = bool(role) and allows(role, Permission.PATIENT_READ)
        self._stale = True
        self._departments_stale = False
        self._departments: list[Department] = []

        self.department = QComboBox()
        self.department.setObjectName("department")
        self.department.setMinimumWidth(260)
        self.summary = QLabel()
        self.summary.setObjectName("ward_summary")
        self.refresh_button = QPushButton()
        self.refresh_button.setObjectName("refresh_ward")
        self.notice = QLabel()
        self.notice.setObjectName("ward_notice")
        self.notice.setWordWrap(True)
        self.model = BoardModel()
        self.view = QTableView()
        self.view.setObjectName("ward_table")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(False)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self._department_label = QLabel()
        self._department_label.setBuddy(self.department)
        top = QHBoxLayout()
        top.addWidget(self._department_label)
        top.addWidget(self.department)
        top.addWidget(self.refresh_button)
        top.addSpacing(12)
        top.addWidget(self.summary, 1)
        board = QVBoxLayout()
        board.addLayout(top)
        board.addWidget(self.notice)
        board.addWidget(self.view, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(board, 1)
        self.form: DepartmentForm | None = None
        if role and allows(role, Permission.USER_MANAGE):
            self.form = DepartmentForm(self)
            self.form.setMaximumWidth(360)
            layout.addWidget(self.form)

        self.department.currentIndexChanged.connect(self._department_chosen)
        self.refresh_button.clicked.connect(self.refresh)
        # Double-click with the mouse, Enter from the keyboard (`activated` depends on the
        # platform: single click on some).
        self.view.doubleClicked.connect(self._open_chart)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), self.view)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda: self._open_chart(self.view.currentIndex()))
        ctx.data_changed.connect(self._data_changed)
        i18n.watch_language(self, self.retranslate)
        if session is not None:
            self.load_departments()

    def retranslate(self) -> None:
        self._department_label.setText(self.tr("&Department"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.model.retranslate()
        self._show_summary()
        if not self._patients_shown:
            self.notice.setText(
                self.tr("Your role does not see patients: only the beds are listed.")
            )
        elif not self._departments:
            self.notice.setText(
                self.tr("No ward yet: an administrator adds departments and their beds.")
            )
        else:
            self.notice.clear()
        self.notice.setVisible(bool(self.notice.text()))

    # ------------------------------------------------------------------ loading

    def department_id(self) -> str | None:
        value = self.department.currentData()
        return str(value) if value else None

    def load_departments(self, select: str | None = None) -> None:
        """Fetch the wards (in the background) and choose `select` or the remembered one."""
        self.ctx.call(
            wards.list_departments,
            wards_only=True,
            on_done=lambda found: self._show_departments(found, select),
            key="ward-departments",
        )

    def _show_departments(self, departments: list[Department], select: str | None) -> None:
        wanted = (
            select or self.department_id() or str(self.ctx.settings.value(SETTING_DEPARTMENT, ""))
        )
        self._departments = departments
        self.department.blockSignals(True)
        self.department.clear()
        for department in departments:
            self.department.addItem(f"{department.name} ({department.code})", department.id)
        index = max(0, self.department.findData(wanted))
        self.department.setCurrentIndex(index if departments else -1)
        self.department.blockSignals(False)
        self.retranslate()
        self._stale = True
        # Read the board when it is looked at: every read is audited as a look at patients.
        if self.isVisible():
            self.refresh()

    def _department_chosen(self, _index: int) -> None:
        department_id = self.department_id()
        if department_id:
            self.ctx.settings.setValue(SETTING_DEPARTMENT, department_id)
        self._stale = True
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Read the chosen department's board again (in the background)."""
        department_id = self.department_id()
        if self.ctx.session is None:
            return
        if department_id is None:
            self.model.set_rows([])
            self._show_summary()
            return
        self._stale = False
        if self._patients_shown:
            self.ctx.call(
                wards.ward_board,
                department_id,
                on_done=lambda rows: self._show_rows(department_id, rows, True),
                key="ward-board",
            )
        else:
            self.ctx.call(
                wards.list_beds,
                department_id,
                on_done=lambda beds: self._show_rows(
                    department_id, [BoardRow(bed_id=b.id, bed_code=b.code) for b in beds], False
                ),
                key="ward-board",
            )

    def _show_rows(self, department_id: str, rows: list[BoardRow], shown: bool) -> None:
        if department_id != self.department_id():
            return  # the user chose another department meanwhile
        selected = self._selected_patient()
        self.model.set_rows(rows, patients_shown=shown)
        if selected is not None:
            for i, row in enumerate(rows):
                if row.patient_id == selected:
                    self.view.selectRow(i)
        self._show_summary()

    def _selected_patient(self) -> str | None:
        indexes = self.view.selectionModel().selectedRows()
        return self.model.row_at(indexes[0].row()).patient_id if indexes else None

    def _show_summary(self) -> None:
        rows = self.model.rows()
        if not rows:
            self.summary.clear()
            return
        beds = len({r.bed_id for r in rows if r.bed_id is not None})
        text = self.tr("%n bed(s)", "", beds)
        if self.model.patients_shown:
            free = sum(1 for r in rows if r.free)
            patients = sum(1 for r in rows if not r.free)
            waiting = sum(1 for r in rows if not r.free and r.bed_id is None)
            text += " · " + self.tr("%n free", "", free)
            text += " · " + self.tr("%n patient(s)", "", patients)
            if waiting:
                text += " · " + self.tr("%n without a bed", "", waiting)
        self.summary.setText(text)

    # ------------------------------------------------------------------ events

    def _data_changed(self, kind: str, _patient_id: str) -> None:
        if kind not in (WARD, CHART, SYNC):
            return
        # A ward or sync change may bring a new department: its list brings the board along.
        departments_too = kind in (WARD, SYNC)
        if not self.isVisible():
            self._stale = True
            self._departments_stale = self._departments_stale or departments_too
        elif departments_too:
            self.load_departments()
        else:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        if self.ctx.session is None:
            return
        if self._departments_stale:
            self._departments_stale = False
            self.load_departments()
        elif self._stale:
            self.refresh()

    def _open_chart(self, index: QModelIndex) -> None:
        if not self._patients_shown or not index.isValid():
            return
        patient_id = self.model.row_at(index.row()).patient_id
        if patient_id:
            self.ctx.open_chart_requested.emit(patient_id)
