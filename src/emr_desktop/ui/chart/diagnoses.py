"""The chart's diagnoses: ICD-10 search as the doctor types (Vietnamese without diacritics,
English or the code), the primary diagnosis and the secondary ones, signed with the password.

Diagnoses are the doctors' (`diagnosis.write`, `diagnosis.sign`); other roles read them.
"""

from __future__ import annotations

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
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from emr_desktop.core.catalog import Icd10Entry
from emr_desktop.core.errors import AuthenticationError, ValidationError
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import Diagnosis, DiagnosisRank
from emr_desktop.services import catalogs, clinical
from emr_desktop.services.chart import Chart, ChartEvent, FacilityDirectory
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
from emr_desktop.ui.labels import local_time

_CONTEXT = "DiagnosesTab"
_RANKS = {
    DiagnosisRank.PRIMARY.value: QT_TRANSLATE_NOOP("DiagnosesTab", "primary"),
    DiagnosisRank.SECONDARY.value: QT_TRANSLATE_NOOP("DiagnosesTab", "secondary"),
}
#: Most results a search shows: the doctor narrows by typing more.
SEARCH_LIMIT = 50

_ROOT = QModelIndex()


def rank_name(rank: str | None) -> str:
    source = _RANKS.get(rank or "")
    return QCoreApplication.translate(_CONTEXT, str(source)) if source else (rank or "")


def icd10_name(entry: Icd10Entry) -> str:
    """The entry's name in the current language (the other one when it has none)."""
    return i18n.pick(entry.name_vi or entry.name_en, entry.name_en or entry.name_vi)


class Icd10ResultsModel(QAbstractTableModel):
    """The ICD-10 entries found for what the doctor typed: code and name."""

    _HEADERS = (
        QT_TRANSLATE_NOOP("Icd10ResultsModel", "Code"),
        QT_TRANSLATE_NOOP("Icd10ResultsModel", "Diagnosis"),
    )

    def __init__(self) -> None:
        super().__init__()
        self._entries: list[Icd10Entry] = []

    def set_entries(self, entries: list[Icd10Entry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entry_at(self, row: int) -> Icd10Entry:
        return self._entries[row]

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._HEADERS) - 1)
        if self._entries:
            self.dataChanged.emit(self.index(0, 1), self.index(len(self._entries) - 1, 1))

    def rowCount(  # noqa: N802 - Qt name
        self, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> int:
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(  # noqa: N802 - Qt name
        self, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> int:
        return 0 if parent.isValid() else len(self._HEADERS)

    def headerData(  # noqa: N802 - Qt name
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._HEADERS)
        ):
            return QCoreApplication.translate("Icd10ResultsModel", str(self._HEADERS[section]))
        return None

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return entry.code if index.column() == 0 else icd10_name(entry)
        return None


_DIAGNOSIS_HEADERS = (
    QT_TRANSLATE_NOOP("DiagnosesModel", "Time"),
    QT_TRANSLATE_NOOP("DiagnosesModel", "ICD-10"),
    QT_TRANSLATE_NOOP("DiagnosesModel", "Diagnosis"),
    QT_TRANSLATE_NOOP("DiagnosesModel", "Rank"),
    QT_TRANSLATE_NOOP("DiagnosesModel", "Status"),
    QT_TRANSLATE_NOOP("DiagnosesModel", "Doctor"),
)
DX_TIME, DX_CODE, DX_NAME, DX_RANK, DX_STATUS, DX_AUTHOR = range(len(_DIAGNOSIS_HEADERS))


class DiagnosesModel(EventTableModel):
    """The chart's current diagnoses, newest first."""

    CONTEXT = "DiagnosesModel"
    HEADERS = _DIAGNOSIS_HEADERS

    def cell(self, event: ChartEvent, body: dict[str, Any], column: int) -> str:
        if column == DX_TIME:
            return local_time(event.effective_time)
        if column == DX_CODE:
            return str(body.get("icd10", ""))
        if column == DX_NAME:
            return str(body.get("description") or "")
        if column == DX_RANK:
            return rank_name(body.get("rank"))
        if column == DX_STATUS:
            return self.status(event)
        return self.author(event)

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            role == Qt.ItemDataRole.FontRole
            and index.isValid()
            and 0 <= index.row() < self.rowCount()
            and self.body_at(index.row()).get("rank") == DiagnosisRank.PRIMARY
        ):
            font = QFont()
            font.setBold(True)
            font.setItalic(self.event_at(index.row()).status == "draft")
            return font
        return super().data(index, role)


class DiagnosesTab(ClinicalTab):
    """Search ICD-10 and add a diagnosis; the chart's diagnoses below."""

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__(ctx, patient_id)
        self.setObjectName("diagnoses_tab")
        self._chosen: Icd10Entry | None = None
        #: What the signature panel confirms: ("add", "") or ("sign"/"error", event id).
        self._pending: tuple[str, str] | None = None

        self.notice = QLabel()
        self.notice.setObjectName("diagnoses_notice")
        self.notice.setWordWrap(True)

        self.search = QLineEdit()
        self.search.setObjectName("icd10_search")
        self.search.setClearButtonEnabled(True)
        self.results_model = Icd10ResultsModel()
        self.results = records_table(self.results_model, "icd10_results", stretch=1)
        self.results.horizontalHeader().resizeSection(0, 80)
        self.results.setMaximumHeight(200)
        self.results_count = QLabel()
        self.chosen = QLabel()
        self.chosen.setObjectName("icd10_chosen")
        self.chosen.setWordWrap(True)
        self.rank = QComboBox()
        self.rank.setObjectName("diagnosis_rank")
        self.description = QLineEdit()
        self.description.setObjectName("diagnosis_description")
        self.description.setMaxLength(1000)
        self.add_error = error_label()
        self.add_error.setObjectName("diagnosis_error")
        self.add_draft = QPushButton()
        self.add_draft.setObjectName("add_diagnosis")
        self.add_and_sign = QPushButton()
        self.add_and_sign.setObjectName("add_and_sign_diagnosis")
        self._search_label = QLabel()
        self._search_label.setBuddy(self.search)
        self._rank_label = QLabel()
        self._rank_label.setBuddy(self.rank)
        self._description_label = QLabel()
        self._description_label.setBuddy(self.description)

        search_row = QHBoxLayout()
        search_row.addWidget(self._search_label)
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.results_count)
        details = QHBoxLayout()
        details.addWidget(self._rank_label)
        details.addWidget(self.rank)
        details.addWidget(self._description_label)
        details.addWidget(self.description, 1)
        add_buttons = QHBoxLayout()
        add_buttons.addStretch(1)
        add_buttons.addWidget(self.add_draft)
        add_buttons.addWidget(self.add_and_sign)
        self.add_box = QGroupBox()
        add_layout = QVBoxLayout(self.add_box)
        add_layout.addLayout(search_row)
        add_layout.addWidget(self.results)
        add_layout.addWidget(self.chosen)
        add_layout.addLayout(details)
        add_layout.addWidget(self.add_error)
        add_layout.addLayout(add_buttons)

        self.model = DiagnosesModel()
        self.table = records_table(self.model, "diagnoses_table", stretch=DX_NAME)
        header = self.table.horizontalHeader()
        header.resizeSection(DX_TIME, 130)
        header.resizeSection(DX_CODE, 70)
        self.sign_button = QPushButton()
        self.sign_button.setObjectName("sign_diagnosis")
        self.error_button = QPushButton()
        self.error_button.setObjectName("diagnosis_in_error")
        actions = QHBoxLayout()
        actions.addWidget(self.sign_button)
        actions.addWidget(self.error_button)
        actions.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.add_box)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.signature)

        search_with_results(self.search, self.results)
        self.search.textChanged.connect(self._on_search_changed)
        self.search.returnPressed.connect(self._choose_current)
        self.results.activated.connect(lambda index: self.choose(index.row()))
        self.results.clicked.connect(lambda index: self.choose(index.row()))
        self.add_draft.clicked.connect(lambda: self.add(sign=False))
        self.add_and_sign.clicked.connect(lambda: self.add(sign=True))
        self.sign_button.clicked.connect(self.sign_selected)
        self.error_button.clicked.connect(self.mark_selected_in_error)
        self.signature.cancelled.connect(self._on_signature_cancelled)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        i18n.watch_language(self, self.retranslate)

    # ------------------------------------------------------------------ language
    def retranslate(self) -> None:
        self.add_box.setTitle(self.tr("Add a diagnosis"))
        self._search_label.setText(self.tr("&ICD-10:"))
        self.search.setPlaceholderText(
            self.tr("Code or name, without diacritics if you like: J18, viem phoi")
        )
        self._rank_label.setText(self.tr("&Rank:"))
        self._description_label.setText(self.tr("&Wording:"))
        self.add_draft.setText(self.tr("Add as &draft"))
        self.add_and_sign.setText(self.tr("Add and si&gn…"))
        self.sign_button.setText(self.tr("&Sign…"))
        self.error_button.setText(self.tr("Entered in &error…"))
        wanted = self.rank.currentData()
        self.rank.clear()
        for code in _RANKS:
            self.rank.addItem(rank_name(code), code)
        self.rank.setCurrentIndex(max(0, self.rank.findData(wanted)))
        self.results_model.retranslate()
        self.model.retranslate()
        self._show_chosen()
        self._show_results_count()
        self._show_permissions()

    def _show_permissions(self) -> None:
        writer = self.may(Permission.DIAGNOSIS_WRITE)
        # Diagnoses attach to the visit in progress: known once the chart is loaded.
        self.add_box.setEnabled(writer and self.chart is not None)
        self.add_and_sign.setVisible(self.may(Permission.DIAGNOSIS_SIGN))
        self.notice.setText("" if writer else self.tr("Only doctors record diagnoses."))
        self.notice.setVisible(not writer)
        self._show_actions()

    # ------------------------------------------------------------------ chart
    def set_chart(self, chart: Chart) -> None:
        """Fill the list from the loaded chart; a diagnosis being chosen is left alone."""
        row = selected_row(self.table)
        selected = self.model.event_at(row).id if row >= 0 else None
        self.take_chart(chart)
        self._show_permissions()
        self.model.set_events([e for e in chart.current_events() if e.kind == "diagnosis"])
        select_event(self.table, self.model, selected)
        self._suggest_rank()
        self._show_actions()

    def set_directory(self, directory: FacilityDirectory) -> None:
        super().set_directory(directory)
        self.model.set_directory(directory)

    def primary_of_encounter(self) -> ChartEvent | None:
        """The current encounter's primary diagnosis, if it has one."""
        encounter = self.encounter_id()
        if encounter is None:
            return None
        for row in range(self.model.rowCount()):
            event = self.model.event_at(row)
            if (
                event.encounter_id == encounter
                and self.model.body_at(row).get("rank") == DiagnosisRank.PRIMARY
            ):
                return event
        return None

    def _suggest_rank(self) -> None:
        # One primary diagnosis per visit; the ones added after it are secondary.
        rank = DiagnosisRank.SECONDARY if self.primary_of_encounter() else DiagnosisRank.PRIMARY
        self.rank.setCurrentIndex(max(0, self.rank.findData(rank.value)))

    # ------------------------------------------------------------------ search
    def _on_search_changed(self, text: str) -> None:
        if not text.strip():
            self.results_model.set_entries([])
            self._show_results_count()
            return
        self._ctx.call(
            catalogs.search_icd10,
            text,
            limit=SEARCH_LIMIT,
            key=f"icd10-search-{id(self)}",
            on_done=partial(self._show_results, text),
        )

    def _show_results(self, query: str, found: list[Icd10Entry]) -> None:
        if query != self.search.text():
            return
        self.results_model.set_entries(found)
        if found:
            self.results.selectRow(0)
        self._show_results_count()

    def _show_results_count(self) -> None:
        count = self.results_model.rowCount()
        if not self.search.text().strip():
            self.results_count.setText("")
        elif count >= SEARCH_LIMIT:
            self.results_count.setText(self.tr("first %n found; type more", "", count))
        else:
            self.results_count.setText(self.tr("%n found", "", count))

    def _choose_current(self) -> None:
        row = selected_row(self.results)
        if row < 0 and self.results_model.rowCount():
            row = 0
        if row >= 0:
            self.choose(row)

    def choose(self, row: int) -> None:
        """Take the found entry at `row` as the diagnosis to add."""
        if not 0 <= row < self.results_model.rowCount():
            return
        self._chosen = self.results_model.entry_at(row)
        # The Vietnamese name goes on the record, as the Bộ Y tế list words it.
        self.description.setText(self._chosen.name_vi or self._chosen.name_en)
        show_error(self.add_error, "")
        self._show_chosen()
        self.rank.setFocus()

    def _show_chosen(self) -> None:
        if self._chosen is None:
            self.chosen.setText(self.tr("Search, then choose a diagnosis from the list."))
        else:
            self.chosen.setText(
                self.tr("Chosen: {code} — {name}").format(
                    code=self._chosen.code, name=icd10_name(self._chosen)
                )
            )

    # ------------------------------------------------------------------ add
    def _body(self) -> Diagnosis | None:
        if self._chosen is None:
            show_error(self.add_error, self.tr("Choose a diagnosis from the search results."))
            self.search.setFocus()
            return None
        rank = str(self.rank.currentData())
        primary = self.primary_of_encounter()
        if rank == DiagnosisRank.PRIMARY and primary is not None:
            show_error(
                self.add_error,
                self.tr(
                    "This visit already has a primary diagnosis ({code}). Add this one as "
                    "secondary, or mark the other entered in error first."
                ).format(code=primary.body.get("icd10", "")),
            )
            self.rank.setFocus()
            return None
        try:
            return Diagnosis(
                icd10=self._chosen.code,
                rank=rank,
                description=" ".join(self.description.text().split()) or None,
            )
        except ValidationError as error:
            show_error(self.add_error, i18n.error_text(error, with_field=False))
            return None

    def add(self, *, sign: bool) -> None:
        """Add the chosen diagnosis: as a draft, or signed after the password."""
        body = self._body()
        if body is None:
            return
        show_error(self.add_error, "")
        if sign:
            self._pending = ("add", "")
            self.signature.ask(
                self.tr("Sign the diagnosis {code}.").format(code=body.icd10),
                self.tr("Sign diagnosis"),
            )
            return
        self._set_adding(True)
        self._record(body, None)

    def _record(self, body: Diagnosis, password: str | None) -> None:
        self._ctx.call(
            clinical.record_event,
            patient_id=self.patient_id,
            body=body,
            encounter_id=self.encounter_id(),
            sign_password=password,
            on_done=self._added,
            on_error=self._add_failed,
        )

    def _set_adding(self, busy: bool) -> None:
        self.add_draft.setEnabled(not busy)
        self.add_and_sign.setEnabled(not busy)

    def _add_failed(self, error: BaseException) -> None:
        self._set_adding(False)
        if isinstance(error, AuthenticationError) and self.signature.is_open():
            self.signature_failed(error)
            return
        self.signature.close_panel()
        show_error(self.add_error, i18n.error_text(error))

    def _added(self, event: Any) -> None:
        self._set_adding(False)
        self._pending = None
        self.signature.close_panel()
        self._chosen = None
        self.search.clear()
        self.description.clear()
        self._show_chosen()
        signed = getattr(event, "status", "") == "signed"
        self._ctx.inform(
            self.tr("Diagnosis signed.") if signed else self.tr("Diagnosis saved as a draft.")
        )
        self.changed()
        self.search.setFocus()

    # ------------------------------------------------------------------ sign and correct
    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._pending is not None and self._pending[0] != "add":
            self.signature.close_panel()
        self._show_actions()

    def _show_actions(self) -> None:
        row = selected_row(self.table)
        event = self.model.event_at(row) if row >= 0 else None
        self.sign_button.setEnabled(
            event is not None and event.status == "draft" and self.may(Permission.DIAGNOSIS_SIGN)
        )
        self.error_button.setEnabled(event is not None and self.may(Permission.DIAGNOSIS_WRITE))

    def sign_selected(self) -> None:
        row = selected_row(self.table)
        if row < 0 or self.model.event_at(row).status != "draft":
            return
        self._pending = ("sign", self.model.event_at(row).id)
        self.signature.ask(
            self.tr("Sign the diagnosis {code}.").format(code=self.model.body_at(row)["icd10"]),
            self.tr("Sign diagnosis"),
        )

    def mark_selected_in_error(self) -> None:
        row = selected_row(self.table)
        if row < 0:
            return
        self._pending = ("error", self.model.event_at(row).id)
        self.signature.ask(
            self.tr("Mark the diagnosis {code} as entered in error.").format(
                code=self.model.body_at(row)["icd10"]
            ),
            self.tr("Mark entered in error"),
            with_reason=True,
        )

    def _on_signature_confirmed(self, password: str, reason: str) -> None:
        if self._pending is None:
            return
        action, event_id = self._pending
        if action == "add":
            body = self._body()
            if body is None:
                self.signature.close_panel()
                return
            self._set_adding(True)
            self._record(body, password)
        elif action == "sign":
            self._ctx.call(
                clinical.sign_event,
                event_id,
                password,
                on_done=lambda _e: self._done(self.tr("Diagnosis signed.")),
                on_error=self.signature_failed,
            )
        else:
            self._ctx.call(
                clinical.mark_entered_in_error,
                event_id,
                reason=reason,
                sign_password=password,
                on_done=lambda _e: self._done(
                    self.tr("The diagnosis was marked entered in error.")
                ),
                on_error=self.signature_failed,
            )

    def _on_signature_cancelled(self) -> None:
        self._pending = None
        self._set_adding(False)

    def _done(self, message: str) -> None:
        self._pending = None
        self.signature.close_panel()
        self._ctx.inform(message)
        self.changed()
