"""The medication administration record (MAR) of one patient for one day.

A grid like the nurses' paper drug sheet: one row per order, one column per scheduled
time of the day, and in each cell what happened — ✓ and the time it was given, held,
refused, missed — or that it is still due. As-needed doses given that day are listed in
the last column. The nurse steps from day to day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QDate,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QFont, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.services import nursing
from emr_desktop.services.nursing import Administration, DoseStatus, MarCell, MarGrid, MarRow
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.prescriptions import route_name
from emr_desktop.ui.context import CHART, SYNC, AppContext
from emr_desktop.ui.nursing import (
    STATUS_COLOURS,
    amount_text,
    clock_text,
    now,
    site_name,
    status_name,
    today,
)

_CONTEXT = "MarModel"
_Index = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_CENTER = int(Qt.AlignmentFlag.AlignCenter.value)

_DRUG_HEADER = QT_TRANSLATE_NOOP("MarModel", "Drug")
_PRN_HEADER = QT_TRANSLATE_NOOP("MarModel", "As needed")
GIVEN_MARK = "✓"


def _tr(text: object) -> str:
    return QCoreApplication.translate(_CONTEXT, str(text))


def administration_text(given: Administration) -> str:
    """One administration in a cell: "✓ 08:05", "✓ 08:05 (0,5 ống)", "held 08:10"."""
    moment = clock_text(given.at)
    if given.outcome == DoseStatus.GIVEN:
        text = f"{GIVEN_MARK} {moment}"
        if given.partial:
            text += f" ({amount_text(given.dose, given.dose_unit)})"
        return text
    return f"{status_name(given.outcome)} {moment}"


def administration_detail(given: Administration) -> str:
    """Everything recorded about one administration (a cell's tooltip)."""
    parts = [
        QCoreApplication.translate("MarModel", "{outcome} at {time} by {nurse}").format(
            outcome=status_name(given.outcome),
            time=clock_text(given.at),
            nurse=given.recorded_by_name,
        )
    ]
    if given.dose is not None:
        parts.append(amount_text(given.dose, given.dose_unit))
    if given.site:
        parts.append(site_name(given.site))
    if given.reason:
        parts.append(given.reason)
    if not given.wristband_scanned:
        parts.append(QCoreApplication.translate("MarModel", "wristband not scanned"))
    if not given.signed:
        parts.append(QCoreApplication.translate("MarModel", "not signed"))
    return " · ".join(parts)


def cell_text(cell: MarCell) -> str:
    """What a grid cell shows: the administrations recorded, else the dose's status."""
    if cell.administrations:
        return "\n".join(administration_text(a) for a in cell.administrations)
    return status_name(cell.status)


class MarModel(QAbstractTableModel):
    """Orders × scheduled times of one day, and the as-needed doses in the last column."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._times: tuple[str, ...] = ()
        self._rows: tuple[MarRow, ...] = ()
        self._cells: list[dict[str, MarCell]] = []
        self._brushes = {
            status: (QBrush(background), QBrush(text))
            for status, (background, text) in STATUS_COLOURS.items()
        }
        self._stopped = QFont()
        self._stopped.setItalic(True)

    def set_grid(self, grid: MarGrid | None) -> None:
        self.beginResetModel()
        self._times = grid.times if grid is not None else ()
        self._rows = grid.rows if grid is not None else ()
        self._cells = [{cell.time: cell for cell in row.cells} for row in self._rows]
        self.endResetModel()

    @property
    def times(self) -> tuple[str, ...]:
        return self._times

    def prn_column(self) -> int:
        return len(self._times) + 1

    def cell_at(self, row: int, column: int) -> MarCell | None:
        """The scheduled dose shown at (row, column), if any."""
        if not 0 <= row < len(self._rows) or not 1 <= column <= len(self._times):
            return None
        return self._cells[row].get(self._times[column - 1])

    def retranslate(self) -> None:
        columns = self.columnCount()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, columns - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, columns - 1))

    # ------------------------------------------------------------------ Qt model

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._times) + 2

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY
    ) -> Any:
        if role != _DISPLAY or orientation != Qt.Orientation.Horizontal:
            return None
        if section == 0:
            return _tr(_DRUG_HEADER)
        if 1 <= section <= len(self._times):
            return self._times[section - 1]
        if section == self.prn_column():
            return _tr(_PRN_HEADER)
        return None

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        row, column = index.row(), index.column()
        if not index.isValid() or not 0 <= row < len(self._rows):
            return None
        order = self._rows[row]
        if column == 0:
            return self._drug_data(order, role)
        if column == self.prn_column():
            return self._prn_data(order, role)
        cell = self.cell_at(row, column)
        if cell is None:
            return None
        if role == _DISPLAY:
            return cell_text(cell)
        if role == _ALIGN:
            return _CENTER
        if role in (_BACKGROUND, _FOREGROUND):
            brushes = self._brushes.get(cell.status)
            if brushes is None:
                return None
            return brushes[0] if role == _BACKGROUND else brushes[1]
        if role == _TOOLTIP:
            return "\n".join(administration_detail(a) for a in cell.administrations) or None
        return None

    def _drug_data(self, order: MarRow, role: int) -> Any:
        if role == _DISPLAY:
            text = (
                f"{order.drug_name}\n{amount_text(order.dose, order.dose_unit)} · "
                f"{route_name(order.route)}"
            )
            if order.as_needed:
                text += f" · {status_name(DoseStatus.AS_NEEDED)}"
            if order.stopped:
                text += " · " + QCoreApplication.translate("MarModel", "stopped")
            return text
        if role == _FONT and order.stopped:
            return self._stopped
        if role == _TOOLTIP:
            return order.instructions or None
        return None

    def _prn_data(self, order: MarRow, role: int) -> Any:
        if role == _DISPLAY:
            return "\n".join(administration_text(a) for a in order.prn)
        if role == _TOOLTIP:
            return "\n".join(administration_detail(a) for a in order.prn) or None
        if role == _ALIGN:
            return _CENTER
        return None


class MarView(QWidget):
    """The MAR of one patient, one day at a time (`set_patient` to follow another)."""

    def __init__(self, ctx: AppContext, patient_id: str | None) -> None:
        super().__init__()
        self.setObjectName("mar_view")
        self._ctx = ctx
        self.patient_id = patient_id
        self.grid: MarGrid | None = None
        self._stale = True

        self.previous_button = QPushButton()
        self.previous_button.setObjectName("mar_previous_day")
        self.next_button = QPushButton()
        self.next_button.setObjectName("mar_next_day")
        self.today_button = QPushButton()
        self.today_button.setObjectName("mar_today")
        self.day = QDateEdit()
        self.day.setObjectName("mar_day")
        self.day.setDisplayFormat("dd/MM/yyyy")
        self.day.setCalendarPopup(True)
        self._set_day(today())
        self.status = QLabel()
        self.status.setObjectName("mar_status")
        self.status.setWordWrap(True)
        self.model = MarModel(self)
        self.table = QTableView()
        self.table.setObjectName("mar_table")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.legend = QLabel()
        self.legend.setWordWrap(True)

        navigation = QHBoxLayout()
        navigation.addWidget(self.previous_button)
        navigation.addWidget(self.day)
        navigation.addWidget(self.next_button)
        navigation.addWidget(self.today_button)
        navigation.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(navigation)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.legend)

        self.previous_button.clicked.connect(lambda: self.step_day(-1))
        self.next_button.clicked.connect(lambda: self.step_day(1))
        self.today_button.clicked.connect(lambda: self.set_day(today()))
        self.day.dateChanged.connect(self.on_day_changed)
        ctx.data_changed.connect(self.on_data_changed)
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.previous_button.setText(self.tr("◀ Previous day"))
        self.next_button.setText(self.tr("Next day ▶"))
        self.today_button.setText(self.tr("Today"))
        self.legend.setText(
            self.tr(
                "✓ given (with the time); held, refused, missed: not given, "
                "the reason in the tooltip; due, overdue: still to give."
            )
        )
        self.model.retranslate()
        self._show_status()

    # ------------------------------------------------------------------ day

    def current_day(self) -> date:
        value: date = self.day.date().toPython()  # type: ignore[assignment]
        return value

    def _set_day(self, day: date) -> None:
        self.day.setDate(QDate(day.year, day.month, day.day))

    def set_day(self, day: date) -> None:
        """Show the MAR of `day` (local date)."""
        self._set_day(day)

    def step_day(self, days: int) -> None:
        self.set_day(self.current_day() + timedelta(days=days))

    def on_day_changed(self, _day: QDate) -> None:
        self._stale = True
        self.refresh_if_shown()

    # ------------------------------------------------------------------ data

    def set_patient(self, patient_id: str | None) -> None:
        """Follow another patient (None: nobody), from today."""
        if patient_id == self.patient_id:
            return
        self.patient_id = patient_id
        self.grid = None
        self.model.set_grid(None)
        self.day.blockSignals(True)
        self._set_day(today())
        self.day.blockSignals(False)
        self._stale = True
        self._show_status()
        self.refresh_if_shown()

    def refresh_if_shown(self) -> None:
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Read the grid of the chosen day (in the background)."""
        patient_id = self.patient_id
        if patient_id is None or self._ctx.session is None:
            return
        self._stale = False
        day = self.current_day()
        self._ctx.call(
            nursing.mar_grid,
            patient_id=patient_id,
            day=day,
            now=now(),
            on_done=lambda grid: self._show_grid(patient_id, day, grid),
            key=f"mar-{id(self)}",
            owner=self,
        )

    def _show_grid(self, patient_id: str, day: date, grid: MarGrid) -> None:
        if patient_id != self.patient_id or day != self.current_day():
            return
        self.grid = grid
        self.model.set_grid(grid)
        self._show_status()

    def _show_status(self) -> None:
        if self.patient_id is None:
            self.status.setText(self.tr("Choose a patient to see the medication record."))
        elif self.grid is None:
            self.status.setText(self.tr("Reading…"))
        elif not self.grid.rows:
            self.status.setText(self.tr("No medication on this day."))
        else:
            self.status.setText(self.tr("%n drug(s) on this day.", "", len(self.grid.rows)))

    def on_data_changed(self, kind: str, patient_id: str) -> None:
        if kind not in (CHART, SYNC) or (patient_id and patient_id != self.patient_id):
            return
        self._stale = True
        self.refresh_if_shown()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        if self._stale:
            self.refresh()
