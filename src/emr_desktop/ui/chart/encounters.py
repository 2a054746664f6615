"""The chart's visits and stays: start a visit, admit, transfer, discharge.

Each action opens a short form under the list (never a modal box): the department and bed
come from the facility's own lists, free beds only; the result of a stay uses the QĐ 130
codes the insurance claim needs. Errors appear beside the field they concern.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
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
from shiboken6 import isValid

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.core.records import (
    Department,
    DepartmentKind,
    Encounter,
    EncounterKind,
    EncounterStatus,
)
from emr_desktop.services import clinical
from emr_desktop.services.chart import (
    Chart,
    ChartEncounter,
    FacilityDirectory,
    facility_directory,
)
from emr_desktop.ui import context, i18n
from emr_desktop.ui.chart.banner import edited_moment, moment_edit, reset_moment
from emr_desktop.ui.chart.timeline import (
    discharge_type_codes,
    discharge_type_name,
    treatment_result_codes,
    treatment_result_name,
)
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.i18n import error_text
from emr_desktop.ui.labels import label, local_time

_Index = QModelIndex | QPersistentModelIndex

_HEADERS: tuple[object, ...] = (
    QT_TRANSLATE_NOOP("EncountersModel", "Kind"),
    QT_TRANSLATE_NOOP("EncountersModel", "Status"),
    QT_TRANSLATE_NOOP("EncountersModel", "Started"),
    QT_TRANSLATE_NOOP("EncountersModel", "Ended"),
    QT_TRANSLATE_NOOP("EncountersModel", "Department"),
    QT_TRANSLATE_NOOP("EncountersModel", "Reason"),
)
KIND, STATUS, STARTED, ENDED, DEPARTMENT, REASON = range(len(_HEADERS))

# Departments a patient is admitted or transferred to, and those a visit happens in.
_WARD_KINDS = (DepartmentKind.INPATIENT, DepartmentKind.EMERGENCY)
_VISIT_KINDS = (DepartmentKind.OUTPATIENT, DepartmentKind.EMERGENCY)

VISIT, ADMIT, TRANSFER, DISCHARGE = "visit", "admit", "transfer", "discharge"


def _time(text: str | None) -> str:
    return local_time(datetime.fromisoformat(text)) if text else ""


class EncountersModel(QAbstractTableModel):
    """The chart's visits and stays, newest first."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[ChartEncounter] = []
        self._directory: FacilityDirectory | None = None

    def set_encounters(self, encounters: tuple[ChartEncounter, ...]) -> None:
        self.beginResetModel()
        self._rows = list(reversed(encounters))
        self.endResetModel()

    def set_directory(self, directory: FacilityDirectory) -> None:
        self._directory = directory
        self.retranslate()

    def retranslate(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, REASON))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(_HEADERS) - 1)

    def encounter_at(self, row: int) -> ChartEncounter:
        return self._rows[row]

    def row_of(self, encounter_id: str) -> int:
        """The row of an encounter, or -1."""
        return next((i for i, e in enumerate(self._rows) if e.id == encounter_id), -1)

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
            return QCoreApplication.translate("EncountersModel", str(_HEADERS[section]))
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        encounter = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == KIND:
                return label("encounter_kind", encounter.kind)
            if column == STATUS:
                return label("encounter_status", encounter.status)
            if column == STARTED:
                return _time(encounter.started_at)
            if column == ENDED:
                return _time(encounter.ended_at)
            if column == DEPARTMENT:
                directory = self._directory
                if directory is None:
                    return ""
                name = directory.department_name(encounter.department_id)
                bed = directory.bed_code(directory.bed_of_encounter(encounter.id))
                return f"{name} · {bed}" if name and bed else name
            if column == REASON:
                return encounter.reason or ""
            return None
        if role == Qt.ItemDataRole.FontRole and encounter.status == EncounterStatus.IN_PROGRESS:
            font = QFont()
            font.setBold(True)
            return font
        return None


class _Field(QWidget):
    """An input with its error shown right under it."""

    def __init__(self, editor: QWidget, name: str) -> None:
        super().__init__()
        self.editor = editor
        self.error = QLabel()
        self.error.setObjectName(f"{name}_error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(editor)
        layout.addWidget(self.error)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))


class EncountersTab(QWidget):
    """The list of visits and stays, and the forms that open, move and close them."""

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__()
        self.setObjectName("encounters_tab")
        self._ctx = ctx
        self.patient_id = patient_id
        self._chart: Chart | None = None
        self._directory = FacilityDirectory(staff={}, departments=(), beds=())
        self._action: str | None = None
        self._selected_id: str | None = None

        self.model = EncountersModel()
        self.table = QTableView()
        self.table.setObjectName("encounters_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setSectionResizeMode(REASON, QHeaderView.ResizeMode.Stretch)
        for column, width in ((KIND, 140), (STATUS, 110), (STARTED, 130), (ENDED, 130)):
            self.table.horizontalHeader().resizeSection(column, width)
        self.table.horizontalHeader().resizeSection(DEPARTMENT, 200)

        self.visit_button = QPushButton()
        self.visit_button.setObjectName("start_visit")
        self.admit_button = QPushButton()
        self.admit_button.setObjectName("admit")
        self.transfer_button = QPushButton()
        self.transfer_button.setObjectName("transfer")
        self.discharge_button = QPushButton()
        self.discharge_button.setObjectName("discharge")
        buttons = QHBoxLayout()
        for button in (
            self.visit_button,
            self.admit_button,
            self.transfer_button,
            self.discharge_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self._build_form()
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.form_box)

        self.visit_button.clicked.connect(lambda: self.open_form(VISIT))
        self.admit_button.clicked.connect(lambda: self.open_form(ADMIT))
        self.transfer_button.clicked.connect(lambda: self.open_form(TRANSFER))
        self.discharge_button.clicked.connect(lambda: self.open_form(DISCHARGE))
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.department.currentIndexChanged.connect(self._fill_beds)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.close_form)
        i18n.watch_language(self, self.retranslate)
        self._update_buttons()

    def _build_form(self) -> None:
        self.form_box = QGroupBox()
        self.form_box.setObjectName("encounter_form")
        self.kind = QComboBox()
        self.kind.setObjectName("visit_kind")
        self.department = QComboBox()
        self.department.setObjectName("department")
        self.bed = QComboBox()
        self.bed.setObjectName("bed")
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setMaxLength(500)
        self.treatment_result = QComboBox()
        self.treatment_result.setObjectName("treatment_result")
        self.discharge_type = QComboBox()
        self.discharge_type.setObjectName("discharge_type")
        self.ended_at = moment_edit()
        self.ended_at.setObjectName("ended_at")
        self.no_departments = QLabel()
        self.no_departments.setObjectName("no_departments")
        self.no_departments.setWordWrap(True)
        self.no_departments.setStyleSheet("color: #b35c00;")
        self.fields = {
            "encounter_kind": _Field(self.kind, "visit_kind"),
            "department_id": _Field(self.department, "department"),
            "bed_id": _Field(self.bed, "bed"),
            "reason": _Field(self.reason, "reason"),
            "treatment_result": _Field(self.treatment_result, "treatment_result"),
            "discharge_type": _Field(self.discharge_type, "discharge_type"),
            "ended_at": _Field(self.ended_at, "ended_at"),
        }
        self._labels = {name: QLabel() for name in self.fields}
        self.form = QFormLayout()
        for name, field in self.fields.items():
            self._labels[name].setBuddy(field.editor)
            self.form.addRow(self._labels[name], field)
        self.error = QLabel()
        self.error.setObjectName("encounter_error")
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error.setWordWrap(True)
        self.save_button = QPushButton()
        self.save_button.setObjectName("save_encounter")
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("cancel_encounter")
        row = QHBoxLayout()
        row.addWidget(self.error, 1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.save_button)
        box = QVBoxLayout(self.form_box)
        box.addWidget(self.no_departments)
        box.addLayout(self.form)
        box.addLayout(row)
        self.form_box.hide()

    def retranslate(self) -> None:
        self.visit_button.setText(self.tr("Start &visit"))
        self.admit_button.setText(self.tr("&Admit"))
        self.transfer_button.setText(self.tr("&Transfer"))
        self.discharge_button.setText(self.tr("&Discharge / end visit"))
        names = {
            "encounter_kind": self.tr("Kind of visit"),
            "department_id": self.tr("Department"),
            "bed_id": self.tr("Bed"),
            "reason": self.tr("Reason"),
            "treatment_result": self.tr("Treatment result"),
            "discharge_type": self.tr("Discharge type"),
            "ended_at": self.tr("Ended at"),
        }
        for name, text in names.items():
            self._labels[name].setText(text)
        self.reason.setPlaceholderText(self.tr("e.g. fever for 3 days"))
        self.save_button.setText(self.tr("Save"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.no_departments.setText(
            self.tr("No department is set up for this. Ask the IT staff to add the departments.")
        )
        self._fill_codes()
        self._set_form_title()
        self.model.retranslate()

    # ------------------------------------------------------------------ data
    def set_chart(self, chart: Chart) -> None:
        self.patient_id = chart.patient.id
        self._chart = chart
        self.model.set_encounters(chart.encounters)
        row = self.model.row_of(self._selected_id) if self._selected_id else -1
        if row < 0:
            current = [e for e in chart.encounters if e.status == EncounterStatus.IN_PROGRESS]
            row = self.model.row_of(current[-1].id) if current else -1
        if row >= 0:
            self.table.selectRow(row)
        self._update_buttons()

    def set_directory(self, directory: FacilityDirectory) -> None:
        self._directory = directory
        self.model.set_directory(directory)
        if self._action is not None:
            self._fill_departments()

    def selected_encounter(self) -> ChartEncounter | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.encounter_at(rows[0].row()) if rows else None

    def _on_selection_changed(self) -> None:
        selected = self.selected_encounter()
        self._selected_id = selected.id if selected is not None else None
        self._update_buttons()

    def _update_buttons(self) -> None:
        session = self._ctx.session
        can_write = session is not None and allows(session.role, Permission.ENCOUNTER_WRITE)
        for button in (
            self.visit_button,
            self.admit_button,
            self.transfer_button,
            self.discharge_button,
        ):
            button.setVisible(can_write)
        encounters = self._chart.encounters if self._chart is not None else ()
        open_kinds = {e.kind for e in encounters if e.status == EncounterStatus.IN_PROGRESS}
        selected = self.selected_encounter()
        selected_open = selected is not None and selected.status == EncounterStatus.IN_PROGRESS
        idle = self._action is None and self._chart is not None
        self.visit_button.setEnabled(idle and not open_kinds)
        self.admit_button.setEnabled(idle and EncounterKind.INPATIENT not in open_kinds)
        self.transfer_button.setEnabled(
            idle and selected_open and selected is not None and selected.kind == "inpatient"
        )
        self.discharge_button.setEnabled(idle and selected_open)

    # ------------------------------------------------------------------ forms
    def open_form(self, action: str) -> None:
        """Show the form of `action` (VISIT, ADMIT, TRANSFER, DISCHARGE) under the list."""
        self._action = action
        self._clear_errors()
        self.reason.clear()
        reset_moment(self.ended_at)
        self.kind.setCurrentIndex(0)
        self.treatment_result.setCurrentIndex(0)
        self.discharge_type.setCurrentIndex(0)
        shown = {
            VISIT: ("encounter_kind", "department_id", "reason"),
            ADMIT: ("department_id", "bed_id", "reason"),
            TRANSFER: ("department_id", "bed_id"),
            DISCHARGE: ("treatment_result", "discharge_type", "ended_at"),
        }[action]
        for name, field in self.fields.items():
            self.form.setRowVisible(field, name in shown)
        self._fill_departments()
        self._set_form_title()
        self.form_box.show()
        self._update_buttons()
        first = self.fields[shown[0]].editor
        first.setFocus()
        # The beds taken change all day: fetch them fresh for this form.
        self._ctx.call(
            facility_directory,
            on_done=self._on_places,
            on_error=self._show_error,
            key=f"places:{self.patient_id}",
        )

    def close_form(self) -> None:
        self._action = None
        self.form_box.hide()
        self._update_buttons()

    def _on_places(self, directory: FacilityDirectory) -> None:
        if isValid(self):
            self.set_directory(directory)

    def _set_form_title(self) -> None:
        titles = {
            VISIT: self.tr("Start a visit"),
            ADMIT: self.tr("Admit the patient"),
            TRANSFER: self.tr("Transfer to another department or bed"),
            DISCHARGE: self.tr("Discharge / end the visit"),
        }
        self.form_box.setTitle(titles.get(self._action or "", ""))

    def _fill_codes(self) -> None:
        for combo, values in (
            (self.kind, [(k, label("encounter_kind", k)) for k in ("outpatient", "emergency")]),
            (
                self.treatment_result,
                [(c, f"{c} – {treatment_result_name(c)}") for c in treatment_result_codes()],
            ),
            (
                self.discharge_type,
                [(c, f"{c} – {discharge_type_name(c)}") for c in discharge_type_codes()],
            ),
        ):
            chosen = combo.currentData()
            combo.clear()
            for code, text in values:
                combo.addItem(text, code)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))

    def _departments(self) -> list[Department]:
        kinds = _VISIT_KINDS if self._action == VISIT else _WARD_KINDS
        return [d for d in self._directory.departments if d.kind in kinds]

    def _fill_departments(self) -> None:
        chosen = self.department.currentData()
        departments = self._departments()
        self.department.blockSignals(True)
        self.department.clear()
        if self._action == VISIT:
            self.department.addItem(self.tr("(not specified)"), "")
        for department in departments:
            self.department.addItem(f"{department.code} – {department.name}", department.id)
        self.department.setCurrentIndex(max(0, self.department.findData(chosen)))
        self.department.blockSignals(False)
        needs_department = self._action in (ADMIT, TRANSFER)
        self.no_departments.setVisible(needs_department and not departments)
        self.save_button.setEnabled(not (needs_department and not departments))
        self._fill_beds()

    def _fill_beds(self) -> None:
        chosen = self.bed.currentData()
        directory = self._directory
        self.bed.clear()
        self.bed.addItem(self.tr("(no bed yet)"), "")
        beds = directory.beds_of(self.department.currentData())
        # Free beds first; a full district ward puts two patients in one bed, so the
        # taken ones stay choosable, marked.
        for bed in beds:
            if bed.id not in directory.occupied_beds:
                self.bed.addItem(self.tr("Bed {code}").format(code=bed.code), bed.id)
        for bed in beds:
            if bed.id in directory.occupied_beds:
                self.bed.addItem(
                    self.tr("Bed {code} (taken: shared bed)").format(code=bed.code), bed.id
                )
        self.bed.setCurrentIndex(max(0, self.bed.findData(chosen)))

    def save(self) -> None:
        """Send the open form to the service; the chart reloads when it is done."""
        action = self._action
        if action is None or self._ctx.session is None:
            return
        self._clear_errors()
        department = self.department.currentData() or None
        bed = self.bed.currentData() or None
        reason = self.reason.text().strip() or None
        selected = self.selected_encounter()
        if action in (ADMIT, TRANSFER) and department is None:
            self.fields["department_id"].show_error(self.tr("Choose a department"))
            return
        if action in (TRANSFER, DISCHARGE) and selected is None:
            self.error.setText(self.tr("Select the visit or stay in the list first"))
            return
        self.save_button.setEnabled(False)
        done, failed = self._on_saved, self._on_failed
        if action == VISIT:
            self._ctx.call(
                clinical.start_encounter,
                patient_id=self.patient_id,
                kind=self.kind.currentData(),
                reason=reason,
                department_id=department,
                on_done=done,
                on_error=failed,
            )
        elif action == ADMIT:
            self._ctx.call(
                clinical.start_encounter,
                patient_id=self.patient_id,
                kind=EncounterKind.INPATIENT.value,
                reason=reason,
                department_id=department,
                bed_id=bed,
                on_done=done,
                on_error=failed,
            )
        elif action == TRANSFER and selected is not None:
            self._ctx.call(
                clinical.transfer_patient,
                selected.id,
                department_id=department,
                bed_id=bed,
                on_done=done,
                on_error=failed,
            )
        elif action == DISCHARGE and selected is not None:
            self._ctx.call(
                clinical.discharge_patient,
                selected.id,
                treatment_result=self.treatment_result.currentData(),
                discharge_type=self.discharge_type.currentData(),
                ended_at=edited_moment(self.ended_at),
                on_done=done,
                on_error=failed,
            )

    def _on_saved(self, encounter: Encounter) -> None:
        if not isValid(self):
            return
        self._selected_id = encounter.id
        self.save_button.setEnabled(True)
        self.close_form()
        self._ctx.data_changed.emit(context.CHART, self.patient_id)
        self._ctx.data_changed.emit(context.WARD, "")

    def _on_failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self.save_button.setEnabled(True)
        self._show_error(error)

    def _show_error(self, error: BaseException) -> None:
        if not isValid(self):
            return
        if isinstance(error, ValidationError) and error.field in self.fields:
            self.fields[error.field].show_error(error_text(error, with_field=False))
        else:
            self.error.setText(error_text(error))

    def _clear_errors(self) -> None:
        self.error.clear()
        for field in self.fields.values():
            field.show_error("")
