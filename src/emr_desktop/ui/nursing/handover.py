"""The shift handover of a ward: what each patient's medication did during the shift.

Vietnamese district hospitals hand over three times a day. The shifts here start at
07:00, 14:00 and 21:00 Vietnam time (`SHIFT_STARTS`): morning 07–14, afternoon 14–21 and
night 21–07, which crosses midnight. The screen opens on the shift in progress; the nurse
who hands over a few minutes late steps back to the previous one.

Per patient: doses given, held, refused, missed and still overdue, as-needed doses given,
orders started and stopped in the shift, and the latest vital signs. The whole handover
can be copied as plain text (into the nursing note or a message to the next shift).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, ClassVar

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.core.errors import NotFound
from emr_desktop.core.records import MedicationOrder, VitalSigns
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.services import nursing
from emr_desktop.services.auth import Session
from emr_desktop.services.nursing import Administration, Handover, HandoverPatient, ScheduledDose
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import CHART, SYNC, WARD, AppContext
from emr_desktop.ui.labels import label
from emr_desktop.ui.nursing import amount_text, clock_text, now

#: Local start of each shift, in the order of the day.
SHIFT_STARTS = (time(7, 0), time(14, 0), time(21, 0))

_CONTEXT = "HandoverModel"
_Index = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_CENTER = int(Qt.AlignmentFlag.AlignCenter.value)
_ATTENTION = QColor("#ffcdd2")


def _tr(text: object) -> str:
    return QCoreApplication.translate(_CONTEXT, str(text))


def shift_bounds(moment: datetime, offset: int = 0) -> tuple[datetime, datetime]:
    """The shift in progress at `moment` (`offset` -1: the one before, 1: the one after),
    as aware datetimes in Vietnam time: [start, end)."""
    local = moment.astimezone(VIETNAM_TZ)
    starts = [
        datetime.combine(local.date() + timedelta(days=day), start, tzinfo=VIETNAM_TZ)
        for day in (-1, 0, 1)
        for start in SHIFT_STARTS
    ]
    current = max(i for i, start in enumerate(starts) if start <= local)
    # Enough shifts either side for any offset: walk whole days.
    index = current + offset
    day_shift, within = divmod(index, len(SHIFT_STARTS))
    first_day = local.date() - timedelta(days=1)
    start_day = first_day + timedelta(days=day_shift)
    start = datetime.combine(start_day, SHIFT_STARTS[within], tzinfo=VIETNAM_TZ)
    if within + 1 < len(SHIFT_STARTS):
        end = datetime.combine(start_day, SHIFT_STARTS[within + 1], tzinfo=VIETNAM_TZ)
    else:
        end = datetime.combine(start_day + timedelta(days=1), SHIFT_STARTS[0], tzinfo=VIETNAM_TZ)
    return start, end


def shift_title(start: datetime, end: datetime) -> str:
    """ "07:00–14:00, 12/03/2025" (the start's date; a night shift ends the next day)."""
    local_start, local_end = start.astimezone(VIETNAM_TZ), end.astimezone(VIETNAM_TZ)
    return (
        f"{local_start:%H:%M}–{local_end:%H:%M}, {local_start:%d/%m/%Y}"
        if local_start.date() == local_end.date()
        else f"{local_start:%H:%M} {local_start:%d/%m}–{local_end:%H:%M} {local_end:%d/%m/%Y}"
    )


def _dose_line(dose: ScheduledDose, *, with_reason: bool = False) -> str:
    text = f"{dose.drug_name} {amount_text(dose.dose, dose.dose_unit)}"
    moment = dose.administrations[-1].at if dose.administrations else dose.due_at
    text += f" ({clock_text(moment)})"
    if with_reason:
        reasons = [a.reason for a in dose.administrations if a.reason]
        if reasons:
            text += f": {reasons[-1]}"
    return text


def _prn_line(given: Administration, drug_names: dict[str, str]) -> str:
    name = drug_names.get(given.order_id) or QCoreApplication.translate(
        "HandoverModel", "as-needed drug"
    )
    return f"{name} {amount_text(given.dose, given.dose_unit)} ({clock_text(given.at)})".strip()


def vitals_text(vitals: VitalSigns | None) -> str:
    """ "temperature 37,8 °C, pulse 96 /min" — the latest vital signs of a patient."""
    if vitals is None:
        return ""
    return ", ".join(
        f"{label('vital', m.code)} {str(m.value).replace('.', ',')} {m.unit}"
        for m in vitals.measurements
    )


def read_handover(
    store: Store,
    session: Session,
    *,
    department_id: str,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> tuple[Handover, dict[str, str]]:
    """The handover as it stands at `now` (on the database worker) and the drug names of its
    as-needed orders (an as-needed administration names its order only)."""
    found = nursing.handover(
        store, session, department_id=department_id, start=start, end=end, now=now
    )
    wanted = {a.order_id for p in found.patients for a in p.prn_given}
    names: dict[str, str] = {}
    if wanted:
        with store.unit_of_work(user_id=session.user_id) as uow:
            for order_id in wanted:
                try:
                    body = uow.get_event(order_id).body
                except NotFound:
                    continue
                if isinstance(body, MedicationOrder):
                    names[order_id] = body.drug_name
    return found, names


class HandoverModel(QAbstractTableModel):
    """One row per patient of the ward with something to hand over."""

    BED, PATIENT, GIVEN, HELD, REFUSED, MISSED, OVERDUE, PRN, ORDERS, VITALS = range(10)
    _HEADERS = (
        QT_TRANSLATE_NOOP("HandoverModel", "Bed"),
        QT_TRANSLATE_NOOP("HandoverModel", "Patient"),
        QT_TRANSLATE_NOOP("HandoverModel", "Given"),
        QT_TRANSLATE_NOOP("HandoverModel", "Held"),
        QT_TRANSLATE_NOOP("HandoverModel", "Refused"),
        QT_TRANSLATE_NOOP("HandoverModel", "Missed"),
        QT_TRANSLATE_NOOP("HandoverModel", "Still overdue"),
        QT_TRANSLATE_NOOP("HandoverModel", "As needed"),
        QT_TRANSLATE_NOOP("HandoverModel", "Orders new / stopped"),
        QT_TRANSLATE_NOOP("HandoverModel", "Latest vital signs"),
    )
    _COUNTED: ClassVar[dict[int, str]] = {
        GIVEN: "given",
        HELD: "held",
        REFUSED: "refused",
        MISSED: "missed",
        OVERDUE: "overdue",
    }

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._patients: tuple[HandoverPatient, ...] = ()
        self._attention = QBrush(_ATTENTION)

    def set_handover(self, handover: Handover | None) -> None:
        self.beginResetModel()
        self._patients = handover.patients if handover is not None else ()
        self.endResetModel()

    def patient_at(self, row: int) -> HandoverPatient:
        return self._patients[row]

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._HEADERS) - 1)
        if self._patients:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._patients) - 1, len(self._HEADERS) - 1)
            )

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._patients)

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
            return _tr(self._HEADERS[section])
        return None

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        row, column = index.row(), index.column()
        if not index.isValid() or not 0 <= row < len(self._patients):
            return None
        patient = self._patients[row]
        counted = self._COUNTED.get(column)
        if counted is not None:
            doses: tuple[ScheduledDose, ...] = getattr(patient, counted)
            if role == _DISPLAY:
                return str(len(doses)) if doses else ""
            if role == _ALIGN:
                return _CENTER
            if role == _TOOLTIP:
                return "\n".join(_dose_line(d, with_reason=True) for d in doses) or None
            if role == _BACKGROUND and doses and column in (self.MISSED, self.OVERDUE):
                return self._attention
            return None
        if role == _DISPLAY:
            return self._text(patient, column)
        if role == _ALIGN and column == self.PRN:
            return _CENTER
        if role == _TOOLTIP and column == self.ORDERS:
            lines = [
                QCoreApplication.translate("HandoverModel", "New: {drug}").format(drug=o.drug_name)
                for o in patient.new_orders
            ]
            lines += [
                QCoreApplication.translate("HandoverModel", "Stopped: {drug}").format(
                    drug=o.drug_name
                )
                for o in patient.stopped_orders
            ]
            return "\n".join(lines) or None
        return None

    @classmethod
    def _text(cls, patient: HandoverPatient, column: int) -> str:
        if column == cls.BED:
            return patient.bed_code or QCoreApplication.translate("HandoverModel", "no bed yet")
        if column == cls.PATIENT:
            return f"{patient.patient_name} — {patient.mrn}"
        if column == cls.PRN:
            return str(len(patient.prn_given)) if patient.prn_given else ""
        if column == cls.ORDERS:
            if not patient.new_orders and not patient.stopped_orders:
                return ""
            return f"{len(patient.new_orders)} / {len(patient.stopped_orders)}"
        if column == cls.VITALS:
            if patient.latest_vitals is None:
                return ""
            return f"{clock_text(patient.latest_vitals_at)} {vitals_text(patient.latest_vitals)}"
        return ""


def totals(handover: Handover) -> dict[str, int]:
    """Doses of the whole ward in the shift, by what happened to them."""
    keys = ("given", "held", "refused", "missed", "overdue")
    found = {key: sum(len(getattr(p, key)) for p in handover.patients) for key in keys}
    found["prn_given"] = sum(len(p.prn_given) for p in handover.patients)
    return found


class HandoverView(QWidget):
    """The handover of the ward chosen on the worklist, shift by shift."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("handover_view")
        self._ctx = ctx
        self.department_id: str | None = None
        self.offset = 0
        self.handover: Handover | None = None
        self.drug_names: dict[str, str] = {}
        self._stale = True

        self.previous_button = QPushButton()
        self.previous_button.setObjectName("previous_shift")
        self.current_button = QPushButton()
        self.current_button.setObjectName("current_shift")
        self.next_button = QPushButton()
        self.next_button.setObjectName("next_shift")
        self.shift = QLabel()
        self.shift.setObjectName("shift_title")
        font = self.shift.font()
        font.setPointSize(font.pointSize() + 3)
        font.setBold(True)
        self.shift.setFont(font)
        self.totals = QLabel()
        self.totals.setObjectName("handover_totals")
        self.totals.setWordWrap(True)
        self.copy_button = QPushButton()
        self.copy_button.setObjectName("copy_handover")
        self.model = HandoverModel(self)
        self.table = QTableView()
        self.table.setObjectName("handover_table")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        top = QHBoxLayout()
        top.addWidget(self.previous_button)
        top.addWidget(self.current_button)
        top.addWidget(self.next_button)
        top.addSpacing(12)
        top.addWidget(self.shift, 1)
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.totals)
        layout.addWidget(self.table, 1)

        self.previous_button.clicked.connect(lambda: self.step_shift(-1))
        self.next_button.clicked.connect(lambda: self.step_shift(1))
        self.current_button.clicked.connect(lambda: self.step_shift(-self.offset))
        self.copy_button.clicked.connect(self.copy_text)
        ctx.data_changed.connect(self.on_data_changed)
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.previous_button.setText(self.tr("◀ Previous shift"))
        self.current_button.setText(self.tr("Current shift"))
        self.next_button.setText(self.tr("Next shift ▶"))
        self.copy_button.setText(self.tr("Copy as text"))
        self.model.retranslate()
        self._show()

    def bounds(self, at: datetime | None = None) -> tuple[datetime, datetime]:
        """The shift shown (`offset` from the one in progress at `at`, default `now()`)."""
        return shift_bounds(now() if at is None else at, self.offset)

    def set_department(self, department_id: str | None) -> None:
        if department_id == self.department_id:
            return
        self.department_id = department_id
        self.handover = None
        self.model.set_handover(None)
        self._stale = True
        self._show()
        self.refresh_if_shown()

    def step_shift(self, shifts: int) -> None:
        # A shift not begun has nothing to hand over.
        self.offset = min(0, self.offset + shifts)
        self._stale = True
        self._show()
        self.refresh_if_shown()

    def refresh_if_shown(self) -> None:
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        department_id = self.department_id
        if department_id is None or self._ctx.session is None:
            return
        self._stale = False
        moment = now()
        start, end = self.bounds(moment)
        self._ctx.call(
            read_handover,
            department_id=department_id,
            start=start,
            end=end,
            now=moment,
            on_done=lambda found: self._show_handover(department_id, start, *found),
            key="nursing-handover",
            owner=self,
        )

    def _show_handover(
        self, department_id: str, start: datetime, handover: Handover, names: dict[str, str]
    ) -> None:
        if department_id != self.department_id or start != self.bounds()[0]:
            return
        self.handover = handover
        self.drug_names = names
        self.model.set_handover(handover)
        self._show()

    def _show(self) -> None:
        start, end = self.bounds()
        self.shift.setText(self.tr("Shift {shift}").format(shift=shift_title(start, end)))
        self.next_button.setEnabled(self.offset < 0)
        self.current_button.setEnabled(self.offset < 0)
        self.copy_button.setEnabled(self.handover is not None)
        if self.department_id is None:
            self.totals.setText(self.tr("Choose a ward on the worklist."))
        elif self.handover is None:
            self.totals.setText(self.tr("Reading…"))
        else:
            self.totals.setText(self.totals_text(self.handover))

    def totals_text(self, handover: Handover) -> str:
        found = totals(handover)
        parts = [
            self.tr("%n given", "", found["given"]),
            self.tr("%n held", "", found["held"]),
            self.tr("%n refused", "", found["refused"]),
            self.tr("%n missed", "", found["missed"]),
            self.tr("%n still overdue", "", found["overdue"]),
            self.tr("%n as-needed dose(s) given", "", found["prn_given"]),
        ]
        return self.tr("%n patient(s)", "", len(handover.patients)) + ": " + " · ".join(parts)

    # ------------------------------------------------------------------ text

    def handover_text(self) -> str:
        """The handover as plain text, in the current language."""
        handover = self.handover
        if handover is None:
            return ""
        lines = [
            self.tr("Shift handover {shift}").format(
                shift=shift_title(handover.start, handover.end)
            ),
            self.totals_text(handover),
        ]
        for patient in handover.patients:
            lines.append("")
            bed = patient.bed_code or self.tr("no bed yet")
            lines.append(f"{bed} — {patient.patient_name} — {patient.mrn}")
            for title, doses, with_reason in (
                (self.tr("Given: {list}"), patient.given, False),
                (self.tr("Held: {list}"), patient.held, True),
                (self.tr("Refused: {list}"), patient.refused, True),
                (self.tr("Missed: {list}"), patient.missed, True),
                (self.tr("Still overdue: {list}"), patient.overdue, False),
            ):
                if doses:
                    listed = "; ".join(_dose_line(d, with_reason=with_reason) for d in doses)
                    lines.append("  " + title.format(list=listed))
            if patient.prn_given:
                listed = "; ".join(_prn_line(a, self.drug_names) for a in patient.prn_given)
                lines.append("  " + self.tr("As needed: {list}").format(list=listed))
            if patient.new_orders:
                listed = "; ".join(o.drug_name for o in patient.new_orders)
                lines.append("  " + self.tr("New orders: {list}").format(list=listed))
            if patient.stopped_orders:
                listed = "; ".join(o.drug_name for o in patient.stopped_orders)
                lines.append("  " + self.tr("Stopped orders: {list}").format(list=listed))
            if patient.latest_vitals is not None:
                lines.append(
                    "  "
                    + self.tr("Vital signs ({time}): {values}").format(
                        time=clock_text(patient.latest_vitals_at),
                        values=vitals_text(patient.latest_vitals),
                    )
                )
        return "\n".join(lines)

    def copy_text(self) -> None:
        text = self.handover_text()
        if text:
            QGuiApplication.clipboard().setText(text)
            self._ctx.inform(self.tr("The handover was copied: paste it where it is needed."))

    # ------------------------------------------------------------------ events

    def on_data_changed(self, kind: str, _patient_id: str) -> None:
        if kind not in (CHART, WARD, SYNC):
            return
        self._stale = True
        self.refresh_if_shown()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        if self._stale:
            self.refresh()
