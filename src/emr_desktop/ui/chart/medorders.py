"""The doctor's inpatient medication orders ("Y lệnh thuốc"): the list of the patient's
orders, a form to write one (drug from the formulary, dose, route, the clock times of the
doses or "as needed", start date, days) signed with the password, and stopping an order in
force with a reason and the password. Signed orders feed the nurses' worklist.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDate, QItemSelection, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.core.catalog import DrugEntry
from emr_desktop.core.codec import from_plain
from emr_desktop.core.errors import AuthenticationError, ValidationError
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import MedicationOrder
from emr_desktop.core.schedule import all_doses, last_day
from emr_desktop.core.timeutil import VIETNAM_TZ, utc_now
from emr_desktop.services import nursing
from emr_desktop.services.chart import Chart, ChartEvent, FacilityDirectory
from emr_desktop.services.prescribing import AllergyMatch, format_amount
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.notes import (
    ERROR_STYLE,
    ClinicalTab,
    EventTableModel,
    error_label,
    records_table,
    search_with_results,
    select_event,
    selected_row,
    show_error,
)
from emr_desktop.ui.chart.prescriptions import (
    ROUTES,
    DrugResultsModel,
    DrugSearch,
    parse_dose,
    route_name,
)
from emr_desktop.ui.context import AppContext

#: The clock of this tab (start date, the moment of a stop); tests pin it.
clock: Callable[[], datetime] = utc_now

#: Clock times of the doses for N times a day, as the wards give them.
PRESET_TIMES: dict[int, tuple[str, ...]] = {
    1: ("08:00",),
    2: ("08:00", "20:00"),
    3: ("08:00", "14:00", "20:00"),
    4: ("06:00", "12:00", "18:00", "00:00"),
}
#: The schedule choice "as needed".
AS_NEEDED = 0
DEFAULT_DAYS = 1

ACTIVE, STOPPED, COMPLETED, DRAFT = "active", "stopped", "completed", "draft"
_STATUSES = {
    ACTIVE: QT_TRANSLATE_NOOP("MedicationOrdersModel", "active"),
    STOPPED: QT_TRANSLATE_NOOP("MedicationOrdersModel", "stopped"),
    COMPLETED: QT_TRANSLATE_NOOP("MedicationOrdersModel", "completed"),
    DRAFT: QT_TRANSLATE_NOOP("MedicationOrdersModel", "draft"),
}
_STATUS_COLOURS = {STOPPED: "#707070", COMPLETED: "#707070", ACTIVE: "#1b5e20"}


def now() -> datetime:
    return clock()


def today() -> date:
    """The local (Vietnam) date of the tab's clock."""
    return clock().astimezone(VIETNAM_TZ).date()


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def parse_times(text: str) -> tuple[str, ...]:
    """Clock times as typed ("8:00, 20:00", "08:00 20:00", "6h"), written "HH:MM"; what is
    not a time is kept as typed, for the order's check to name it."""
    found: list[str] = []
    for part in re.split(r"[,;\s]+", text.strip()):
        if not part:
            continue
        match = re.fullmatch(r"(\d{1,2})(?:[:hH.](\d{2})?)?", part)
        if match is None:
            found.append(part)
            continue
        hours = int(match.group(1)) % 24 if match.group(1) == "24" else int(match.group(1))
        found.append(f"{hours:02d}:{match.group(2) or '00'}")
    return tuple(found)


def order_status(event: ChartEvent, order: MedicationOrder, moment: datetime) -> str:
    """Where the order stands at `moment`: draft, active, stopped or completed."""
    if event.status != "signed":
        return DRAFT
    if order.as_needed:
        ends = datetime.combine(last_day(order) + timedelta(days=1), datetime.min.time())
        finished = ends.replace(tzinfo=VIETNAM_TZ) <= moment
        stops = ends.replace(tzinfo=VIETNAM_TZ) <= event.effective_time
    else:
        doses = all_doses(order)
        finished = not doses or doses[-1] < moment
        stops = not doses or doses[-1] < event.effective_time
    if event.correction == "amends" and stops:
        return STOPPED
    return COMPLETED if finished else ACTIVE


def _tr(text: str) -> str:
    return QCoreApplication.translate("MedicationOrdersModel", text)


_HEADERS = (
    QT_TRANSLATE_NOOP("MedicationOrdersModel", "Drug"),
    QT_TRANSLATE_NOOP("MedicationOrdersModel", "Dose"),
    QT_TRANSLATE_NOOP("MedicationOrdersModel", "Route"),
    QT_TRANSLATE_NOOP("MedicationOrdersModel", "Times"),
    QT_TRANSLATE_NOOP("MedicationOrdersModel", "Start"),
    QT_TRANSLATE_NOOP("MedicationOrdersModel", "Days"),
    QT_TRANSLATE_NOOP("MedicationOrdersModel", "Status"),
    QT_TRANSLATE_NOOP("MedicationOrdersModel", "Doctor"),
)
COL_DRUG, COL_DOSE, COL_ROUTE, COL_TIMES, COL_START, COL_DAYS, COL_STATUS, COL_DOCTOR = range(
    len(_HEADERS)
)


class MedicationOrdersModel(EventTableModel):
    """The patient's medication orders, newest first, with where each stands."""

    CONTEXT = "MedicationOrdersModel"
    HEADERS = _HEADERS

    def __init__(self) -> None:
        super().__init__()
        self._orders: dict[str, MedicationOrder] = {}
        self._statuses: dict[str, str] = {}

    def set_events(self, events: Any) -> None:
        listed = list(events)
        moment = now()
        self._orders = {e.id: from_plain(MedicationOrder, e.body) for e in listed}
        self._statuses = {e.id: order_status(e, self._orders[e.id], moment) for e in listed}
        super().set_events(listed)

    def order_of(self, event: ChartEvent) -> MedicationOrder:
        return self._orders[event.id]

    def status_of(self, event: ChartEvent) -> str:
        return self._statuses[event.id]

    def cell(self, event: ChartEvent, body: dict[str, Any], column: int) -> str:
        order = self._orders[event.id]
        if column == COL_DRUG:
            return order.drug_name
        if column == COL_DOSE:
            return f"{format_amount(order.dose)} {order.dose_unit}"
        if column == COL_ROUTE:
            return route_name(order.route)
        if column == COL_TIMES:
            if order.as_needed:
                return QCoreApplication.translate("MedicationOrdersModel", "as needed")
            return ", ".join(order.times)
        if column == COL_START:
            return order.start_date.strftime("%d/%m/%Y")
        if column == COL_DAYS:
            return str(order.days)
        if column == COL_STATUS:
            return _tr(str(_STATUSES[self._statuses[event.id]]))
        doctor = event.signed_by or event.created_by
        return self.directory.staff_name(doctor) if self.directory is not None else ""

    def colour(self, event: ChartEvent, body: dict[str, Any], column: int) -> str | None:
        if column == COL_STATUS:
            return _STATUS_COLOURS.get(self._statuses[event.id])
        if self._statuses[event.id] in (STOPPED, COMPLETED):
            return "#707070"
        return None


class MedicationOrdersTab(ClinicalTab):
    """The orders of the patient beside the form of a new order."""

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__(ctx, patient_id)
        self.setObjectName("medorders_tab")
        #: What the signature panel confirms: ("order", "") or ("stop", order id).
        self._pending: tuple[str, str] | None = None
        self._drug: DrugEntry | None = None
        #: The allergy concerning the chosen drug: said in red beside it.
        self._allergy: AllergyMatch | None = None

        self.notice = QLabel()
        self.notice.setObjectName("medorders_notice")
        self.notice.setWordWrap(True)
        self.model = MedicationOrdersModel()
        self.table = records_table(self.model, "medorders_table", stretch=COL_DRUG)
        self.count = QLabel()
        self.detail = QLabel()
        self.detail.setObjectName("medorder_detail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.stop_button = QPushButton()
        self.stop_button.setObjectName("stop_medorder")

        # The form of a new order.
        self.form_title = QLabel()
        self.search = QLineEdit()
        self.search.setObjectName("medorder_drug_search")
        self.search.setClearButtonEnabled(True)
        self.results_model = DrugResultsModel()
        self.results = records_table(self.results_model, "medorder_drug_results", stretch=0)
        self.results.setMaximumHeight(150)
        self.chosen = QLabel()
        self.chosen.setObjectName("medorder_chosen_drug")
        self.chosen.setWordWrap(True)
        self.dose = QLineEdit()
        self.dose.setObjectName("medorder_dose")
        self.unit = QLineEdit()
        self.unit.setObjectName("medorder_unit")
        self.unit.setMaxLength(50)
        self.route = QComboBox()
        self.route.setObjectName("medorder_route")
        self.frequency = QComboBox()
        self.frequency.setObjectName("medorder_frequency")
        self.times = QLineEdit()
        self.times.setObjectName("medorder_times")
        self.start = QDateEdit()
        self.start.setObjectName("medorder_start")
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("dd/MM/yyyy")
        self.days = QSpinBox()
        self.days.setObjectName("medorder_days")
        self.days.setRange(1, 365)
        self.days.setValue(DEFAULT_DAYS)
        self.instructions = QLineEdit()
        self.instructions.setObjectName("medorder_instructions")
        self.instructions.setMaxLength(500)
        self.form_error = error_label()
        self.form_error.setObjectName("medorder_error")
        self.sign_button = QPushButton()
        self.sign_button.setObjectName("medorder_sign")
        self.clear_button = QPushButton()
        self.clear_button.setObjectName("medorder_clear")

        self._labels: dict[str, QLabel] = {}
        form = QFormLayout()
        dose_row = QHBoxLayout()
        dose_row.addWidget(self.dose, 1)
        dose_row.addWidget(self.unit, 1)
        schedule_row = QHBoxLayout()
        schedule_row.addWidget(self.frequency)
        schedule_row.addWidget(self.times, 1)
        start_row = QHBoxLayout()
        start_row.addWidget(self.start)
        self._days_label = QLabel()
        self._days_label.setBuddy(self.days)
        start_row.addWidget(self._days_label)
        start_row.addWidget(self.days)
        start_row.addStretch(1)
        for name, buddy, row in (
            ("drug", self.search, self.search),
            ("dose", self.dose, dose_row),
            ("route", self.route, self.route),
            ("schedule", self.frequency, schedule_row),
            ("start", self.start, start_row),
            ("instructions", self.instructions, self.instructions),
        ):
            text = QLabel()
            text.setBuddy(buddy)
            self._labels[name] = text
            form.addRow(text, row)
            if name == "drug":
                form.addRow(self.results)
                form.addRow(self.chosen)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.sign_button)
        self.editor = QWidget()
        editor_layout = QVBoxLayout(self.editor)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        editor_layout.addWidget(self.form_title)
        editor_layout.addLayout(form)
        editor_layout.addWidget(self.form_error)
        editor_layout.addLayout(buttons)
        editor_layout.addStretch(1)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.count)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.detail)
        actions = QHBoxLayout()
        actions.addWidget(self.stop_button)
        actions.addStretch(1)
        left_layout.addLayout(actions)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.editor, 1)
        right_layout.addWidget(self.signature)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(splitter, 1)

        search_with_results(self.search, self.results)
        self.drug_search = DrugSearch(
            self, self.search, self.results_model, self.results, "medorder-drug-search"
        )
        self.search.returnPressed.connect(self._choose_current_result)
        self.results.doubleClicked.connect(lambda index: self.choose_drug(index.row()))
        self.frequency.currentIndexChanged.connect(self._on_frequency_changed)
        self.sign_button.clicked.connect(self.sign_order)
        self.clear_button.clicked.connect(self.clear_form)
        self.stop_button.clicked.connect(self.stop_selected)
        self.signature.cancelled.connect(self._on_signature_cancelled)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self._fill_frequencies()
        self.frequency.setCurrentIndex(self.frequency.findData(2))
        self.start.setDate(_qdate(today()))
        i18n.watch_language(self, self.retranslate)

    # ------------------------------------------------------------------ language
    def retranslate(self) -> None:
        self.form_title.setText(self.tr("<b>New medication order</b>"))
        texts = {
            "drug": self.tr("&Drug:"),
            "dose": self.tr("D&ose, unit:"),
            "route": self.tr("&Route:"),
            "schedule": self.tr("Sc&hedule:"),
            "start": self.tr("S&tart:"),
            "instructions": self.tr("&Instructions:"),
        }
        for name, text in texts.items():
            self._labels[name].setText(text)
        self._days_label.setText(self.tr("for &days:"))
        self.search.setPlaceholderText(self.tr("Name or active ingredient, accents optional"))
        self.dose.setPlaceholderText(self.tr("e.g. 1 or 0,5"))
        self.times.setPlaceholderText(self.tr("Clock times, e.g. 08:00, 20:00"))
        self.instructions.setPlaceholderText(self.tr("e.g. after meals, infuse over 30 min"))
        self.sign_button.setText(self.tr("&Sign order…"))
        self.clear_button.setText(self.tr("Clear"))
        self.stop_button.setText(self.tr("S&top order…"))
        self._fill_frequencies()
        self._fill_routes()
        self.results_model.retranslate()
        self.model.retranslate()
        self._show_chosen()
        self._show_state()

    def _fill_frequencies(self) -> None:
        wanted = self.frequency.currentData()
        self.frequency.blockSignals(True)
        self.frequency.clear()
        for per_day in PRESET_TIMES:
            self.frequency.addItem(self.tr("{count}× a day").format(count=per_day), per_day)
        self.frequency.addItem(self.tr("As needed (PRN)"), AS_NEEDED)
        self.frequency.setCurrentIndex(max(0, self.frequency.findData(wanted)))
        self.frequency.blockSignals(False)

    def _fill_routes(self) -> None:
        wanted = self.route.currentData()
        self.route.blockSignals(True)
        self.route.clear()
        for code in ROUTES:
            self.route.addItem(route_name(code), code)
        self.route.setCurrentIndex(max(0, self.route.findData(wanted)))
        self.route.blockSignals(False)

    def _on_frequency_changed(self, _index: int) -> None:
        per_day = self.frequency.currentData()
        as_needed = per_day == AS_NEEDED
        self.times.setText("" if as_needed else ", ".join(PRESET_TIMES.get(per_day, ())))
        self.times.setEnabled(not as_needed)

    # ------------------------------------------------------------------ state
    def _writer(self) -> bool:
        return self.may(Permission.PRESCRIPTION_WRITE) and self.may(Permission.PRESCRIPTION_SIGN)

    def _show_state(self) -> None:
        writer = self._writer()
        open_stay = self.encounter_id() is not None
        if not writer:
            text = self.tr("Only doctors order medications; your role may read the orders.")
        elif self.chart is not None and not open_stay:
            text = self.tr(
                "The patient has no visit or stay in progress: admit the patient to order "
                "medications."
            )
        else:
            text = ""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        self.editor.setEnabled(writer and open_stay)
        self.count.setText(self.tr("%n medication order(s)", "", self.model.rowCount()))
        self._show_selected()

    def _selected(self) -> ChartEvent | None:
        row = selected_row(self.table)
        return self.model.event_at(row) if row >= 0 else None

    def _show_selected(self) -> None:
        event = self._selected()
        if event is None:
            self.detail.setText(self.tr("Select an order to see it or stop it."))
            self.stop_button.setEnabled(False)
            return
        order = self.model.order_of(event)
        schedule = (
            self.tr("as needed")
            if order.as_needed
            else self.tr("at {times}").format(times=", ".join(order.times))
        )
        lines = [
            f"<b>{html.escape(order.drug_name)}</b> — "
            + html.escape(
                f"{format_amount(order.dose)} {order.dose_unit}, {route_name(order.route)}, "
                f"{schedule}"
            ),
            html.escape(
                self.tr("From {start} for {days} day(s)").format(
                    start=order.start_date.strftime("%d/%m/%Y"), days=order.days
                )
            ),
        ]
        if order.instructions:
            lines.append(html.escape(order.instructions))
        self.detail.setText("<br>".join(lines))
        self.stop_button.setEnabled(self._writer() and self.model.status_of(event) == ACTIVE)

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._pending is not None and self._pending[0] == "stop":
            self.signature.close_panel()
        self._show_selected()

    # ------------------------------------------------------------------ chart
    def set_chart(self, chart: Chart) -> None:
        """Fill the list from the loaded chart; the order being written is kept."""
        chosen = self._selected()
        self.take_chart(chart)
        self.model.set_events([e for e in chart.current_events() if e.kind == MedicationOrder.KIND])
        select_event(self.table, self.model, chosen.id if chosen is not None else None)
        self._show_state()

    def set_directory(self, directory: FacilityDirectory) -> None:
        super().set_directory(directory)
        self.model.set_directory(directory)

    # ------------------------------------------------------------------ drug search
    def _choose_current_result(self) -> None:
        row = selected_row(self.results)
        if row < 0 and self.results_model.rowCount():
            row = 0
        if row >= 0:
            self.choose_drug(row)

    def choose_drug(self, row: int) -> None:
        """Take the found drug at `row` for the order: its unit and usual route."""
        if not 0 <= row < self.results_model.rowCount():
            return
        drug = self.results_model.drug_at(row)
        self._drug = drug
        self._allergy = self.drug_search.allergies.get(drug.code)
        self.unit.setText(drug.unit)
        self.route.setCurrentIndex(max(0, self.route.findData(drug.route.value)))
        self.search.clear()
        show_error(self.form_error, "")
        self._show_chosen()
        self.dose.setFocus()

    def _show_chosen(self) -> None:
        drug = self._drug
        allergy = self._allergy
        if drug is None:
            self.chosen.setText(self.tr("No drug chosen yet."))
        else:
            self.chosen.setText(
                self.tr("Drug: {name} ({form})").format(name=drug.name_vi, form=drug.dosage_form)
            )
        if allergy is not None:
            warning = self.tr("ALLERGY recorded: {substance} ({reaction}).").format(
                substance=allergy.substance, reaction=allergy.reaction or "—"
            )
            self.chosen.setText(f"{self.chosen.text()}\n{warning}")
        self.chosen.setStyleSheet(ERROR_STYLE if allergy is not None else "")

    def clear_form(self) -> None:
        self._drug = None
        self._allergy = None
        self.search.clear()
        self.dose.clear()
        self.unit.clear()
        self.instructions.clear()
        self.days.setValue(DEFAULT_DAYS)
        self.start.setDate(_qdate(today()))
        self.frequency.setCurrentIndex(self.frequency.findData(2))
        self._on_frequency_changed(0)
        show_error(self.form_error, "")
        self._show_chosen()

    # ------------------------------------------------------------------ write
    def _typed_order(self) -> MedicationOrder | None:
        """The order as typed, or None after showing (next to the field) why it is not."""
        drug = self._drug
        if drug is None:
            self._field_error(
                ValidationError(
                    "drug_code", "required", "Chọn thuốc trong danh mục", "Choose a drug"
                )
            )
            return None
        dose = parse_dose(self.dose.text())
        if dose is None:
            self._field_error(
                ValidationError(
                    "dose", "positive", "Liều phải là số lớn hơn 0", "The dose must be above 0"
                )
            )
            return None
        as_needed = self.frequency.currentData() == AS_NEEDED
        try:
            return MedicationOrder(
                drug_code=drug.code,
                drug_name=drug.name_vi,
                dose=dose,
                dose_unit=self.unit.text().strip(),
                route=str(self.route.currentData()),
                times=() if as_needed else parse_times(self.times.text()),
                start_date=self.start.date().toPython(),  # type: ignore[arg-type]
                days=self.days.value(),
                as_needed=as_needed,
                instructions=" ".join(self.instructions.text().split()) or None,
            )
        except ValidationError as error:
            self._field_error(error)
            return None

    def _field_error(self, error: BaseException) -> None:
        if isinstance(error, ValidationError):
            widget: QWidget | None = {
                "drug_code": self.search,
                "drug_name": self.search,
                "dose": self.dose,
                "dose_unit": self.unit,
                "route": self.route,
                "times": self.times,
                "start_date": self.start,
                "days": self.days,
                "instructions": self.instructions,
            }.get(error.field)
            if widget is not None:
                show_error(self.form_error, i18n.error_text(error, with_field=False))
                widget.setFocus()
                return
        show_error(self.form_error, i18n.error_text(error))

    def sign_order(self) -> None:
        """Check the order, then ask for the password to sign it."""
        order = self._typed_order()
        if order is None or self.encounter_id() is None:
            return
        show_error(self.form_error, "")
        self._pending = ("order", "")
        schedule = (
            self.tr("as needed")
            if order.as_needed
            else self.tr("at {times}").format(times=", ".join(order.times))
        )
        self.signature.ask(
            self.tr("Sign the order: {drug} {dose} {unit}, {schedule}, {days} day(s).").format(
                drug=order.drug_name,
                dose=format_amount(order.dose),
                unit=order.dose_unit,
                schedule=schedule,
                days=order.days,
            ),
            self.tr("Sign order"),
        )

    def stop_selected(self) -> None:
        """Ask for the reason and the password to stop the selected order from now."""
        event = self._selected()
        if event is None or self.model.status_of(event) != ACTIVE:
            return
        self._pending = ("stop", event.id)
        self.signature.ask(
            self.tr("Stop {drug} from now: no dose is given after this.").format(
                drug=self.model.order_of(event).drug_name
            ),
            self.tr("Stop order"),
            with_reason=True,
        )

    def _on_signature_confirmed(self, password: str, reason: str) -> None:
        pending = self._pending
        if pending is None:
            return
        action, event_id = pending
        if action == "order":
            order = self._typed_order()
            encounter = self.encounter_id()
            if order is None or encounter is None:
                self.signature.close_panel()
                return
            self.sign_button.setEnabled(False)
            self._ctx.call(
                nursing.order_medication,
                encounter_id=encounter,
                drug_code=order.drug_code,
                dose=order.dose,
                times=order.times,
                start_date=order.start_date,
                days=order.days,
                as_needed=order.as_needed,
                dose_unit=order.dose_unit,
                route=order.route,
                instructions=order.instructions,
                sign_password=password,
                on_done=self._ordered,
                on_error=self._order_failed,
            )
        elif action == "stop":
            self._ctx.call(
                nursing.stop_medication_order,
                order_id=event_id,
                reason=reason,
                sign_password=password,
                at=now(),
                on_done=self._stopped,
                on_error=self.signature_failed,
            )

    def signature_failed(self, error: BaseException) -> None:
        if isinstance(error, ValidationError) and error.field == "reason":
            self.signature.fail(i18n.error_text(error, with_field=False))
            return
        super().signature_failed(error)

    def _order_failed(self, error: BaseException) -> None:
        self.sign_button.setEnabled(True)
        if isinstance(error, AuthenticationError):
            self.signature_failed(error)
            return
        self._pending = None
        self.signature.close_panel()
        self._field_error(error)

    def _on_signature_cancelled(self) -> None:
        self._pending = None

    def _ordered(self, _event: Any) -> None:
        self._pending = None
        self.sign_button.setEnabled(True)
        self.signature.close_panel()
        self.clear_form()
        self._ctx.inform(self.tr("Medication order signed: it is on the nurses' worklist."))
        self.changed()

    def _stopped(self, _event: Any) -> None:
        self._pending = None
        self.signature.close_panel()
        self._ctx.inform(self.tr("Medication order stopped."))
        self.changed()
