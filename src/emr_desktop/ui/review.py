"""Sync review: conflicts to settle, likely duplicate charts to merge, merges to undo
(DESIGN §4 "Merge", "Duplicates"; §6).

Nothing a user typed is ever lost in sync: when two PCs changed the same field, one value
is in force everywhere and the other waits here. A clerk sees whose record it is, both
values, and which PC wrote each when, and keeps the one in force or puts the other back.

Two PCs offline may register the same person. Likely pairs among the newest registrations
are listed with the two charts side by side; the clerk chooses the chart that stays and
merges. A merge is reversible: recent merges are listed with "Undo merge".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.core.errors import NotFound
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.core.records import Encounter, Patient
from emr_desktop.services import conflicts, duplicates, patients, review
from emr_desktop.services.auth import Session
from emr_desktop.services.review import ConflictView, DuplicatePair, Merge, Write
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import CHART, PATIENTS, SYNC, WARD, AppContext
from emr_desktop.ui.labels import birth_date, label, local_time

_CONTEXT = "ReviewScreen"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T")
_DIFFERENT = QColor("#fff3c4")

#: Names of the fields a conflict may be about.
FIELD_NAMES = {
    "full_name": QT_TRANSLATE_NOOP("ReviewScreen", "full name"),
    "sex": QT_TRANSLATE_NOOP("ReviewScreen", "sex"),
    "date_of_birth": QT_TRANSLATE_NOOP("ReviewScreen", "date of birth"),
    "cccd": QT_TRANSLATE_NOOP("ReviewScreen", "CCCD number"),
    "cmnd": QT_TRANSLATE_NOOP("ReviewScreen", "CMND number"),
    "bhyt_number": QT_TRANSLATE_NOOP("ReviewScreen", "health insurance (BHYT) number"),
    "bhyt_valid_from": QT_TRANSLATE_NOOP("ReviewScreen", "BHYT valid from"),
    "bhyt_valid_to": QT_TRANSLATE_NOOP("ReviewScreen", "BHYT valid to"),
    "bhyt_registered_facility": QT_TRANSLATE_NOOP("ReviewScreen", "BHYT primary-care facility"),
    "phones": QT_TRANSLATE_NOOP("ReviewScreen", "phone numbers"),
    "address": QT_TRANSLATE_NOOP("ReviewScreen", "address"),
    "ethnicity": QT_TRANSLATE_NOOP("ReviewScreen", "ethnicity"),
    "occupation": QT_TRANSLATE_NOOP("ReviewScreen", "occupation"),
    "guardian_name": QT_TRANSLATE_NOOP("ReviewScreen", "guardian"),
    "identity_status": QT_TRANSLATE_NOOP("ReviewScreen", "identity status"),
    "deleted_at": QT_TRANSLATE_NOOP("ReviewScreen", "deleted"),
    "status": QT_TRANSLATE_NOOP("ReviewScreen", "status"),
    "department_id": QT_TRANSLATE_NOOP("ReviewScreen", "department"),
    "bed_id": QT_TRANSLATE_NOOP("ReviewScreen", "bed"),
    "attending_id": QT_TRANSLATE_NOOP("ReviewScreen", "attending doctor"),
    "reason": QT_TRANSLATE_NOOP("ReviewScreen", "reason"),
    "ended_at": QT_TRANSLATE_NOOP("ReviewScreen", "end"),
    "substance": QT_TRANSLATE_NOOP("ReviewScreen", "allergen"),
    "reaction": QT_TRANSLATE_NOOP("ReviewScreen", "reaction"),
    "severity": QT_TRANSLATE_NOOP("ReviewScreen", "severity"),
    "description": QT_TRANSLATE_NOOP("ReviewScreen", "description"),
    "name": QT_TRANSLATE_NOOP("ReviewScreen", "name"),
    "code": QT_TRANSLATE_NOOP("ReviewScreen", "code"),
    "role": QT_TRANSLATE_NOOP("ReviewScreen", "role"),
    "active": QT_TRANSLATE_NOOP("ReviewScreen", "account active"),
    "double_dose": QT_TRANSLATE_NOOP("ReviewScreen", "same dose given twice"),
}

#: Names of the kinds of record a conflict may be on (a patient's own needs none).
RECORD_KINDS = {
    "encounter": QT_TRANSLATE_NOOP("ReviewScreen", "visit or stay"),
    "allergy": QT_TRANSLATE_NOOP("ReviewScreen", "allergy"),
    "problem": QT_TRANSLATE_NOOP("ReviewScreen", "problem list"),
    "user": QT_TRANSLATE_NOOP("ReviewScreen", "staff account"),
    "department": QT_TRANSLATE_NOOP("ReviewScreen", "department"),
    "bed": QT_TRANSLATE_NOOP("ReviewScreen", "bed"),
    "facility": QT_TRANSLATE_NOOP("ReviewScreen", "facility"),
    "device": QT_TRANSLATE_NOOP("ReviewScreen", "PC"),
    "patient_link": QT_TRANSLATE_NOOP("ReviewScreen", "chart merge"),
    "medication_administration": QT_TRANSLATE_NOOP("ReviewScreen", "medication given"),
    "imaging_study": QT_TRANSLATE_NOOP("ReviewScreen", "imaging study"),
    "prescription_submission": QT_TRANSLATE_NOOP("ReviewScreen", "e-prescription sending"),
}

#: Why a pair looks like one person (`core.matching` reasons).
MATCH_REASONS = {
    "cccd": QT_TRANSLATE_NOOP("ReviewScreen", "same CCCD"),
    "name": QT_TRANSLATE_NOOP("ReviewScreen", "same name"),
    "birth_year": QT_TRANSLATE_NOOP("ReviewScreen", "same birth year"),
    "birth_date": QT_TRANSLATE_NOOP("ReviewScreen", "same date of birth"),
    "phone": QT_TRANSLATE_NOOP("ReviewScreen", "same phone"),
    "address": QT_TRANSLATE_NOOP("ReviewScreen", "similar address"),
    "bhyt": QT_TRANSLATE_NOOP("ReviewScreen", "same BHYT card"),
}


def _tr(text: object) -> str:
    return QCoreApplication.translate("ReviewScreen", str(text))


def field_name(field: str) -> str:
    source = FIELD_NAMES.get(field)
    return _tr(source) if source else field


def patient_title(patient: Patient) -> str:
    return f"{patient.full_name} — {patient.mrn}"


def value_text(field: str, value: Any, names: dict[str, str] | None = None) -> str:
    """A stored value as a clerk reads it."""
    if value is None or value == "" or value == []:
        return QCoreApplication.translate("ReviewScreen", "(empty)")
    if names and isinstance(value, str) and value in names:
        return names[value]
    if field == "sex":
        return label("sex", str(value))
    if isinstance(value, bool):
        return (
            QCoreApplication.translate("ReviewScreen", "yes")
            if value
            else QCoreApplication.translate("ReviewScreen", "no")
        )
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:
            return local_time(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    return str(value)


T = TypeVar("T")


class _ListModel(QAbstractTableModel, Generic[T]):
    """A table over a list of items; subclasses say what each column shows."""

    HEADERS: tuple[object, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self._items: list[T] = []

    def set_items(self, items: Sequence[T]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def items(self) -> list[T]:
        return list(self._items)

    def item(self, row: int) -> T:
        return self._items[row]

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.HEADERS) - 1)
        if self._items:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._items) - 1, len(self.HEADERS) - 1)
            )

    def cell(self, item: T, column: int) -> str:
        raise NotImplementedError

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return _tr(self.HEADERS[section])
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.cell(self._items[index.row()], index.column())
        return None


class ConflictModel(_ListModel[ConflictView]):
    RECORD, FIELD, IN_FORCE, IN_FORCE_WRITTEN, OTHER, OTHER_WRITTEN = range(6)
    HEADERS = (
        QT_TRANSLATE_NOOP("ReviewScreen", "Patient or record"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Field"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Value in force"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Written"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Other value"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Written"),
    )

    def __init__(self, this_device: str = "") -> None:
        super().__init__()
        self.this_device = this_device

    def cell(self, item: ConflictView, column: int) -> str:
        conflict = item.conflict
        if column == self.RECORD:
            return self._record(item)
        if column == self.FIELD:
            return field_name(conflict.field)
        if column == self.IN_FORCE:
            return value_text(conflict.field, conflict.winner_value, item.names)
        if column == self.OTHER:
            return value_text(conflict.field, conflict.loser_value, item.names)
        if column == self.IN_FORCE_WRITTEN:
            return self._written(item.winner)
        if column == self.OTHER_WRITTEN:
            return self._written(item.loser)
        return ""

    def _record(self, item: ConflictView) -> str:
        kind = item.conflict.kind
        kind_name = _tr(RECORD_KINDS[kind]) if kind in RECORD_KINDS else ""
        if item.patient is not None:
            title = patient_title(item.patient)
            return f"{title} · {kind_name}" if kind_name else title
        name = item.record_name or item.conflict.record_id[-8:]
        return f"{kind_name}: {name}" if kind_name else name

    def _written(self, write: Write) -> str:
        if write.device_id and write.device_id == self.this_device:
            where = QCoreApplication.translate("ReviewScreen", "this PC")
        else:
            where = write.device_name or QCoreApplication.translate(
                "ReviewScreen", "PC {id}"
            ).format(id=write.device_id[-6:])
        return f"{where}, {local_time(write.at)}" if write.at else where


class PairModel(_ListModel[DuplicatePair]):
    FIRST, SECOND, MATCH, WHY = range(4)
    HEADERS = (
        QT_TRANSLATE_NOOP("ReviewScreen", "Earlier chart"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Later chart"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Match"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Why"),
    )

    def cell(self, item: DuplicatePair, column: int) -> str:
        if column == self.FIRST:
            return patient_title(item.first)
        if column == self.SECOND:
            return patient_title(item.second)
        if column == self.MATCH:
            return f"{round(item.match.score * 100)} %"
        if column == self.WHY:
            return ", ".join(
                _tr(MATCH_REASONS[r]) for r in item.match.reasons if r in MATCH_REASONS
            )
        return ""


class MergeModel(_ListModel[Merge]):
    SURVIVOR, REPLACED, WHEN, BY, REASON = range(5)
    HEADERS = (
        QT_TRANSLATE_NOOP("ReviewScreen", "Chart kept"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Chart merged into it"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Merged"),
        QT_TRANSLATE_NOOP("ReviewScreen", "By"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Reason"),
    )

    def cell(self, item: Merge, column: int) -> str:
        if column == self.SURVIVOR:
            return patient_title(item.survivor)
        if column == self.REPLACED:
            return patient_title(item.replaced)
        if column == self.WHEN:
            return local_time(item.link.created_at)
        if column == self.BY:
            if item.link.automatic:
                return QCoreApplication.translate("ReviewScreen", "automatically (same CCCD)")
            return item.merged_by
        if column == self.REASON:
            return item.link.reason
        return ""


def _table(model: QAbstractTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def _error_label(name: str) -> QLabel:
    error = QLabel()
    error.setObjectName(name)
    error.setWordWrap(True)
    error.setStyleSheet("color: #b00020;")
    return error


def _selected_row(view: QTableView) -> int | None:
    rows = view.selectionModel().selectedRows()
    return rows[0].row() if rows else None


def _select_first(view: QTableView) -> None:
    if view.model().rowCount() > 0:
        view.selectRow(0)


# ---------------------------------------------------------------------- conflicts


class ConflictsPage(QWidget):
    """Open conflicts; keep the value in force or put the other one back."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        store = ctx.store
        self.model = ConflictModel(store.device_id if store is not None else "")
        self.view = _table(self.model, "conflicts_table")
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        self.empty = QLabel()
        self.empty.setObjectName("no_conflicts")
        self.keep_winner = QPushButton()
        self.keep_winner.setObjectName("keep_winner")
        self.use_other = QPushButton()
        self.use_other.setObjectName("use_other")
        self.error = _error_label("conflict_error")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.keep_winner)
        buttons.addWidget(self.use_other)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.keep_winner.clicked.connect(lambda: self._resolve("winner"))
        self.use_other.clicked.connect(lambda: self._resolve("other"))
        self.view.selectionModel().selectionChanged.connect(self._enable)
        i18n.watch_language(self, self.retranslate)
        self._enable()

    def retranslate(self) -> None:
        self.explain.setText(
            self.tr(
                "Two PCs changed the same thing before they synced. The value in force is "
                "the same on every PC; the other one was kept so that nothing is lost. Keep "
                "the value in force, or use the other value instead (it then goes to every PC)."
            )
        )
        self.empty.setText(self.tr("No conflicts to settle."))
        self.keep_winner.setText(self.tr("&Keep the value in force"))
        self.use_other.setText(self.tr("&Use the other value"))
        self.model.retranslate()

    def refresh(self) -> None:
        self._ctx.call(
            review.conflict_views,
            on_done=self._show,
            on_error=self._failed,
            key="review-conflicts",
        )

    def _show(self, views: list[ConflictView]) -> None:
        self.error.clear()
        self.model.set_items(views)
        self.empty.setVisible(not views)
        _select_first(self.view)
        self._enable()

    def _failed(self, error: BaseException) -> None:
        self.model.set_items([])
        self.error.setText(i18n.error_text(error))
        self._enable()

    def _enable(self) -> None:
        chosen = _selected_row(self.view) is not None
        self.keep_winner.setEnabled(chosen)
        self.use_other.setEnabled(chosen)

    def _resolve(self, keep: str) -> None:
        row = _selected_row(self.view)
        if row is None:
            return
        view = self.model.item(row)
        self.keep_winner.setEnabled(False)
        self.use_other.setEnabled(False)
        self._ctx.call(
            conflicts.resolve_conflict,
            view.conflict.id,
            keep=keep,
            on_done=lambda _c: self._resolved(view, keep),
            on_error=self._failed_resolve,
        )

    def _resolved(self, view: ConflictView, keep: str) -> None:
        self.error.clear()
        if keep == "other":
            patient_id = view.patient.id if view.patient is not None else ""
            if view.conflict.kind == Patient.KIND:
                self._ctx.data_changed.emit(PATIENTS, patient_id)
            if view.conflict.kind == Encounter.KIND:
                self._ctx.data_changed.emit(WARD, patient_id)
            self._ctx.data_changed.emit(CHART, patient_id)
        self._ctx.inform(self.tr("Conflict settled."))
        self.refresh()

    def _failed_resolve(self, error: BaseException) -> None:
        self.error.setText(i18n.error_text(error))
        self._enable()


# ---------------------------------------------------------------------- duplicates


def charts_like(store: Store, session: Session, query: str) -> list[DuplicatePair]:
    """The likely duplicates of the chart a search for `query` finds first."""
    found = patients.find_patients(store, session, query, limit=1)
    if not found:
        raise NotFound(
            f"Không tìm thấy bệnh nhân nào với “{query}”", f"No patient found for “{query}”"
        )
    patient = found[0]
    pairs = []
    for candidate in duplicates.likely_duplicates(store, session, patient.id):
        first, second = sorted((patient, candidate.patient), key=lambda p: (p.created_at, p.id))
        pairs.append(DuplicatePair(first, second, candidate.match))
    return pairs


class ComparisonTable(QTableWidget):
    """Two charts side by side, one field a row; differing values highlighted."""

    ROWS = (
        QT_TRANSLATE_NOOP("ReviewScreen", "Record number"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Full name"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Sex"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Date of birth"),
        QT_TRANSLATE_NOOP("ReviewScreen", "CCCD"),
        QT_TRANSLATE_NOOP("ReviewScreen", "BHYT card"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Phone"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Address"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Guardian"),
        QT_TRANSLATE_NOOP("ReviewScreen", "Registered"),
    )

    def __init__(self) -> None:
        super().__init__(len(self.ROWS), 2)
        self.setObjectName("comparison")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._pair: DuplicatePair | None = None

    def retranslate(self) -> None:
        self.setVerticalHeaderLabels([_tr(r) for r in self.ROWS])
        self.setHorizontalHeaderLabels(
            [
                QCoreApplication.translate("ReviewScreen", "Chart A (earlier)"),
                QCoreApplication.translate("ReviewScreen", "Chart B (later)"),
            ]
        )
        self.show_pair(self._pair)

    @staticmethod
    def _values(patient: Patient) -> list[str]:
        return [
            patient.mrn,
            patient.full_name,
            label("sex", patient.sex),
            birth_date(patient.date_of_birth),
            patient.cccd or "",
            patient.bhyt_number or "",
            ", ".join(patient.phones),
            patient.address or "",
            patient.guardian_name or "",
            local_time(patient.created_at),
        ]

    def show_pair(self, pair: DuplicatePair | None) -> None:
        self._pair = pair
        self.clearContents()
        if pair is None:
            return
        left, right = self._values(pair.first), self._values(pair.second)
        for row, (a, b) in enumerate(zip(left, right, strict=True)):
            for column, text in enumerate((a, b)):
                cell = QTableWidgetItem(text)
                # The record number and registration time always differ: no alarm there.
                if a != b and row not in (0, len(left) - 1):
                    cell.setBackground(QBrush(_DIFFERENT))
                    font = QFont()
                    font.setBold(True)
                    cell.setFont(font)
                self.setItem(row, column, cell)


class DuplicatesPage(QWidget):
    """Likely duplicate charts: compare, choose the chart kept, merge."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        session = ctx.session
        self._may_merge = session is not None and allows(session.role, Permission.PATIENT_MERGE)
        self.model = PairModel()
        self.view = _table(self.model, "pairs_table")
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        self.empty = QLabel()
        self.empty.setObjectName("no_duplicates")
        self.check = QLineEdit()
        self.check.setObjectName("check_chart")
        self.check.setClearButtonEnabled(True)
        self.check_button = QPushButton()
        self.check_button.setObjectName("check_button")
        self.show_queue = QPushButton()
        self.show_queue.setObjectName("show_queue")
        self.comparison = ComparisonTable()
        self.keep_first = QRadioButton()
        self.keep_first.setObjectName("keep_first")
        self.keep_second = QRadioButton()
        self.keep_second.setObjectName("keep_second")
        self.keep_first.setChecked(True)
        self._keep = QButtonGroup(self)
        self._keep.addButton(self.keep_first)
        self._keep.addButton(self.keep_second)
        self.reason = QLineEdit()
        self.reason.setObjectName("merge_reason")
        self.merge = QPushButton()
        self.merge.setObjectName("merge")
        self.error = _error_label("merge_error")
        self.notice = QLabel()
        self.notice.setWordWrap(True)

        search = QHBoxLayout()
        search.addWidget(self.check, 1)
        search.addWidget(self.check_button)
        search.addWidget(self.show_queue)
        decision = QVBoxLayout()
        decision.addWidget(self.keep_first)
        decision.addWidget(self.keep_second)
        self._reason_label = QLabel()
        self._reason_label.setBuddy(self.reason)
        decision.addWidget(self._reason_label)
        decision.addWidget(self.reason)
        decision.addWidget(self.error)
        decision.addWidget(self.merge)
        decision.addWidget(self.notice)
        decision.addStretch(1)
        lower = QWidget()
        lower_layout = QHBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.comparison, 3)
        lower_layout.addLayout(decision, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.view)
        splitter.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addLayout(search)
        layout.addWidget(self.empty)
        layout.addWidget(splitter, 1)

        self.check.returnPressed.connect(self.check_chart)
        self.check_button.clicked.connect(self.check_chart)
        self.show_queue.clicked.connect(self.refresh)
        self.merge.clicked.connect(self._merge)
        self.view.selectionModel().selectionChanged.connect(self._pair_chosen)
        i18n.watch_language(self, self.retranslate)
        self._pair_chosen()

    def retranslate(self) -> None:
        self.explain.setText(
            self.tr(
                "Charts registered recently that may belong to one person (two PCs offline, "
                "or a patient registered twice). Compare them, choose the chart to keep and "
                "merge: the chart kept shows the records of both. A merge can be undone."
            )
        )
        self.check.setPlaceholderText(self.tr("Check one chart: record number, CCCD or name"))
        self.check_button.setText(self.tr("Find its duplicates"))
        self.show_queue.setText(self.tr("Recent registrations"))
        self._reason_label.setText(self.tr("&Reason for the merge"))
        self.reason.setPlaceholderText(self.tr("e.g. same person, registered twice"))
        self.merge.setText(self.tr("&Merge the two charts"))
        self.comparison.retranslate()
        self.model.retranslate()
        self._show_choice()
        if not self._may_merge:
            self.notice.setText(self.tr("Your role may compare charts but not merge them."))

    def refresh(self) -> None:
        """The queue: likely pairs among the newest registrations."""
        self._ctx.call(
            review.duplicate_pairs,
            on_done=lambda pairs: self._show(pairs, None),
            on_error=self._failed,
            key="review-duplicates",
        )

    def check_chart(self) -> None:
        query = self.check.text().strip()
        if not query:
            self.refresh()
            return
        self._ctx.call(
            charts_like,
            query,
            on_done=lambda pairs: self._show(pairs, query),
            on_error=self._failed,
            key="review-duplicates",
        )

    def _show(self, pairs: list[DuplicatePair], query: str | None) -> None:
        self.error.clear()
        self.model.set_items(pairs)
        self.empty.setVisible(not pairs)
        self.empty.setText(
            self.tr("No likely duplicate of this chart.")
            if query
            else self.tr("No likely duplicates among the recent registrations.")
        )
        _select_first(self.view)
        self._pair_chosen()

    def _failed(self, error: BaseException) -> None:
        self.model.set_items([])
        self.error.setText(i18n.error_text(error))
        self._pair_chosen()

    def selected_pair(self) -> DuplicatePair | None:
        row = _selected_row(self.view)
        return self.model.item(row) if row is not None else None

    def _pair_chosen(self) -> None:
        pair = self.selected_pair()
        self.comparison.show_pair(pair)
        self.keep_first.setChecked(True)
        self._show_choice()
        self.merge.setEnabled(pair is not None and self._may_merge)

    def _show_choice(self) -> None:
        pair = self.selected_pair()
        first = patient_title(pair.first) if pair else "A"
        second = patient_title(pair.second) if pair else "B"
        self.keep_first.setText(self.tr("Keep chart A: {chart}").format(chart=first))
        self.keep_second.setText(self.tr("Keep chart B: {chart}").format(chart=second))

    def _merge(self) -> None:
        pair = self.selected_pair()
        if pair is None:
            return
        reason = self.reason.text().strip()
        if not reason:
            self.error.setText(self.tr("Write why these charts are one person."))
            self.reason.setFocus()
            return
        survivor, replaced = (
            (pair.first, pair.second) if self.keep_first.isChecked() else (pair.second, pair.first)
        )
        self.merge.setEnabled(False)
        self._ctx.call(
            duplicates.merge_patients,
            survivor_id=survivor.id,
            replaced_id=replaced.id,
            reason=reason,
            on_done=lambda _link: self._merged(survivor, replaced),
            on_error=self._merge_failed,
        )

    def _merged(self, survivor: Patient, replaced: Patient) -> None:
        self.reason.clear()
        self.error.clear()
        self._ctx.inform(
            self.tr("Merged: {replaced} is now read through {survivor}.").format(
                replaced=patient_title(replaced), survivor=patient_title(survivor)
            )
        )
        # The screens showing either chart read again; this screen too (PATIENTS).
        for patient_id in (survivor.id, replaced.id):
            self._ctx.data_changed.emit(CHART, patient_id)
            self._ctx.data_changed.emit(PATIENTS, patient_id)

    def _merge_failed(self, error: BaseException) -> None:
        self.error.setText(i18n.error_text(error))
        self.merge.setEnabled(self._may_merge)


# ---------------------------------------------------------------------- merges


class MergesPage(QWidget):
    """Merges in force, newest first, each of which can be undone."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        session = ctx.session
        self._may_merge = session is not None and allows(session.role, Permission.PATIENT_MERGE)
        self.model = MergeModel()
        self.view = _table(self.model, "merges_table")
        self.empty = QLabel()
        self.empty.setObjectName("no_merges")
        self.unmerge = QPushButton()
        self.unmerge.setObjectName("unmerge")
        self.error = _error_label("unmerge_error")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.unmerge)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.unmerge.clicked.connect(self._unmerge)
        self.view.selectionModel().selectionChanged.connect(self._enable)
        i18n.watch_language(self, self.retranslate)
        self._enable()

    def retranslate(self) -> None:
        self.empty.setText(self.tr("No merged charts."))
        self.unmerge.setText(self.tr("&Undo this merge"))
        self.model.retranslate()

    def refresh(self) -> None:
        self._ctx.call(
            review.recent_merges, on_done=self._show, on_error=self._failed, key="review-merges"
        )

    def _show(self, merges: list[Merge]) -> None:
        self.error.clear()
        self.model.set_items(merges)
        self.empty.setVisible(not merges)
        self._enable()

    def _failed(self, error: BaseException) -> None:
        self.model.set_items([])
        self.error.setText(i18n.error_text(error))
        self._enable()

    def _enable(self) -> None:
        self.unmerge.setEnabled(self._may_merge and _selected_row(self.view) is not None)

    def _unmerge(self) -> None:
        row = _selected_row(self.view)
        if row is None:
            return
        merge = self.model.item(row)
        self.unmerge.setEnabled(False)
        self._ctx.call(
            duplicates.unmerge_patients,
            merge.link.id,
            on_done=lambda _link: self._unmerged(merge),
            on_error=self._failed_unmerge,
        )

    def _unmerged(self, merge: Merge) -> None:
        self._ctx.inform(
            self.tr("Merge undone: {replaced} is a chart of its own again.").format(
                replaced=patient_title(merge.replaced)
            )
        )
        for patient in (merge.survivor, merge.replaced):
            self._ctx.data_changed.emit(CHART, patient.id)
            self._ctx.data_changed.emit(PATIENTS, patient.id)

    def _failed_unmerge(self, error: BaseException) -> None:
        self.error.setText(i18n.error_text(error))
        self._enable()


# ---------------------------------------------------------------------- the screen


class ReviewScreen(QWidget):
    """Conflicts, likely duplicates and recent merges, read when shown and after a sync."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("review")
        self._ctx = ctx
        self._stale = True
        session = ctx.session
        self._may_read = session is not None and allows(session.role, Permission.PATIENT_READ)
        self.conflicts = ConflictsPage(ctx)
        self.duplicates = DuplicatesPage(ctx)
        self.merges = MergesPage(ctx)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("review_tabs")
        for page in (self.conflicts, self.duplicates, self.merges):
            self.tabs.addTab(page, "")
        self.notice = QLabel()
        self.notice.setObjectName("review_notice")
        self.notice.setWordWrap(True)
        self.notice.setVisible(not self._may_read)
        self.tabs.setEnabled(self._may_read)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)
        ctx.data_changed.connect(self._data_changed)
        for page in (self.conflicts, self.duplicates, self.merges):
            page.model.modelReset.connect(self._show_counts)
        i18n.watch_language(self, self.retranslate)

    def _show_counts(self) -> None:
        self.tabs.setTabText(0, self.tr("Conflicts (%n)", "", self.conflicts.model.rowCount()))
        self.tabs.setTabText(
            1, self.tr("Likely duplicates (%n)", "", self.duplicates.model.rowCount())
        )
        self.tabs.setTabText(2, self.tr("Recent merges"))

    def retranslate(self) -> None:
        self._show_counts()
        self.notice.setText(
            self.tr("Your role does not see patient records: there is nothing to review here.")
        )

    def refresh(self) -> None:
        """Read all three lists again (in the background)."""
        if self._ctx.session is None or not self._may_read:
            return
        self._stale = False
        self.conflicts.refresh()
        self.duplicates.refresh()
        self.merges.refresh()

    def _data_changed(self, kind: str, _patient_id: str) -> None:
        if kind not in (SYNC, PATIENTS):
            return
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        if self._stale:
            self.refresh()
