"""The chart's allergies and problem list (chronic conditions).

An allergy is recorded with what the patient reacts to — typed freely (a food, latex) or
picked from the drug catalogue, which sets the drug code so that prescribing warns on that
drug and on every drug sharing its active ingredients — the reaction and the severity. It
shows in red in the chart banner and warns on prescribing while it is active. It can be
marked inactive (no longer relevant) or entered in error (with a coded reason: the reason
goes to the audit log, which holds no patient data); the record is kept either way.

The problem list holds the conditions followed over years (hypertension, diabetes…), coded
in ICD-10 and found as in the diagnoses tab; a problem is resolved or entered in error.

Allergies need `allergy.write` (doctors, nurses, pharmacists); the problem list needs
`problem.write` (doctors). Other roles read the lists and are told why they cannot change
them. Allergies and problems are records of the patient's state, not signed events: no
password is asked, but every change is confirmed inline and audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
)

from emr_desktop.core.catalog import DrugEntry, Icd10Entry
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.core.records import (
    Allergy,
    AllergyStatus,
    Problem,
    ProblemStatus,
    Severity,
)
from emr_desktop.core.text import fold
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.services import catalogs, clinical, prescribing
from emr_desktop.services.chart import Chart, FacilityDirectory
from emr_desktop.services.clinical import StatusReason
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.diagnoses import Icd10ResultsModel, icd10_name
from emr_desktop.ui.chart.notes import (
    ClinicalTab,
    error_label,
    records_table,
    search_with_results,
    selected_row,
    show_error,
)
from emr_desktop.ui.chart.prescriptions import DrugResultsModel
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.labels import codes, label, local_date, local_time

_CONTEXT = "AllergiesTab"
SEVERE_COLOUR = "#b00020"
PAST_COLOUR = "#6b6b6b"
#: Most results a search shows: the user narrows by typing more.
SEARCH_LIMIT = 50
#: Fewest letters before the drug catalogue is searched (one letter finds half of it).
MIN_DRUG_QUERY = 2

_ALLERGY_STATUSES = {
    AllergyStatus.ACTIVE.value: QT_TRANSLATE_NOOP("AllergiesTab", "active"),
    AllergyStatus.INACTIVE.value: QT_TRANSLATE_NOOP("AllergiesTab", "inactive"),
    AllergyStatus.ENTERED_IN_ERROR.value: QT_TRANSLATE_NOOP("AllergiesTab", "entered in error"),
}
_PROBLEM_STATUSES = {
    ProblemStatus.ACTIVE.value: QT_TRANSLATE_NOOP("AllergiesTab", "current"),
    ProblemStatus.RESOLVED.value: QT_TRANSLATE_NOOP("AllergiesTab", "resolved"),
    ProblemStatus.ENTERED_IN_ERROR.value: QT_TRANSLATE_NOOP("AllergiesTab", "entered in error"),
}
_REASONS = {
    StatusReason.WRONG_PATIENT.value: QT_TRANSLATE_NOOP(
        "AllergiesTab", "recorded on the wrong patient"
    ),
    StatusReason.DUPLICATE.value: QT_TRANSLATE_NOOP("AllergiesTab", "recorded twice"),
    StatusReason.ENTRY_MISTAKE.value: QT_TRANSLATE_NOOP(
        "AllergiesTab", "typing or selection mistake"
    ),
}
# "Not confirmed" reads differently for an allergy and for a condition.
_NOT_AN_ALLERGY = QT_TRANSLATE_NOOP(
    "AllergiesTab", "not an allergy on review (intolerance, side effect)"
)
_NOT_THE_CONDITION = QT_TRANSLATE_NOOP("AllergiesTab", "condition not confirmed on review")

# Order of the lists: what matters now first, then the history, then the mistakes.
_STATUS_ORDER = {"active": 0, "inactive": 1, "resolved": 1, "entered_in_error": 2}
_SEVERITY_ORDER = {Severity.SEVERE.value: 0, Severity.MODERATE.value: 1, Severity.MILD.value: 2}

_ROOT = QModelIndex()


def _tr(text: object) -> str:
    return QCoreApplication.translate(_CONTEXT, str(text))


def allergy_status_name(status: str) -> str:
    source = _ALLERGY_STATUSES.get(status)
    return _tr(source) if source else status


def problem_status_name(status: str) -> str:
    source = _PROBLEM_STATUSES.get(status)
    return _tr(source) if source else status


def substance_of(drug: DrugEntry) -> str:
    """What a drug of the catalogue is recorded as: its active ingredients, as the catalogue
    writes them ("Amoxicilin + acid clavulanic")."""
    parts = [part.strip() for part in drug.active_ingredient.split(";") if part.strip()]
    return " + ".join(parts) or drug.name_vi


def _newest_first(records: Sequence[Any]) -> list[Any]:
    return sorted(records, key=lambda r: r.created_at, reverse=True)


class _RecordsModel(QAbstractTableModel):
    """Allergies or problems of a chart as rows of a table (a few per patient: every row is
    kept whole)."""

    CONTEXT = ""
    HEADERS: tuple[object, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self._records: list[Any] = []
        self.directory: FacilityDirectory | None = None

    def set_records(self, records: Sequence[Any]) -> None:
        self.beginResetModel()
        self._records = self.ordered(records)
        self.endResetModel()

    def ordered(self, records: Sequence[Any]) -> list[Any]:
        raise NotImplementedError

    def set_directory(self, directory: FacilityDirectory) -> None:
        self.directory = directory
        self._refresh()

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.HEADERS) - 1)
        self._refresh()

    def _refresh(self) -> None:
        if self._records:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._records) - 1, len(self.HEADERS) - 1)
            )

    def records(self) -> list[Any]:
        return list(self._records)

    def record_at(self, row: int) -> Any:
        return self._records[row]

    def row_of(self, record_id: str | None) -> int:
        """The row of a record, or -1."""
        return next((i for i, r in enumerate(self._records) if r.id == record_id), -1)

    def recorded(self, record: Any, *, with_time: bool = False) -> str:
        """Who recorded it and on which day (the tooltip gives the time too)."""
        created: datetime = record.created_at
        when = (
            local_time(created) if with_time else local_date(created.astimezone(VIETNAM_TZ).date())
        )
        name = self.directory.staff_name(record.created_by) if self.directory is not None else ""
        return f"{name} · {when}" if name else when

    def cell(self, record: Any, column: int) -> str:
        raise NotImplementedError

    def tooltip(self, record: Any, column: int) -> str:
        if column == len(self.HEADERS) - 1:
            return self.recorded(record, with_time=True)
        return self.cell(record, column)

    def colour(self, record: Any) -> str | None:
        if record.status == "active":
            return None
        return PAST_COLOUR

    def font(self, record: Any) -> QFont | None:
        if record.status != "entered_in_error":
            return None
        font = QFont()
        font.setStrikeOut(True)
        font.setItalic(True)
        return font

    # ------------------------------------------------------------------ Qt model
    def rowCount(  # noqa: N802 - Qt name
        self, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> int:
        return 0 if parent.isValid() else len(self._records)

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
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        record = self._records[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(record, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(record, index.column())
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = self.colour(record)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.FontRole:
            return self.font(record)
        return None


_ALLERGY_HEADERS = (
    QT_TRANSLATE_NOOP("AllergiesModel", "Substance"),
    QT_TRANSLATE_NOOP("AllergiesModel", "Reaction"),
    QT_TRANSLATE_NOOP("AllergiesModel", "Severity"),
    QT_TRANSLATE_NOOP("AllergiesModel", "Status"),
    QT_TRANSLATE_NOOP("AllergiesModel", "Recorded"),
)
AL_SUBSTANCE, AL_REACTION, AL_SEVERITY, AL_STATUS, AL_RECORDED = range(len(_ALLERGY_HEADERS))


class AllergiesModel(_RecordsModel):
    """The patient's allergies: active ones first, the severe ones of those first and red."""

    CONTEXT = "AllergiesModel"
    HEADERS = _ALLERGY_HEADERS

    def ordered(self, records: Sequence[Any]) -> list[Any]:
        return sorted(
            _newest_first(records),
            key=lambda a: (_STATUS_ORDER.get(a.status, 3), _SEVERITY_ORDER.get(a.severity, 3)),
        )

    def allergy_at(self, row: int) -> Allergy:
        allergy: Allergy = self.record_at(row)
        return allergy

    def cell(self, record: Any, column: int) -> str:
        allergy: Allergy = record
        if column == AL_SUBSTANCE:
            return allergy.substance
        if column == AL_REACTION:
            return allergy.reaction or ""
        if column == AL_SEVERITY:
            return label("severity", allergy.severity)
        if column == AL_STATUS:
            return allergy_status_name(allergy.status)
        return self.recorded(allergy)

    def tooltip(self, record: Any, column: int) -> str:
        allergy: Allergy = record
        text = self.cell(allergy, column)
        if column == AL_SUBSTANCE and allergy.drug_code:
            return QCoreApplication.translate(
                "AllergiesModel", "{substance} (drug catalogue code {code})"
            ).format(substance=text, code=allergy.drug_code)
        return super().tooltip(allergy, column)

    def colour(self, record: Any) -> str | None:
        if record.status == AllergyStatus.ACTIVE and record.severity == Severity.SEVERE:
            return SEVERE_COLOUR
        return super().colour(record)

    def font(self, record: Any) -> QFont | None:
        if record.status == AllergyStatus.ACTIVE and record.severity == Severity.SEVERE:
            font = QFont()
            font.setBold(True)
            return font
        return super().font(record)


_PROBLEM_HEADERS = (
    QT_TRANSLATE_NOOP("ProblemsModel", "ICD-10"),
    QT_TRANSLATE_NOOP("ProblemsModel", "Condition"),
    QT_TRANSLATE_NOOP("ProblemsModel", "Status"),
    QT_TRANSLATE_NOOP("ProblemsModel", "Recorded"),
)
PR_CODE, PR_NAME, PR_STATUS, PR_RECORDED = range(len(_PROBLEM_HEADERS))


class ProblemsModel(_RecordsModel):
    """The problem list: current conditions first, then the resolved ones."""

    CONTEXT = "ProblemsModel"
    HEADERS = _PROBLEM_HEADERS

    def ordered(self, records: Sequence[Any]) -> list[Any]:
        return sorted(_newest_first(records), key=lambda p: _STATUS_ORDER.get(p.status, 3))

    def problem_at(self, row: int) -> Problem:
        problem: Problem = self.record_at(row)
        return problem

    def cell(self, record: Any, column: int) -> str:
        problem: Problem = record
        if column == PR_CODE:
            return problem.icd10
        if column == PR_NAME:
            return problem.description
        if column == PR_STATUS:
            return problem_status_name(problem.status)
        return self.recorded(problem)


class StatusPanel(QFrame):
    """Inline confirmation of a change of status, with the reason when one is needed.

    `ask` opens it; `confirmed` is emitted with the chosen reason code ("" when none is
    asked). A refusal comes back through `fail`: the panel stays open and says why.
    """

    confirmed = Signal(str)

    def __init__(self, name: str, not_confirmed_reason: object) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._not_confirmed = not_confirmed_reason
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        font = QFont(self.prompt.font())
        font.setBold(True)
        self.prompt.setFont(font)
        self.reason = QComboBox()
        self.reason.setObjectName(f"{name}_reason")
        self._reason_label = QLabel()
        self._reason_label.setBuddy(self.reason)
        self.confirm = QPushButton()
        self.confirm.setObjectName(f"{name}_confirm")
        self.cancel = QPushButton()
        self.cancel.setObjectName(f"{name}_cancel")
        self.error = error_label()
        self.error.setObjectName(f"{name}_error")
        reason_row = QHBoxLayout()
        reason_row.addWidget(self._reason_label)
        reason_row.addWidget(self.reason, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.confirm)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addLayout(reason_row)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.confirm.clicked.connect(self._on_confirm)
        self.cancel.clicked.connect(self.close_panel)
        self.hide()
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self._reason_label.setText(self.tr("Reaso&n:"))
        self.cancel.setText(self.tr("Cancel"))
        wanted = self.reason.currentData()
        self.reason.clear()
        self.reason.addItem(self.tr("— choose the reason —"), "")
        for code in StatusReason:
            source = _REASONS.get(code.value, self._not_confirmed)
            self.reason.addItem(_tr(source), code.value)
        self.reason.setCurrentIndex(max(0, self.reason.findData(wanted)))

    def ask(self, prompt: str, action: str, *, with_reason: bool) -> None:
        """Open the panel: `prompt` says what changes, `action` is the confirm button's text."""
        self.prompt.setText(prompt)
        self.confirm.setText(action)
        self.reason.setCurrentIndex(0)
        self.reason.setVisible(with_reason)
        self._reason_label.setVisible(with_reason)
        show_error(self.error, "")
        self.set_busy(False)
        self.show()
        (self.reason if with_reason else self.confirm).setFocus()

    def fail(self, text: str) -> None:
        self.set_busy(False)
        show_error(self.error, text)

    def set_busy(self, busy: bool) -> None:
        self.confirm.setEnabled(not busy)
        self.reason.setEnabled(not busy)

    def close_panel(self) -> None:
        show_error(self.error, "")
        self.hide()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt name
        if event.key() == Qt.Key.Key_Escape:
            self.close_panel()
            return
        super().keyPressEvent(event)

    def _on_confirm(self) -> None:
        code = str(self.reason.currentData() or "")
        if self.reason.isVisibleTo(self) and not code:
            show_error(self.error, self.tr("Choose the reason it was entered in error."))
            self.reason.setFocus()
            return
        self.set_busy(True)
        show_error(self.error, "")
        self.confirmed.emit(code)


class _Section(QGroupBox):
    """What the allergy list and the problem list share: the context, the patient, who may
    write, and the list with its status actions."""

    # A write succeeded: the chart is to be read again.
    changed = Signal()

    PERMISSION = Permission.ALLERGY_WRITE

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__()
        self._ctx = ctx
        self.patient_id = patient_id
        self.chart: Chart | None = None
        # What the status panel confirms: (record id, new status).
        self._pending: tuple[str, str] | None = None
        self.notice = QLabel()
        self.notice.setWordWrap(True)

    def may_write(self) -> bool:
        session = self._ctx.session
        return session is not None and allows(session.role, self.PERMISSION)

    def _selected_id(self, table: QTableView, model: _RecordsModel) -> str | None:
        row = selected_row(table)
        return model.record_at(row).id if row >= 0 else None

    @staticmethod
    def _reselect(table: QTableView, model: _RecordsModel, record_id: str | None) -> None:
        row = model.row_of(record_id)
        if row >= 0:
            table.selectRow(row)
        else:
            table.clearSelection()

    def _field_message(self, error: BaseException, names: dict[str, str]) -> str:
        """An error for an inline label: "Field: what is wrong" when the field is known."""
        if isinstance(error, ValidationError) and error.field in names:
            return f"{names[error.field]}: {i18n.error_text(error, with_field=False)}"
        return i18n.error_text(error)


class AllergySection(_Section):
    """The allergy list, its status actions and the form to record a new allergy."""

    PERMISSION = Permission.ALLERGY_WRITE

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__(ctx, patient_id)
        self.setObjectName("allergy_section")
        # The catalogue drug the substance was picked from, if it was.
        self.drug: DrugEntry | None = None
        self.notice.setObjectName("allergies_notice")

        self.model = AllergiesModel()
        self.table = records_table(self.model, "allergies_table", stretch=AL_SUBSTANCE)
        # The list stays readable while the form below is in use.
        self.table.setMinimumHeight(120)
        header = self.table.horizontalHeader()
        widths = (
            (AL_REACTION, 120),
            (AL_SEVERITY, 75),
            (AL_STATUS, 100),
            (AL_RECORDED, 190),
        )
        for column, width in widths:
            header.resizeSection(column, width)
        self.inactive_button = QPushButton()
        self.inactive_button.setObjectName("allergy_inactive")
        self.error_button = QPushButton()
        self.error_button.setObjectName("allergy_in_error")
        actions = QHBoxLayout()
        actions.addWidget(self.inactive_button)
        actions.addWidget(self.error_button)
        actions.addStretch(1)
        self.status_panel = StatusPanel("allergy_status", _NOT_AN_ALLERGY)

        self.substance = QLineEdit()
        self.substance.setObjectName("allergy_substance")
        self.substance.setMaxLength(255)
        self.substance.setClearButtonEnabled(True)
        self.drug_model = DrugResultsModel()
        self.drug_results = records_table(self.drug_model, "allergy_drug_results", stretch=0)
        self.drug_results.setMaximumHeight(150)
        self.drug_results.hide()
        self.source = QLabel()
        self.source.setObjectName("allergy_source")
        self.source.setWordWrap(True)
        self.reaction = QLineEdit()
        self.reaction.setObjectName("allergy_reaction")
        self.reaction.setMaxLength(255)
        self.severity = QComboBox()
        self.severity.setObjectName("allergy_severity")
        self.add_error = error_label()
        self.add_error.setObjectName("allergy_error")
        self.add_button = QPushButton()
        self.add_button.setObjectName("add_allergy")
        self._substance_label = QLabel()
        self._substance_label.setBuddy(self.substance)
        self._reaction_label = QLabel()
        self._reaction_label.setBuddy(self.reaction)
        self._severity_label = QLabel()
        self._severity_label.setBuddy(self.severity)
        form = QFormLayout()
        form.addRow(self._substance_label, self.substance)
        form.addRow("", self.drug_results)
        form.addRow("", self.source)
        form.addRow(self._reaction_label, self.reaction)
        form.addRow(self._severity_label, self.severity)
        add_row = QHBoxLayout()
        add_row.addStretch(1)
        add_row.addWidget(self.add_button)
        self.add_box = QGroupBox()
        add_layout = QVBoxLayout(self.add_box)
        add_layout.addLayout(form)
        add_layout.addWidget(self.add_error)
        add_layout.addLayout(add_row)

        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status_panel)
        layout.addWidget(self.add_box)

        search_with_results(self.substance, self.drug_results)
        self.substance.textEdited.connect(self._on_substance_edited)
        self.substance.returnPressed.connect(self._on_substance_entered)
        self.drug_results.clicked.connect(lambda index: self.choose_drug(index.row()))
        self.drug_results.activated.connect(lambda index: self.choose_drug(index.row()))
        self.reaction.returnPressed.connect(self.severity.setFocus)
        self.add_button.clicked.connect(self.add)
        self.inactive_button.clicked.connect(self.mark_selected_inactive)
        self.error_button.clicked.connect(self.mark_selected_in_error)
        self.status_panel.confirmed.connect(self._on_status_confirmed)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        i18n.watch_language(self, self.retranslate)

    # ------------------------------------------------------------------ language
    def retranslate(self) -> None:
        self.setTitle(self.tr("Allergies"))
        self.add_box.setTitle(self.tr("Record an allergy"))
        self._substance_label.setText(self.tr("&Substance:"))
        self.substance.setPlaceholderText(
            self.tr("A drug (found in the catalogue as you type: amoxi), a food, latex…")
        )
        self._reaction_label.setText(self.tr("&Reaction:"))
        self.reaction.setPlaceholderText(self.tr("Hives, Quincke's oedema, anaphylaxis…"))
        self._severity_label.setText(self.tr("Se&verity:"))
        self.add_button.setText(self.tr("&Add allergy"))
        self.inactive_button.setText(self.tr("Mark &inactive…"))
        self.error_button.setText(self.tr("Entered in &error…"))
        wanted = self.severity.currentData() or Severity.MODERATE.value
        self.severity.clear()
        for code in codes("severity"):
            self.severity.addItem(label("severity", code), code)
        self.severity.setCurrentIndex(max(0, self.severity.findData(wanted)))
        self.model.retranslate()
        self.drug_model.retranslate()
        self._show_source()
        self._show_permissions()

    def _show_permissions(self) -> None:
        writer = self.may_write()
        self.add_box.setVisible(writer)
        self.add_box.setEnabled(self.chart is not None)
        self.inactive_button.setVisible(writer)
        self.error_button.setVisible(writer)
        self.notice.setText(
            ""
            if writer
            else self.tr(
                "Your role may read the allergies but not record or change them "
                "(doctors, nurses and pharmacists do)."
            )
        )
        self.notice.setVisible(not writer)
        if not writer:
            self.status_panel.close_panel()
        self._show_actions()

    # ------------------------------------------------------------------ chart
    def set_chart(self, chart: Chart) -> None:
        """Fill the list from the loaded chart; an allergy being typed is left alone."""
        selected = self._selected_id(self.table, self.model)
        self.chart = chart
        self.patient_id = chart.patient.id
        self.model.set_records([a for a in chart.allergies if a.deleted_at is None])
        self._reselect(self.table, self.model, selected)
        if self._pending is not None and self.model.row_of(self._pending[0]) < 0:
            self._close_status()
        self._show_permissions()

    def set_directory(self, directory: FacilityDirectory) -> None:
        self.model.set_directory(directory)

    def active_allergies(self) -> list[Allergy]:
        return [a for a in self.model.records() if a.status == AllergyStatus.ACTIVE]

    # ------------------------------------------------------------------ drug catalogue
    def _on_substance_edited(self, text: str) -> None:
        # Typing over a catalogue drug makes the allergy a free-text one.
        self.drug = None
        show_error(self.add_error, "")
        self._show_source()
        if len(fold(text)) < MIN_DRUG_QUERY:
            self._show_drugs(text, [])
            return
        self._ctx.call(
            catalogs.search_drugs,
            text,
            limit=SEARCH_LIMIT,
            key=f"allergy-drug-search-{id(self)}",
            on_done=partial(self._show_drugs, text),
            owner=self,
        )

    def _show_drugs(self, query: str, found: list[DrugEntry]) -> None:
        if query != self.substance.text():
            return
        # Drugs an allergy already on the chart warns about are shown in red.
        covered = prescribing.allergy_matches(
            found, self.active_allergies(), {d.code: d for d in found}
        )
        self.drug_model.set_drugs(found, {m.drug_code for m in covered})
        self.drug_results.setVisible(bool(found))

    def _on_substance_entered(self) -> None:
        # Enter takes the result the user moved to with the arrows; otherwise the typed
        # text stands (a food, or a drug class such as "penicilin") and the form goes on.
        row = selected_row(self.drug_results)
        if not self.drug_results.isHidden() and row >= 0:
            self.choose_drug(row)
        else:
            self.reaction.setFocus()

    def choose_drug(self, row: int) -> None:
        """Take the found drug at `row` as the allergen."""
        if not 0 <= row < self.drug_model.rowCount():
            return
        self.drug = self.drug_model.drug_at(row)
        self.substance.setText(substance_of(self.drug))
        self.drug_model.set_drugs([], set())
        self.drug_results.hide()
        show_error(self.add_error, "")
        self._show_source()
        self.reaction.setFocus()

    def _show_source(self) -> None:
        if self.drug is not None:
            self.source.setText(
                self.tr(
                    "From the drug catalogue: {name} ({code}). Prescribing warns on this drug "
                    "and on every drug with the same active ingredient."
                ).format(name=self.drug.name_vi, code=self.drug.code)
            )
        elif self.substance.text().strip():
            self.source.setText(
                self.tr(
                    "Not from the drug catalogue: prescribing warns on drugs whose active "
                    "ingredient or drug class has this name."
                )
            )
        else:
            self.source.setText(
                self.tr("Drugs are found as you type; use ↓ and Enter to pick one.")
            )

    # ------------------------------------------------------------------ add
    def add(self) -> None:
        """Record the allergy in the form."""
        substance = " ".join(self.substance.text().split())
        if not substance:
            show_error(
                self.add_error,
                self.tr("Substance: say what the patient is allergic to."),
            )
            self.substance.setFocus()
            return
        already = self._already_recorded(substance)
        if already is not None:
            show_error(
                self.add_error,
                self.tr("An active allergy to {substance} is already recorded.").format(
                    substance=already.substance
                ),
            )
            self.substance.setFocus()
            return
        show_error(self.add_error, "")
        self.add_button.setEnabled(False)
        reaction = " ".join(self.reaction.text().split())
        self._ctx.call(
            clinical.add_allergy,
            patient_id=self.patient_id,
            substance=substance,
            reaction=reaction or None,
            severity=str(self.severity.currentData()),
            drug_code=self.drug.code if self.drug is not None else None,
            on_done=self._added,
            on_error=self._add_failed,
            owner=self,
        )

    def _already_recorded(self, substance: str) -> Allergy | None:
        folded = fold(substance)
        code = self.drug.code if self.drug is not None else None
        for allergy in self.active_allergies():
            if fold(allergy.substance) == folded or (code and allergy.drug_code == code):
                return allergy
        return None

    def _add_failed(self, error: BaseException) -> None:
        self.add_button.setEnabled(True)
        names = {
            "substance": self.tr("Substance"),
            "reaction": self.tr("Reaction"),
            "severity": self.tr("Severity"),
        }
        show_error(self.add_error, self._field_message(error, names))
        widget = {"substance": self.substance, "reaction": self.reaction}.get(
            getattr(error, "field", "")
        )
        if widget is not None:
            widget.setFocus()

    def _added(self, allergy: Allergy) -> None:
        self.add_button.setEnabled(True)
        self.drug = None
        self.substance.clear()
        self.reaction.clear()
        self.severity.setCurrentIndex(max(0, self.severity.findData(Severity.MODERATE.value)))
        self.drug_model.set_drugs([], set())
        self.drug_results.hide()
        self._show_source()
        self._ctx.inform(
            self.tr("Allergy to {substance} recorded.").format(substance=allergy.substance)
        )
        self.changed.emit()
        self.substance.setFocus()

    # ------------------------------------------------------------------ status
    def _selected(self) -> Allergy | None:
        row = selected_row(self.table)
        return self.model.allergy_at(row) if row >= 0 else None

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        # The panel asks about one entry: another one chosen, it closes (a reload that
        # selects the same entry again leaves it open).
        chosen = self._selected()
        if self._pending is not None and (chosen is None or chosen.id != self._pending[0]):
            self._close_status()
        self._show_actions()

    def _show_actions(self) -> None:
        allergy = self._selected()
        writer = self.may_write()
        self.inactive_button.setEnabled(
            writer and allergy is not None and allergy.status == AllergyStatus.ACTIVE
        )
        self.error_button.setEnabled(
            writer and allergy is not None and allergy.status != AllergyStatus.ENTERED_IN_ERROR
        )

    def mark_selected_inactive(self) -> None:
        """Ask to confirm that the selected allergy no longer applies."""
        allergy = self._selected()
        if allergy is None or allergy.status != AllergyStatus.ACTIVE:
            return
        self._pending = (allergy.id, AllergyStatus.INACTIVE.value)
        self.status_panel.ask(
            self.tr(
                "Mark the allergy to {substance} inactive (no longer relevant)? It leaves the "
                "banner and no longer warns on prescribing; the record is kept."
            ).format(substance=allergy.substance),
            self.tr("Mark inactive"),
            with_reason=False,
        )

    def mark_selected_in_error(self) -> None:
        """Ask for the reason to mark the selected allergy entered in error."""
        allergy = self._selected()
        if allergy is None or allergy.status == AllergyStatus.ENTERED_IN_ERROR:
            return
        self._pending = (allergy.id, AllergyStatus.ENTERED_IN_ERROR.value)
        self.status_panel.ask(
            self.tr(
                "Mark the allergy to {substance} as entered in error? It leaves the banner "
                "and no longer warns on prescribing; the record is kept, struck out."
            ).format(substance=allergy.substance),
            self.tr("Mark entered in error"),
            with_reason=True,
        )

    def _on_status_confirmed(self, reason: str) -> None:
        if self._pending is None:
            return
        allergy_id, status = self._pending
        self._ctx.call(
            clinical.set_allergy_status,
            allergy_id=allergy_id,
            status=status,
            reason=reason or None,
            on_done=self._status_changed,
            on_error=self._status_failed,
            owner=self,
        )

    def _status_failed(self, error: BaseException) -> None:
        self.status_panel.fail(i18n.error_text(error, with_field=False))

    def _status_changed(self, allergy: Allergy) -> None:
        self._close_status()
        if allergy.status == AllergyStatus.INACTIVE:
            message = self.tr("The allergy to {substance} is marked inactive.")
        else:
            message = self.tr("The allergy to {substance} is marked entered in error.")
        self._ctx.inform(message.format(substance=allergy.substance))
        self.changed.emit()

    def _close_status(self) -> None:
        self._pending = None
        self.status_panel.close_panel()


class ProblemSection(_Section):
    """The problem list, its status actions and the form to add a condition."""

    PERMISSION = Permission.PROBLEM_WRITE

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__(ctx, patient_id)
        self.setObjectName("problem_section")
        self.chosen: Icd10Entry | None = None
        self.notice.setObjectName("problems_notice")

        self.model = ProblemsModel()
        self.table = records_table(self.model, "problems_table", stretch=PR_NAME)
        self.table.setMinimumHeight(120)
        header = self.table.horizontalHeader()
        for column, width in ((PR_CODE, 55), (PR_STATUS, 80), (PR_RECORDED, 190)):
            header.resizeSection(column, width)
        self.resolve_button = QPushButton()
        self.resolve_button.setObjectName("problem_resolved")
        self.error_button = QPushButton()
        self.error_button.setObjectName("problem_in_error")
        actions = QHBoxLayout()
        actions.addWidget(self.resolve_button)
        actions.addWidget(self.error_button)
        actions.addStretch(1)
        self.status_panel = StatusPanel("problem_status", _NOT_THE_CONDITION)

        self.search = QLineEdit()
        self.search.setObjectName("problem_icd10_search")
        self.search.setClearButtonEnabled(True)
        self.results_model = Icd10ResultsModel()
        self.results = records_table(self.results_model, "problem_icd10_results", stretch=1)
        self.results.horizontalHeader().resizeSection(0, 70)
        self.results.setMaximumHeight(150)
        self.results.hide()
        self.chosen_label = QLabel()
        self.chosen_label.setObjectName("problem_chosen")
        self.chosen_label.setWordWrap(True)
        self.description = QLineEdit()
        self.description.setObjectName("problem_description")
        self.description.setMaxLength(500)
        self.add_error = error_label()
        self.add_error.setObjectName("problem_error")
        self.add_button = QPushButton()
        self.add_button.setObjectName("add_problem")
        self._search_label = QLabel()
        self._search_label.setBuddy(self.search)
        self._description_label = QLabel()
        self._description_label.setBuddy(self.description)
        form = QFormLayout()
        form.addRow(self._search_label, self.search)
        form.addRow("", self.results)
        form.addRow("", self.chosen_label)
        form.addRow(self._description_label, self.description)
        add_row = QHBoxLayout()
        add_row.addStretch(1)
        add_row.addWidget(self.add_button)
        self.add_box = QGroupBox()
        add_layout = QVBoxLayout(self.add_box)
        add_layout.addLayout(form)
        add_layout.addWidget(self.add_error)
        add_layout.addLayout(add_row)

        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status_panel)
        layout.addWidget(self.add_box)

        search_with_results(self.search, self.results)
        self.search.textChanged.connect(self._on_search_changed)
        self.search.returnPressed.connect(self._choose_current)
        self.results.clicked.connect(lambda index: self.choose(index.row()))
        self.results.activated.connect(lambda index: self.choose(index.row()))
        self.description.returnPressed.connect(self.add)
        self.add_button.clicked.connect(self.add)
        self.resolve_button.clicked.connect(self.mark_selected_resolved)
        self.error_button.clicked.connect(self.mark_selected_in_error)
        self.status_panel.confirmed.connect(self._on_status_confirmed)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        i18n.watch_language(self, self.retranslate)

    # ------------------------------------------------------------------ language
    def retranslate(self) -> None:
        self.setTitle(self.tr("Problem list (chronic conditions)"))
        self.add_box.setTitle(self.tr("Add a condition"))
        self._search_label.setText(self.tr("IC&D-10:"))
        self.search.setPlaceholderText(
            self.tr("Code or name, without diacritics if you like: I10, tang huyet ap")
        )
        self._description_label.setText(self.tr("&Wording:"))
        self.add_button.setText(self.tr("Add &condition"))
        self.resolve_button.setText(self.tr("Mark res&olved…"))
        self.error_button.setText(self.tr("Entered in error…"))
        self.model.retranslate()
        self.results_model.retranslate()
        self._show_chosen()
        self._show_permissions()

    def _show_permissions(self) -> None:
        writer = self.may_write()
        self.add_box.setVisible(writer)
        self.add_box.setEnabled(self.chart is not None)
        self.resolve_button.setVisible(writer)
        self.error_button.setVisible(writer)
        self.notice.setText(
            "" if writer else self.tr("Only doctors add conditions to the problem list.")
        )
        self.notice.setVisible(not writer)
        if not writer:
            self.status_panel.close_panel()
        self._show_actions()

    # ------------------------------------------------------------------ chart
    def set_chart(self, chart: Chart) -> None:
        """Fill the list from the loaded chart; a condition being chosen is left alone."""
        selected = self._selected_id(self.table, self.model)
        self.chart = chart
        self.patient_id = chart.patient.id
        self.model.set_records([p for p in chart.problems if p.deleted_at is None])
        self._reselect(self.table, self.model, selected)
        if self._pending is not None and self.model.row_of(self._pending[0]) < 0:
            self._close_status()
        self._show_permissions()

    def set_directory(self, directory: FacilityDirectory) -> None:
        self.model.set_directory(directory)

    # ------------------------------------------------------------------ ICD-10
    def _on_search_changed(self, text: str) -> None:
        if not text.strip():
            self._show_results(text, [])
            return
        self._ctx.call(
            catalogs.search_icd10,
            text,
            limit=SEARCH_LIMIT,
            key=f"problem-icd10-search-{id(self)}",
            on_done=partial(self._show_results, text),
            owner=self,
        )

    def _show_results(self, query: str, found: list[Icd10Entry]) -> None:
        if query != self.search.text():
            return
        self.results_model.set_entries(found)
        self.results.setVisible(bool(found))
        if found:
            self.results.selectRow(0)

    def _choose_current(self) -> None:
        row = selected_row(self.results)
        if row < 0 and self.results_model.rowCount():
            row = 0
        if row >= 0:
            self.choose(row)

    def choose(self, row: int) -> None:
        """Take the found ICD-10 entry at `row` as the condition to add."""
        if not 0 <= row < self.results_model.rowCount():
            return
        self.chosen = self.results_model.entry_at(row)
        # The Vietnamese name goes on the record, as the Bộ Y tế list words it.
        self.description.setText(self.chosen.name_vi or self.chosen.name_en)
        show_error(self.add_error, "")
        self._show_chosen()
        self.description.setFocus()
        self.description.selectAll()

    def _show_chosen(self) -> None:
        if self.chosen is None:
            self.chosen_label.setText(self.tr("Search, then choose the condition from the list."))
        else:
            self.chosen_label.setText(
                self.tr("Chosen: {code} — {name}").format(
                    code=self.chosen.code, name=icd10_name(self.chosen)
                )
            )

    # ------------------------------------------------------------------ add
    def add(self) -> None:
        """Add the chosen condition to the problem list."""
        if self.chosen is None:
            show_error(self.add_error, self.tr("Choose the condition from the search results."))
            self.search.setFocus()
            return
        description = " ".join(self.description.text().split())
        if not description:
            show_error(self.add_error, self.tr("Wording: say how the condition is written."))
            self.description.setFocus()
            return
        listed = next(
            (
                p
                for p in self.model.records()
                if p.status == ProblemStatus.ACTIVE and p.icd10 == self.chosen.code
            ),
            None,
        )
        if listed is not None:
            show_error(
                self.add_error,
                self.tr("{code} is already on the problem list.").format(code=listed.icd10),
            )
            self.search.setFocus()
            return
        show_error(self.add_error, "")
        self.add_button.setEnabled(False)
        self._ctx.call(
            clinical.add_problem,
            patient_id=self.patient_id,
            icd10=self.chosen.code,
            description=description,
            on_done=self._added,
            on_error=self._add_failed,
            owner=self,
        )

    def _add_failed(self, error: BaseException) -> None:
        self.add_button.setEnabled(True)
        names = {"icd10": self.tr("ICD-10"), "description": self.tr("Wording")}
        show_error(self.add_error, self._field_message(error, names))

    def _added(self, problem: Problem) -> None:
        self.add_button.setEnabled(True)
        self.chosen = None
        self.search.clear()
        self.description.clear()
        self._show_chosen()
        self._ctx.inform(self.tr("{code} added to the problem list.").format(code=problem.icd10))
        self.changed.emit()
        self.search.setFocus()

    # ------------------------------------------------------------------ status
    def _selected(self) -> Problem | None:
        row = selected_row(self.table)
        return self.model.problem_at(row) if row >= 0 else None

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        # The panel asks about one entry: another one chosen, it closes (a reload that
        # selects the same entry again leaves it open).
        chosen = self._selected()
        if self._pending is not None and (chosen is None or chosen.id != self._pending[0]):
            self._close_status()
        self._show_actions()

    def _show_actions(self) -> None:
        problem = self._selected()
        writer = self.may_write()
        self.resolve_button.setEnabled(
            writer and problem is not None and problem.status == ProblemStatus.ACTIVE
        )
        self.error_button.setEnabled(
            writer and problem is not None and problem.status != ProblemStatus.ENTERED_IN_ERROR
        )

    def mark_selected_resolved(self) -> None:
        """Ask to confirm that the selected condition is resolved."""
        problem = self._selected()
        if problem is None or problem.status != ProblemStatus.ACTIVE:
            return
        self._pending = (problem.id, ProblemStatus.RESOLVED.value)
        self.status_panel.ask(
            self.tr("Mark {code} {name} resolved? It stays on the list as history.").format(
                code=problem.icd10, name=problem.description
            ),
            self.tr("Mark resolved"),
            with_reason=False,
        )

    def mark_selected_in_error(self) -> None:
        """Ask for the reason to mark the selected condition entered in error."""
        problem = self._selected()
        if problem is None or problem.status == ProblemStatus.ENTERED_IN_ERROR:
            return
        self._pending = (problem.id, ProblemStatus.ENTERED_IN_ERROR.value)
        self.status_panel.ask(
            self.tr(
                "Mark {code} {name} as entered in error? The record is kept, struck out."
            ).format(code=problem.icd10, name=problem.description),
            self.tr("Mark entered in error"),
            with_reason=True,
        )

    def _on_status_confirmed(self, reason: str) -> None:
        if self._pending is None:
            return
        problem_id, status = self._pending
        self._ctx.call(
            clinical.set_problem_status,
            problem_id=problem_id,
            status=status,
            reason=reason or None,
            on_done=self._status_changed,
            on_error=self._status_failed,
            owner=self,
        )

    def _status_failed(self, error: BaseException) -> None:
        self.status_panel.fail(i18n.error_text(error, with_field=False))

    def _status_changed(self, problem: Problem) -> None:
        self._close_status()
        if problem.status == ProblemStatus.RESOLVED:
            message = self.tr("{code} is marked resolved.")
        else:
            message = self.tr("{code} is marked entered in error.")
        self._ctx.inform(message.format(code=problem.icd10))
        self.changed.emit()

    def _close_status(self) -> None:
        self._pending = None
        self.status_panel.close_panel()


class AllergiesTab(ClinicalTab):
    """Allergies beside the problem list."""

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__(ctx, patient_id)
        self.setObjectName("allergies_tab")
        self.allergies = AllergySection(ctx, patient_id)
        self.problems = ProblemSection(ctx, patient_id)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.allergies)
        splitter.addWidget(self.problems)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.allergies.changed.connect(self.changed)
        self.problems.changed.connect(self.changed)

    def set_chart(self, chart: Chart) -> None:
        """Fill both lists from the loaded chart."""
        self.take_chart(chart)
        self.allergies.set_chart(chart)
        self.problems.set_chart(chart)

    def set_directory(self, directory: FacilityDirectory) -> None:
        super().set_directory(directory)
        self.allergies.set_directory(directory)
        self.problems.set_directory(directory)
