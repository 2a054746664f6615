"""The chart's prescriptions: find drugs as you type, set dose, route, times a day and days
per drug with the quantity to dispense computed live, see the allergy and duplicate-drug
warnings, and save the prescription (signed with the password, or as a draft).

Each signed prescription shows where it stands with the national e-prescription system
(waiting, sent, refused with the system's reasons, or a connection error with the time of
the next try), read on the database worker; refusals are listed in a red banner above the
tab, since they need the prescriber to act (correct the chart, then send again).

An allergy warning is shown in red and must be acknowledged explicitly before the
prescription is saved; the service refuses otherwise and audits the override. Warnings are
worked out on the database worker from the store (the patient's allergies, the drugs already
prescribed in the visit), each time the list of drugs changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.core.catalog import DrugEntry, DrugRoute
from emr_desktop.core.errors import AuthenticationError, ValidationError
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import DiagnosisRank, PrescriptionSubmission, SubmissionStatus
from emr_desktop.services import catalogs, clinical, eprescribing, prescribing
from emr_desktop.services.chart import Chart, ChartEvent, FacilityDirectory
from emr_desktop.services.prescribing import (
    AllergyMatch,
    DuplicateMatch,
    ItemRequest,
    PrescriptionReview,
)
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.notes import (
    ClinicalTab,
    EventTableModel,
    error_label,
    records_table,
    search_with_results,
    select_event,
    selected_row,
    show_error,
)
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.documents import PrintPrescriptionButton
from emr_desktop.ui.labels import label, local_time

_CONTEXT = "PrescriptionsTab"
ALLERGY_COLOUR = "#b00020"
DUPLICATE_COLOUR = "#a35200"
REFUSED_COLOUR = ALLERGY_COLOUR
RETRY_COLOUR = DUPLICATE_COLOUR
#: How often the national status is read again while a prescription waits to be sent.
NATIONAL_POLL_MS = 30_000
SEARCH_LIMIT = 50
DEFAULT_DAYS = 5
DEFAULT_TIMES = 2
MAX_QUANTITY = 99_999

ROUTES = {
    DrugRoute.ORAL.value: QT_TRANSLATE_NOOP("PrescriptionsTab", "oral"),
    DrugRoute.SUBLINGUAL.value: QT_TRANSLATE_NOOP("PrescriptionsTab", "sublingual"),
    DrugRoute.IM.value: QT_TRANSLATE_NOOP("PrescriptionsTab", "intramuscular injection"),
    DrugRoute.IV.value: QT_TRANSLATE_NOOP("PrescriptionsTab", "intravenous injection"),
    DrugRoute.IV_INFUSION.value: QT_TRANSLATE_NOOP("PrescriptionsTab", "intravenous infusion"),
    DrugRoute.SC.value: QT_TRANSLATE_NOOP("PrescriptionsTab", "subcutaneous injection"),
    DrugRoute.INTRADERMAL.value: QT_TRANSLATE_NOOP("PrescriptionsTab", "intradermal injection"),
    DrugRoute.RECTAL.value: QT_TRANSLATE_NOOP("PrescriptionsTab", "rectal"),
    DrugRoute.VAGINAL.value: QT_TRANSLATE_NOOP("PrescriptionsTab", "vaginal"),
    DrugRoute.OPHTHALMIC.value: QT_TRANSLATE_NOOP("PrescriptionsTab", "eye drops"),
    DrugRoute.OTIC.value: QT_TRANSLATE_NOOP("PrescriptionsTab", "ear drops"),
    DrugRoute.NASAL.value: QT_TRANSLATE_NOOP("PrescriptionsTab", "nasal"),
    DrugRoute.TOPICAL.value: QT_TRANSLATE_NOOP("PrescriptionsTab", "topical"),
    DrugRoute.INHALATION.value: QT_TRANSLATE_NOOP("PrescriptionsTab", "inhalation"),
    DrugRoute.MOUTHWASH.value: QT_TRANSLATE_NOOP("PrescriptionsTab", "mouthwash"),
}

_ROOT = QModelIndex()


def _tr(text: object) -> str:
    return QCoreApplication.translate(_CONTEXT, str(text))


def route_name(code: str) -> str:
    source = ROUTES.get(code)
    return _tr(source) if source else code


def parse_dose(text: str) -> Decimal | None:
    """A dose as typed ("1", "0,5", "1.5"), or None if it is not a positive number."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


@dataclass
class DraftItem:
    """One drug of the prescription being written, as the editor holds it."""

    drug: DrugEntry
    dose_text: str = "1"
    times_per_day: int = DEFAULT_TIMES
    days: int = DEFAULT_DAYS
    route: str = ""
    instructions: str = ""
    #: Set when the prescriber changed the quantity; None: the computed one.
    quantity: int | None = None

    def __post_init__(self) -> None:
        self.route = self.route or self.drug.route.value

    def computed_quantity(self) -> Decimal | None:
        dose = parse_dose(self.dose_text)
        if dose is None:
            return None
        try:
            return prescribing.dispense_quantity(dose, self.times_per_day, self.days)
        except ValidationError:
            return None

    def quantity_to_dispense(self) -> Decimal | None:
        return Decimal(self.quantity) if self.quantity is not None else self.computed_quantity()

    def dosage(self) -> str:
        """The line printed on the prescription ("" while the dose is not a number)."""
        dose = parse_dose(self.dose_text)
        if dose is None:
            return ""
        return prescribing.dosage_text(
            route=self.route,
            dose=dose,
            unit=self.drug.unit,
            times_per_day=self.times_per_day,
            instructions=self.instructions,
        )

    def request(self) -> ItemRequest:
        return ItemRequest(
            drug_code=self.drug.code,
            dose=parse_dose(self.dose_text) or Decimal(0),
            times_per_day=self.times_per_day,
            days=self.days,
            route=self.route,
            instructions=self.instructions,
            quantity=None if self.quantity is None else Decimal(self.quantity),
        )


def _warning_colour(code: str, review: PrescriptionReview | None) -> str | None:
    if review is None:
        return None
    if any(m.drug_code == code for m in review.allergies):
        return ALLERGY_COLOUR
    if any(code in (m.drug_code, m.other_code) for m in review.duplicates):
        return DUPLICATE_COLOUR
    return None


class _TableModel(QAbstractTableModel):
    """A small read-only table whose rows are plain values (drugs found, drugs prescribed)."""

    CONTEXT = ""
    HEADERS: tuple[object, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self._values: list[Any] = []

    def text(self, value: Any, column: int) -> str:
        raise NotImplementedError

    def colour(self, value: Any) -> str | None:
        return None

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.HEADERS) - 1)
        self.refresh()

    def refresh(self) -> None:
        if self._values:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._values) - 1, len(self.HEADERS) - 1)
            )

    def rowCount(  # noqa: N802 - Qt name
        self, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> int:
        return 0 if parent.isValid() else len(self._values)

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
            return QCoreApplication.translate(self.CONTEXT, str(self.HEADERS[section]))
        return None

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._values):
            return None
        value = self._values[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(value, index.column())
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = self.colour(value)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.FontRole and self.colour(value) == ALLERGY_COLOUR:
            font = QFont()
            font.setBold(True)
            return font
        return None


class DrugResultsModel(_TableModel):
    """The drugs found for what the prescriber typed; those the patient is allergic to in red."""

    CONTEXT = "DrugResultsModel"
    HEADERS = (
        QT_TRANSLATE_NOOP("DrugResultsModel", "Drug"),
        QT_TRANSLATE_NOOP("DrugResultsModel", "Active ingredient"),
        QT_TRANSLATE_NOOP("DrugResultsModel", "Form"),
        QT_TRANSLATE_NOOP("DrugResultsModel", "Unit"),
    )

    def __init__(self) -> None:
        super().__init__()
        self._allergic: set[str] = set()

    def set_drugs(self, drugs: list[DrugEntry], allergic: set[str]) -> None:
        self.beginResetModel()
        self._values = list(drugs)
        self._allergic = allergic
        self.endResetModel()

    def drug_at(self, row: int) -> DrugEntry:
        drug: DrugEntry = self._values[row]
        return drug

    def text(self, value: Any, column: int) -> str:
        drug: DrugEntry = value
        return (drug.name_vi, drug.active_ingredient, drug.dosage_form, drug.unit)[column]

    def colour(self, value: Any) -> str | None:
        return ALLERGY_COLOUR if value.code in self._allergic else None


class DrugSearch:
    """A drug search box and its results: the catalogue is searched on the database worker as
    the prescriber types, and the drugs the chart's allergies concern are marked in red.

    `allergies` holds, by drug code, the allergy concerning each drug found (for the tab to
    warn when one is chosen).
    """

    def __init__(
        self,
        tab: ClinicalTab,
        edit: QLineEdit,
        model: DrugResultsModel,
        table: QTableView,
        key: str,
    ) -> None:
        self._tab = tab
        self._edit = edit
        self.model = model
        self._table = table
        self._key = f"{key}-{id(tab)}"
        self.allergies: dict[str, AllergyMatch] = {}
        edit.textChanged.connect(self._search)

    def _search(self, text: str) -> None:
        if not text.strip():
            self.allergies = {}
            self.model.set_drugs([], set())
            return
        self._tab._ctx.call(
            catalogs.search_drugs,
            text,
            limit=SEARCH_LIMIT,
            key=self._key,
            on_done=partial(self._show, text),
        )

    def _show(self, query: str, found: list[DrugEntry]) -> None:
        if query != self._edit.text():
            return  # the prescriber typed on meanwhile: a newer search is coming
        chart = self._tab.chart
        allergies = chart.allergies if chart is not None else ()
        matches = prescribing.allergy_matches(found, allergies, {d.code: d for d in found})
        self.allergies = {m.drug_code: m for m in matches}
        self.model.set_drugs(found, set(self.allergies))
        if found:
            self._table.selectRow(0)


IT_DRUG, IT_DOSAGE, IT_DAYS, IT_QUANTITY = range(4)


class ItemsModel(_TableModel):
    """The drugs of the prescription being written, coloured by their warnings."""

    CONTEXT = "ItemsModel"
    HEADERS = (
        QT_TRANSLATE_NOOP("ItemsModel", "Drug"),
        QT_TRANSLATE_NOOP("ItemsModel", "How to take"),
        QT_TRANSLATE_NOOP("ItemsModel", "Days"),
        QT_TRANSLATE_NOOP("ItemsModel", "Quantity"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.review: PrescriptionReview | None = None

    def items(self) -> list[DraftItem]:
        return list(self._values)

    def item_at(self, row: int) -> DraftItem:
        item: DraftItem = self._values[row]
        return item

    def add(self, item: DraftItem) -> int:
        row = len(self._values)
        self.beginInsertRows(_ROOT, row, row)
        self._values.append(item)
        self.endInsertRows()
        return row

    def remove(self, row: int) -> None:
        self.beginRemoveRows(_ROOT, row, row)
        del self._values[row]
        self.endRemoveRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._values = []
        self.review = None
        self.endResetModel()

    def item_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))

    def set_review(self, review: PrescriptionReview | None) -> None:
        self.review = review
        self.refresh()

    def text(self, value: Any, column: int) -> str:
        item: DraftItem = value
        if column == IT_DRUG:
            return item.drug.name_vi
        if column == IT_DOSAGE:
            return item.dosage()
        if column == IT_DAYS:
            return str(item.days)
        quantity = item.quantity_to_dispense()
        return "" if quantity is None else f"{quantity} {item.drug.unit}"

    def colour(self, value: Any) -> str | None:
        return _warning_colour(value.drug.code, self.review)


_RX_HEADERS = (
    QT_TRANSLATE_NOOP("PrescriptionsModel", "Time"),
    QT_TRANSLATE_NOOP("PrescriptionsModel", "Drugs"),
    QT_TRANSLATE_NOOP("PrescriptionsModel", "Status"),
    QT_TRANSLATE_NOOP("PrescriptionsModel", "Doctor"),
    QT_TRANSLATE_NOOP("PrescriptionsModel", "National e-prescription"),
)
RX_TIME, RX_DRUGS, RX_STATUS, RX_AUTHOR, RX_NATIONAL = range(len(_RX_HEADERS))


def refusal_reasons(submission: PrescriptionSubmission) -> str:
    """The national system's reasons for a refusal, on one line."""
    reasons = [e.message or e.code for e in submission.errors if e.message or e.code]
    return "; ".join(reasons) or (submission.answer or "")


def national_status(submission: PrescriptionSubmission | None) -> str:
    """Where a prescription stands with the national e-prescription system ("" if never
    queued)."""
    if submission is None:
        return ""
    translate = QCoreApplication.translate
    if submission.status == SubmissionStatus.SENT:
        return translate("PrescriptionsModel", "Sent to the national e-prescription system")
    if submission.status == SubmissionStatus.REFUSED:
        return translate("PrescriptionsModel", "Refused: {reasons}").format(
            reasons=refusal_reasons(submission)
        )
    if submission.status == SubmissionStatus.FAILED:
        return translate("PrescriptionsModel", "Connection error, will retry at {time}").format(
            time=local_time(submission.next_attempt_at)
        )
    return translate("PrescriptionsModel", "Waiting to be sent")


class PrescriptionsModel(EventTableModel):
    """The chart's prescriptions, newest first, with their national status."""

    CONTEXT = "PrescriptionsModel"
    HEADERS = _RX_HEADERS

    def __init__(self) -> None:
        super().__init__()
        #: Prescription id → its submission to the national system.
        self.national: dict[str, PrescriptionSubmission] = {}

    def set_national(self, found: dict[str, PrescriptionSubmission]) -> None:
        self.national = found
        self._refresh()

    def cell(self, event: ChartEvent, body: dict[str, Any], column: int) -> str:
        if column == RX_TIME:
            return local_time(event.effective_time)
        if column == RX_DRUGS:
            return ", ".join(str(item.get("drug_name", "")) for item in body.get("items", []))
        if column == RX_STATUS:
            return self.status(event)
        if column == RX_NATIONAL:
            return national_status(self.national.get(event.id))
        return self.author(event)

    def colour(self, event: ChartEvent, body: dict[str, Any], column: int) -> str | None:
        submission = self.national.get(event.id)
        if column != RX_NATIONAL or submission is None:
            return None
        if submission.status == SubmissionStatus.REFUSED:
            return REFUSED_COLOUR
        return RETRY_COLOUR if submission.status == SubmissionStatus.FAILED else None


class PrescriptionsTab(ClinicalTab):
    """Write a prescription; the chart's prescriptions beside it."""

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__(ctx, patient_id)
        self.setObjectName("prescriptions_tab")
        #: What the signature panel confirms: ("save", ""), ("sign"/"error", event id).
        self._pending: tuple[str, str] | None = None
        self._loading_item = False
        self._review_codes: list[str] | None = None

        self.notice = QLabel()
        self.notice.setObjectName("prescriptions_notice")
        self.notice.setWordWrap(True)

        # Finding drugs.
        self.search = QLineEdit()
        self.search.setObjectName("drug_search")
        self.search.setClearButtonEnabled(True)
        self.results_model = DrugResultsModel()
        self.results = records_table(self.results_model, "drug_results", stretch=0)
        self.results.setMaximumHeight(170)
        self._search_label = QLabel()
        self._search_label.setBuddy(self.search)

        # The drugs of the prescription.
        self.items_model = ItemsModel()
        self.items = records_table(self.items_model, "prescription_items", stretch=IT_DOSAGE)
        self.items.horizontalHeader().resizeSection(IT_DRUG, 220)

        # The selected drug's dosage.
        self.dose = QLineEdit()
        self.dose.setObjectName("dose")
        self.dose.setMaximumWidth(80)
        self.dose_unit = QLabel()
        self.route = QComboBox()
        self.route.setObjectName("route")
        self.times = QSpinBox()
        self.times.setObjectName("times_per_day")
        self.times.setRange(1, prescribing.MAX_TIMES_PER_DAY)
        self.days = QSpinBox()
        self.days.setObjectName("days")
        self.days.setRange(1, prescribing.MAX_DAYS)
        self.quantity = QSpinBox()
        self.quantity.setObjectName("quantity")
        self.quantity.setRange(1, MAX_QUANTITY)
        self.quantity_unit = QLabel()
        self.computed = QLabel()
        self.computed.setObjectName("computed_quantity")
        self.instructions = QLineEdit()
        self.instructions.setObjectName("instructions")
        self.instructions.setMaxLength(300)
        self.remove_item = QPushButton()
        self.remove_item.setObjectName("remove_drug")
        self.item_error = error_label()
        self.item_error.setObjectName("item_error")
        self._dose_label = QLabel()
        self._dose_label.setBuddy(self.dose)
        self._route_label = QLabel()
        self._route_label.setBuddy(self.route)
        self._times_label = QLabel()
        self._times_label.setBuddy(self.times)
        self._days_label = QLabel()
        self._days_label.setBuddy(self.days)
        self._quantity_label = QLabel()
        self._quantity_label.setBuddy(self.quantity)
        self._instructions_label = QLabel()
        self._instructions_label.setBuddy(self.instructions)
        grid = QGridLayout()
        grid.addWidget(self._dose_label, 0, 0)
        dose_row = QHBoxLayout()
        dose_row.addWidget(self.dose)
        dose_row.addWidget(self.dose_unit)
        dose_row.addStretch(1)
        grid.addLayout(dose_row, 0, 1)
        grid.addWidget(self._times_label, 0, 2)
        grid.addWidget(self.times, 0, 3)
        grid.addWidget(self._days_label, 0, 4)
        grid.addWidget(self.days, 0, 5)
        grid.addWidget(self._route_label, 1, 0)
        grid.addWidget(self.route, 1, 1)
        grid.addWidget(self._quantity_label, 1, 2)
        quantity_row = QHBoxLayout()
        quantity_row.addWidget(self.quantity)
        quantity_row.addWidget(self.quantity_unit)
        quantity_row.addWidget(self.computed, 1)
        grid.addLayout(quantity_row, 1, 3, 1, 3)
        grid.addWidget(self._instructions_label, 2, 0)
        grid.addWidget(self.instructions, 2, 1, 1, 4)
        grid.addWidget(self.remove_item, 2, 5)
        self.item_box = QGroupBox()
        item_layout = QVBoxLayout(self.item_box)
        item_layout.addLayout(grid)
        item_layout.addWidget(self.item_error)

        # Warnings, diagnoses, advice, saving.
        self.allergy_warning = QLabel()
        self.allergy_warning.setObjectName("allergy_warning")
        self.allergy_warning.setWordWrap(True)
        self.allergy_warning.setStyleSheet(
            f"color: {ALLERGY_COLOUR}; font-weight: bold; border: 2px solid {ALLERGY_COLOUR};"
            " padding: 4px;"
        )
        self.allergy_ack = QCheckBox()
        self.allergy_ack.setObjectName("allergy_ack")
        self.duplicate_warning = QLabel()
        self.duplicate_warning.setObjectName("duplicate_warning")
        self.duplicate_warning.setWordWrap(True)
        self.duplicate_warning.setStyleSheet(f"color: {DUPLICATE_COLOUR}; font-weight: bold;")
        self.diagnoses = QLabel()
        self.diagnoses.setObjectName("prescription_diagnoses")
        self.diagnoses.setWordWrap(True)
        self.advice = QLineEdit()
        self.advice.setObjectName("advice")
        self.advice.setMaxLength(1000)
        self._advice_label = QLabel()
        self._advice_label.setBuddy(self.advice)
        self.save_error = error_label()
        self.save_error.setObjectName("prescription_error")
        self.save_draft = QPushButton()
        self.save_draft.setObjectName("save_prescription")
        self.save_and_sign = QPushButton()
        self.save_and_sign.setObjectName("save_and_sign_prescription")
        self.clear_button = QPushButton()
        self.clear_button.setObjectName("clear_prescription")
        advice_row = QHBoxLayout()
        advice_row.addWidget(self._advice_label)
        advice_row.addWidget(self.advice, 1)
        save_row = QHBoxLayout()
        save_row.addWidget(self.clear_button)
        save_row.addStretch(1)
        save_row.addWidget(self.save_draft)
        save_row.addWidget(self.save_and_sign)

        self.editor = QGroupBox()
        self.editor.setObjectName("prescription_editor")
        search_row = QHBoxLayout()
        search_row.addWidget(self._search_label)
        search_row.addWidget(self.search, 1)
        editor_layout = QVBoxLayout(self.editor)
        editor_layout.addLayout(search_row)
        editor_layout.addWidget(self.results)
        editor_layout.addWidget(self.items, 1)
        editor_layout.addWidget(self.item_box)
        editor_layout.addWidget(self.allergy_warning)
        editor_layout.addWidget(self.allergy_ack)
        editor_layout.addWidget(self.duplicate_warning)
        editor_layout.addWidget(self.diagnoses)
        editor_layout.addLayout(advice_row)
        editor_layout.addWidget(self.save_error)
        editor_layout.addLayout(save_row)

        # The chart's prescriptions.
        self.model = PrescriptionsModel()
        self.table = records_table(self.model, "prescriptions_table", stretch=RX_DRUGS)
        self.table.horizontalHeader().resizeSection(RX_TIME, 130)
        self.detail = QLabel()
        self.detail.setObjectName("prescription_detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sign_button = QPushButton()
        self.sign_button.setObjectName("sign_prescription")
        self.error_button = QPushButton()
        self.error_button.setObjectName("prescription_in_error")
        self.resend_button = QPushButton()
        self.resend_button.setObjectName("resend_prescription")
        self.print_button = PrintPrescriptionButton(ctx)
        actions = QHBoxLayout()
        actions.addWidget(self.sign_button)
        actions.addWidget(self.error_button)
        actions.addWidget(self.resend_button)
        actions.addStretch(1)
        actions.addWidget(self.print_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.table, 1)
        right_layout.addWidget(self.detail)
        right_layout.addLayout(actions)
        right_layout.addWidget(self.signature)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.editor)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        # Refusals of the national e-prescription system: the prescriber must act on them.
        self.national_warning = QLabel()
        self.national_warning.setObjectName("eprescription_refusals")
        self.national_warning.setWordWrap(True)
        self.national_warning.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.national_warning.setStyleSheet(
            f"color: {REFUSED_COLOUR}; font-weight: bold; border: 2px solid {REFUSED_COLOUR};"
            " padding: 4px;"
        )
        self.national_warning.hide()
        self._national_timer = QTimer(self)
        self._national_timer.setInterval(NATIONAL_POLL_MS)
        self._national_timer.timeout.connect(self.load_national)

        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.national_warning)
        layout.addWidget(splitter, 1)

        search_with_results(self.search, self.results)
        self.drug_search = DrugSearch(
            self, self.search, self.results_model, self.results, "drug-search"
        )
        self.search.returnPressed.connect(self._add_current_result)
        self.results.activated.connect(lambda index: self.add_drug(index.row()))
        self.results.doubleClicked.connect(lambda index: self.add_drug(index.row()))
        self.items.selectionModel().selectionChanged.connect(self._on_item_selected)
        self.dose.textEdited.connect(self._on_dosage_edited)
        self.times.valueChanged.connect(self._on_dosage_edited)
        self.days.valueChanged.connect(self._on_dosage_edited)
        self.route.currentIndexChanged.connect(self._on_dosage_edited)
        self.instructions.textEdited.connect(self._on_dosage_edited)
        self.quantity.valueChanged.connect(self._on_quantity_edited)
        self.remove_item.clicked.connect(self.remove_selected_item)
        self.allergy_ack.toggled.connect(lambda _checked: show_error(self.save_error, ""))
        self.save_draft.clicked.connect(lambda: self.save(sign=False))
        self.save_and_sign.clicked.connect(lambda: self.save(sign=True))
        self.clear_button.clicked.connect(self.clear_prescription)
        self.sign_button.clicked.connect(self.sign_selected)
        self.error_button.clicked.connect(self.mark_selected_in_error)
        self.resend_button.clicked.connect(self.resend_selected)
        self.signature.cancelled.connect(self._on_signature_cancelled)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        i18n.watch_language(self, self.retranslate)
        self._show_item()
        self._show_review()

    # ------------------------------------------------------------------ language
    def retranslate(self) -> None:
        self.editor.setTitle(self.tr("New prescription"))
        self._search_label.setText(self.tr("&Drug:"))
        self.search.setPlaceholderText(
            self.tr("name or active ingredient, diacritics optional; Enter adds it")
        )
        self.item_box.setTitle(self.tr("Dosage of the selected drug"))
        self._dose_label.setText(self.tr("D&ose:"))
        self._route_label.setText(self.tr("&Route:"))
        self._times_label.setText(self.tr("&Times a day:"))
        self._days_label.setText(self.tr("Da&ys:"))
        self._quantity_label.setText(self.tr("&Quantity:"))
        self._instructions_label.setText(self.tr("&Instructions:"))
        self.instructions.setPlaceholderText(self.tr("e.g. sau ăn, trước khi ngủ"))
        self.remove_item.setText(self.tr("Remove drug"))
        self.allergy_ack.setText(
            self.tr("I have read the allergy warning and prescribe these drugs anyway.")
        )
        self._advice_label.setText(self.tr("Ad&vice:"))
        self.save_draft.setText(self.tr("Save &draft"))
        self.save_and_sign.setText(self.tr("Save and si&gn…"))
        self.clear_button.setText(self.tr("Clear"))
        self.sign_button.setText(self.tr("&Sign…"))
        self.error_button.setText(self.tr("Entered in &error…"))
        self.resend_button.setText(self.tr("Send to the national system again"))
        self._fill_routes()
        self.results_model.retranslate()
        self.items_model.retranslate()
        self.model.retranslate()
        self._show_national()
        self._show_permissions()
        self._show_item()
        self._show_review()
        self._show_diagnoses()

    def _fill_routes(self) -> None:
        wanted = self.route.currentData()
        self.route.blockSignals(True)
        self.route.clear()
        for code in ROUTES:
            self.route.addItem(route_name(code), code)
        self.route.setCurrentIndex(max(0, self.route.findData(wanted)))
        self.route.blockSignals(False)

    def _show_permissions(self) -> None:
        writer = self.may(Permission.PRESCRIPTION_WRITE)
        # A prescription belongs to the visit in progress: known once the chart is loaded.
        self.editor.setEnabled(writer and self.chart is not None)
        self.save_and_sign.setVisible(self.may(Permission.PRESCRIPTION_SIGN))
        self.notice.setText("" if writer else self.tr("Only doctors prescribe."))
        self.notice.setVisible(not writer)
        self._show_actions()

    # ------------------------------------------------------------------ chart
    def set_chart(self, chart: Chart) -> None:
        """Fill the list from the loaded chart; the prescription being written is kept (and
        checked again: an allergy may have been recorded meanwhile)."""
        row = selected_row(self.table)
        selected = self.model.event_at(row).id if row >= 0 else None
        self.take_chart(chart)
        self._show_permissions()
        self.model.set_events([e for e in chart.current_events() if e.kind == "prescription"])
        select_event(self.table, self.model, selected)
        self._show_actions()
        self.load_national()
        self._show_diagnoses()
        if self.items_model.rowCount():
            self._review_items()

    def set_directory(self, directory: FacilityDirectory) -> None:
        super().set_directory(directory)
        self.model.set_directory(directory)

    def diagnosis_codes(self) -> list[str]:
        """The ICD-10 codes of the current visit's diagnoses, the primary first."""
        encounter = self.encounter_id()
        if self.chart is None or encounter is None:
            return []
        found: list[tuple[int, str]] = []
        for event in self.chart.current_events():
            if event.kind == "diagnosis" and event.encounter_id == encounter:
                body = event.body
                rank = 0 if body.get("rank") == DiagnosisRank.PRIMARY else 1
                found.append((rank, str(body["icd10"])))
        codes: list[str] = []
        for _rank, code in sorted(found, key=lambda pair: pair[0]):
            if code not in codes:
                codes.append(code)
        return codes

    def _show_diagnoses(self) -> None:
        codes = self.diagnosis_codes()
        self.diagnoses.setText(
            self.tr("Diagnoses: {codes}").format(codes=", ".join(codes))
            if codes
            else self.tr("No diagnosis recorded for this visit yet.")
        )

    # ------------------------------------------------------------------ drug search
    def _add_current_result(self) -> None:
        row = selected_row(self.results)
        if row < 0 and self.results_model.rowCount():
            row = 0
        if row >= 0:
            self.add_drug(row)

    def add_drug(self, row: int) -> None:
        """Add the found drug at `row` to the prescription and select it for its dosage."""
        if not 0 <= row < self.results_model.rowCount():
            return
        drug = self.results_model.drug_at(row)
        items = self.items_model.items()
        days = items[-1].days if items else DEFAULT_DAYS
        added = self.items_model.add(DraftItem(drug, days=days))
        self.search.clear()
        self.items.selectRow(added)
        self._review_items()
        show_error(self.save_error, "")
        self.dose.setFocus()
        self.dose.selectAll()

    def remove_selected_item(self) -> None:
        row = selected_row(self.items)
        if row < 0:
            return
        self.items_model.remove(row)
        if self.items_model.rowCount():
            self.items.selectRow(min(row, self.items_model.rowCount() - 1))
        self._show_item()
        self._review_items()

    # ------------------------------------------------------------------ dosage
    def _selected_item(self) -> tuple[int, DraftItem] | None:
        row = selected_row(self.items)
        return (row, self.items_model.item_at(row)) if row >= 0 else None

    def _on_item_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_item()

    def _show_item(self) -> None:
        chosen = self._selected_item()
        self.item_box.setEnabled(chosen is not None)
        self._loading_item = True
        if chosen is None:
            self.dose.clear()
            self.dose_unit.clear()
            self.quantity_unit.clear()
            self.computed.clear()
            self.instructions.clear()
            show_error(self.item_error, "")
        else:
            item = chosen[1]
            self.dose.setText(item.dose_text)
            self.dose_unit.setText(item.drug.unit)
            self.quantity_unit.setText(item.drug.unit)
            self.times.setValue(item.times_per_day)
            self.days.setValue(item.days)
            self.route.setCurrentIndex(max(0, self.route.findData(item.route)))
            self.instructions.setText(item.instructions)
            self._show_quantity(item)
        self._loading_item = False

    def _show_quantity(self, item: DraftItem) -> None:
        computed = item.computed_quantity()
        if computed is None:
            show_error(self.item_error, self.tr("Dose: enter a number above 0, e.g. 1 or 0,5."))
            self.computed.clear()
            return
        show_error(self.item_error, "")
        self.quantity.blockSignals(True)
        self.quantity.setValue(item.quantity if item.quantity is not None else int(computed))
        self.quantity.blockSignals(False)
        unit = item.drug.unit
        if item.quantity is None:
            self.computed.setText(
                self.tr("computed: {dose} × {times} × {days} days").format(
                    dose=prescribing.format_amount(parse_dose(item.dose_text) or Decimal(0)),
                    times=item.times_per_day,
                    days=item.days,
                )
            )
            self.computed.setStyleSheet("")
        elif item.quantity < computed:
            self.computed.setText(
                self.tr("less than the {computed} {unit} the dosage needs").format(
                    computed=computed, unit=unit
                )
            )
            self.computed.setStyleSheet(f"color: {DUPLICATE_COLOUR};")
        else:
            self.computed.setText(
                self.tr("changed by you; computed: {computed} {unit}").format(
                    computed=computed, unit=unit
                )
            )
            self.computed.setStyleSheet("")

    def _on_dosage_edited(self, *_args: object) -> None:
        if self._loading_item:
            return
        chosen = self._selected_item()
        if chosen is None:
            return
        row, item = chosen
        item.dose_text = self.dose.text()
        item.times_per_day = self.times.value()
        item.days = self.days.value()
        item.route = str(self.route.currentData())
        item.instructions = self.instructions.text()
        # A new dosage means a new quantity: an old hand-set one would no longer match it.
        item.quantity = None
        self._show_quantity(item)
        self.items_model.item_changed(row)

    def _on_quantity_edited(self, value: int) -> None:
        if self._loading_item:
            return
        chosen = self._selected_item()
        if chosen is None:
            return
        row, item = chosen
        computed = item.computed_quantity()
        item.quantity = None if computed is not None and value == int(computed) else value
        self._show_quantity(item)
        self.items_model.item_changed(row)

    # ------------------------------------------------------------------ warnings
    def _review_items(self) -> None:
        codes = [item.drug.code for item in self.items_model.items()]
        self._review_codes = codes
        if not codes:
            self.items_model.set_review(None)
            self._show_review()
            return
        self._ctx.call(
            prescribing.review_prescription,
            patient_id=self.patient_id,
            encounter_id=self.encounter_id(),
            drug_codes=codes,
            key=f"prescription-review-{id(self)}",
            on_done=partial(self._reviewed, codes),
            on_error=self._review_failed,
        )

    def _review_failed(self, error: BaseException) -> None:
        # Without a check there is nothing to save against: the next change checks again.
        self._review_codes = None
        self.items_model.set_review(None)
        self._show_review()
        show_error(self.save_error, i18n.error_text(error))

    def _reviewed(self, codes: list[str], review: PrescriptionReview) -> None:
        if codes != self._review_codes:
            return
        before = self.items_model.review
        self.items_model.set_review(review)
        # An acknowledgement covers the warnings that were read: a new one needs a new tick.
        if before is None or set(before.allergies) != set(review.allergies):
            self.allergy_ack.setChecked(False)
        self._show_review()

    def review(self) -> PrescriptionReview | None:
        """The warnings of the drugs listed now (None while they are being checked)."""
        current = [item.drug.code for item in self.items_model.items()]
        if current != self._review_codes:
            return None
        return self.items_model.review

    def _show_review(self) -> None:
        review = self.items_model.review if self.items_model.rowCount() else None
        allergies = review.allergies if review is not None else ()
        duplicates = review.duplicates if review is not None else ()
        self.allergy_warning.setText("\n".join(self._allergy_line(m) for m in allergies))
        self.allergy_warning.setVisible(bool(allergies))
        self.allergy_ack.setVisible(bool(allergies))
        self.duplicate_warning.setText("\n".join(self._duplicate_line(m) for m in duplicates))
        self.duplicate_warning.setVisible(bool(duplicates))

    def _allergy_line(self, match: AllergyMatch) -> str:
        severity = label("severity", match.severity)
        reaction = f" — {match.reaction}" if match.reaction else ""
        if match.basis == "drug":
            text = self.tr("ALLERGY: the patient is allergic to {drug} ({severity}{reaction}).")
        elif match.basis == "ingredient":
            text = self.tr(
                "ALLERGY: {drug} contains {detail}; the patient is allergic to {substance} "
                "({severity}{reaction})."
            )
        else:
            text = self.tr(
                "ALLERGY: {drug} belongs to the {detail} group; the patient is allergic to "
                "{substance} ({severity}{reaction})."
            )
        return text.format(
            drug=match.drug_name,
            detail=match.detail,
            substance=match.substance,
            severity=severity,
            reaction=reaction,
        )

    def _duplicate_line(self, match: DuplicateMatch) -> str:
        if match.where == "prescription" and match.basis == "same_drug":
            text = self.tr("Duplicate: {drug} is listed twice.")
        elif match.where == "prescription":
            text = self.tr("Duplicate: {drug} and {other} both contain {ingredient}.")
        elif match.basis == "same_drug":
            text = self.tr("Duplicate: {drug} is already prescribed in this visit.")
        else:
            text = self.tr(
                "Duplicate: {drug} contains {ingredient}, already prescribed in this visit "
                "({other})."
            )
        return text.format(
            drug=match.drug_name, other=match.other_name, ingredient=match.ingredient
        )

    # ------------------------------------------------------------------ saving
    def _check_ready(self) -> list[ItemRequest] | None:
        items = self.items_model.items()
        if not items:
            show_error(self.save_error, self.tr("Add at least one drug."))
            self.search.setFocus()
            return None
        for row, item in enumerate(items):
            if item.computed_quantity() is None:
                self.items.selectRow(row)
                show_error(
                    self.save_error,
                    self.tr("{drug}: the dose must be a number above 0.").format(
                        drug=item.drug.name_vi
                    ),
                )
                self.dose.setFocus()
                return None
        review = self.review()
        if review is None:
            show_error(self.save_error, self.tr("The drugs are still being checked; try again."))
            return None
        if review.allergies and not self.allergy_ack.isChecked():
            show_error(
                self.save_error,
                self.tr(
                    "Read the allergy warning and tick the acknowledgement, or remove the drug."
                ),
            )
            self.allergy_ack.setFocus()
            return None
        show_error(self.save_error, "")
        return [item.request() for item in items]

    def save(self, *, sign: bool) -> None:
        """Save the prescription: as a draft, or signed after the password."""
        requests = self._check_ready()
        if requests is None:
            return
        if sign:
            self._pending = ("save", "")
            self.signature.ask(
                self.tr("Sign the prescription of %n drug(s).", "", len(requests)),
                self.tr("Sign prescription"),
            )
            return
        self._submit(requests, None)

    def _submit(self, requests: list[ItemRequest], password: str | None) -> None:
        self._set_saving(True)
        self._ctx.call(
            prescribing.prescribe,
            patient_id=self.patient_id,
            encounter_id=self.encounter_id(),
            items=requests,
            diagnosis_codes=self.diagnosis_codes(),
            advice=self.advice.text(),
            allergy_acknowledged=self.allergy_ack.isChecked(),
            sign_password=password,
            on_done=self._saved,
            on_error=self._save_failed,
        )

    def _set_saving(self, busy: bool) -> None:
        for button in (self.save_draft, self.save_and_sign, self.clear_button):
            button.setEnabled(not busy)

    def _save_failed(self, error: BaseException) -> None:
        self._set_saving(False)
        if isinstance(error, AuthenticationError) and self.signature.is_open():
            self.signature_failed(error)
            return
        self.signature.close_panel()
        self._pending = None
        if isinstance(error, ValidationError) and error.field.startswith("items["):
            row = int(error.field[len("items[") :].split("]", 1)[0])
            if 0 <= row < self.items_model.rowCount():
                self.items.selectRow(row)
        if isinstance(error, ValidationError) and error.field == "allergy":
            self._review_items()
        show_error(self.save_error, i18n.error_text(error))

    def _saved(self, event: Any) -> None:
        self._set_saving(False)
        self._pending = None
        self.signature.close_panel()
        signed = getattr(event, "status", "") == "signed"
        self.clear_prescription()
        self._ctx.inform(
            self.tr("Prescription signed.") if signed else self.tr("Prescription saved as a draft.")
        )
        self.changed()

    def clear_prescription(self) -> None:
        """Start again with an empty prescription."""
        self.items_model.clear()
        self._review_codes = None
        self.allergy_ack.setChecked(False)
        self.advice.clear()
        self.search.clear()
        show_error(self.save_error, "")
        self._show_item()
        self._show_review()

    # ------------------------------------------------------------------ the list
    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._pending is not None and self._pending[0] != "save":
            self.signature.close_panel()
        self._show_actions()

    def _show_actions(self) -> None:
        row = selected_row(self.table)
        event = self.model.event_at(row) if row >= 0 else None
        self.sign_button.setEnabled(
            event is not None and event.status == "draft" and self.may(Permission.PRESCRIPTION_SIGN)
        )
        self.error_button.setEnabled(event is not None and self.may(Permission.PRESCRIPTION_WRITE))
        submission = self.model.national.get(event.id) if event is not None else None
        self.resend_button.setVisible(self.may(Permission.EPRESCRIPTION_SEND))
        self.resend_button.setEnabled(
            submission is not None
            and submission.status in (SubmissionStatus.REFUSED, SubmissionStatus.FAILED)
        )
        self.print_button.set_prescription(self.patient_id, event.id if event is not None else None)
        detail = self._detail_text(self.model.body_at(row)) if row >= 0 else ""
        if submission is not None:
            detail += "\n" + self.tr("National e-prescription {code}: {status}").format(
                code=submission.code, status=national_status(submission)
            )
        self.detail.setText(detail)

    # ------------------------------------------------------------------ national status
    def load_national(self) -> None:
        """Read the signed prescriptions' national status (on the database worker)."""
        events = [self.model.event_at(r) for r in range(self.model.rowCount())]
        signed = [e.id for e in events if e.status == "signed"]
        if not signed or self._ctx.session is None:
            self._national_loaded({})
            return
        self._ctx.call(
            eprescribing.statuses,
            signed,
            on_done=self._national_loaded,
            key=f"prescriptions-national-{self.patient_id}",
            owner=self,
        )

    def _national_loaded(self, found: dict[str, PrescriptionSubmission]) -> None:
        self.model.set_national(found)
        # A PC (and a chart) that sends nothing to the national system keeps the room.
        self.table.setColumnHidden(RX_NATIONAL, not found)
        waiting = (SubmissionStatus.QUEUED, SubmissionStatus.FAILED)
        if any(s.status in waiting for s in found.values()):
            self._national_timer.start()
        else:
            self._national_timer.stop()
        self._show_national()
        self._show_actions()

    def _show_national(self) -> None:
        refused = [
            (self.model.event_at(r), self.model.national[self.model.event_at(r).id])
            for r in range(self.model.rowCount())
            if self.model.event_at(r).id in self.model.national
            and self.model.national[self.model.event_at(r).id].status == SubmissionStatus.REFUSED
        ]
        lines = [
            self.tr(
                "The national e-prescription system refused {count} prescription(s); correct "
                "the chart, then send again:"
            ).format(count=len(refused))
        ]
        lines += [
            f"• {local_time(event.effective_time)} — {submission.code}: "
            f"{refusal_reasons(submission)}"
            for event, submission in refused
        ]
        self.national_warning.setText("\n".join(lines) if refused else "")
        self.national_warning.setVisible(bool(refused))

    def resend_selected(self) -> None:
        """Queue the selected refused (or failing) prescription again."""
        row = selected_row(self.table)
        if row < 0:
            return
        self._ctx.call(
            eprescribing.enqueue,
            self.model.event_at(row).id,
            on_done=lambda _s: self._queued_again(),
            on_error=lambda error: show_error(self.save_error, i18n.error_text(error)),
            owner=self,
        )

    def _queued_again(self) -> None:
        self._ctx.inform(self.tr("Queued for the national e-prescription system."))
        self.load_national()

    def _detail_text(self, body: dict[str, Any]) -> str:
        lines = [
            f"{n}. {item['drug_name']} — {item['dosage']} — "
            + self.tr("{days} days, {quantity} {unit}").format(
                days=item["days"],
                quantity=prescribing.format_amount(Decimal(str(item["quantity"]))),
                unit=item["unit"],
            )
            for n, item in enumerate(body.get("items", []), start=1)
        ]
        if body.get("diagnosis_codes"):
            lines.append(
                self.tr("Diagnoses: {codes}").format(codes=", ".join(body["diagnosis_codes"]))
            )
        if body.get("advice"):
            lines.append(self.tr("Advice: {text}").format(text=body["advice"]))
        return "\n".join(lines)

    def sign_selected(self) -> None:
        """Ask for the password to sign the selected draft prescription."""
        row = selected_row(self.table)
        if row < 0 or self.model.event_at(row).status != "draft":
            return
        self._pending = ("sign", self.model.event_at(row).id)
        self.signature.ask(
            self.tr("Sign the prescription: {drugs}.").format(
                drugs=self.model.cell(self.model.event_at(row), self.model.body_at(row), RX_DRUGS)
            ),
            self.tr("Sign prescription"),
        )

    def mark_selected_in_error(self) -> None:
        row = selected_row(self.table)
        if row < 0:
            return
        self._pending = ("error", self.model.event_at(row).id)
        self.signature.ask(
            self.tr("Cancel the prescription (entered in error): {drugs}.").format(
                drugs=self.model.cell(self.model.event_at(row), self.model.body_at(row), RX_DRUGS)
            ),
            self.tr("Mark entered in error"),
            with_reason=True,
        )

    def _on_signature_confirmed(self, password: str, reason: str) -> None:
        if self._pending is None:
            return
        action, event_id = self._pending
        if action == "save":
            requests = self._check_ready()
            if requests is None:
                self.signature.close_panel()
                return
            self._submit(requests, password)
        elif action == "sign":
            self._ctx.call(
                eprescribing.sign_and_queue,
                event_id,
                password,
                on_done=lambda _e: self._done(self.tr("Prescription signed.")),
                on_error=self.signature_failed,
            )
        else:
            self._ctx.call(
                clinical.mark_entered_in_error,
                event_id,
                reason=reason,
                sign_password=password,
                on_done=lambda _e: self._done(self.tr("The prescription was cancelled.")),
                on_error=self.signature_failed,
            )

    def _on_signature_cancelled(self) -> None:
        self._pending = None
        self._set_saving(False)

    def _done(self, message: str) -> None:
        self._pending = None
        self.signature.close_panel()
        self._ctx.inform(message)
        self.changed()
