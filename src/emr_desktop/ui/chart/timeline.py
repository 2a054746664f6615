"""The chart's timeline: every current entry of the record, newest first, one line each.

A ten-year chart holds 10,000 events. The model keeps the stored rows (`ChartEvent` tuples)
and builds the text of a row only when the view asks for it, so opening the chart costs a
list reversal, not 10,000 JSON parses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
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
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.services.chart import Chart, ChartEvent, FacilityDirectory
from emr_desktop.ui import i18n
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.labels import codes, label, local_time

_CONTEXT = "Timeline"
# Longest summary shown on one line (the tooltip shows more).
SUMMARY_CHARS = 160
TOOLTIP_CHARS = 2000

_VITAL_SHORT: dict[str, object] = {
    "temperature": QT_TRANSLATE_NOOP("Timeline", "T"),
    "pulse": QT_TRANSLATE_NOOP("Timeline", "P"),
    "respiratory_rate": QT_TRANSLATE_NOOP("Timeline", "RR"),
    "spo2": QT_TRANSLATE_NOOP("Timeline", "SpO₂"),
    "weight": QT_TRANSLATE_NOOP("Timeline", "Wt"),
    "height": QT_TRANSLATE_NOOP("Timeline", "Ht"),
    "blood_glucose": QT_TRANSLATE_NOOP("Timeline", "BG"),
}
_OUTCOMES: dict[str, object] = {
    "given": QT_TRANSLATE_NOOP("Timeline", "given"),
    "held": QT_TRANSLATE_NOOP("Timeline", "held"),
    "refused": QT_TRANSLATE_NOOP("Timeline", "refused"),
    "missed": QT_TRANSLATE_NOOP("Timeline", "missed"),
}
_PRIORITIES: dict[str, object] = {
    "urgent": QT_TRANSLATE_NOOP("Timeline", "urgent"),
    "stat": QT_TRANSLATE_NOOP("Timeline", "stat"),
}
_FLAG_MARKS = {"high": "↑", "low": "↓", "abnormal": "*"}
#: Records imported from another facility's FHIR Bundle: read-only, shown with their origin.
EXTERNAL = "external_record"
_EXTERNAL_STATUS = QT_TRANSLATE_NOOP("Timeline", "imported")
_EXTERNAL_COLOR = "#1d5f8a"

_Index = QModelIndex | QPersistentModelIndex

_HEADERS: tuple[object, ...] = (
    QT_TRANSLATE_NOOP("Timeline", "Time"),
    QT_TRANSLATE_NOOP("Timeline", "Entry"),
    QT_TRANSLATE_NOOP("Timeline", "Summary"),
    QT_TRANSLATE_NOOP("Timeline", "Status"),
    QT_TRANSLATE_NOOP("Timeline", "Author"),
)
TIME, KIND, SUMMARY, STATUS, AUTHOR = range(len(_HEADERS))

# The event's id, for screens that act on the selected entry.
EVENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _tr(text: object) -> str:
    """Translate a source text (marked with QT_TRANSLATE_NOOP) of this module."""
    return QCoreApplication.translate(_CONTEXT, str(text))


def _number(value: Any) -> str:
    """A stored decimal as staff write it, with a decimal comma ("37,0")."""
    return str(value).replace(".", ",")


def _vitals(body: dict[str, Any]) -> str:
    values = {m["code"]: m for m in body.get("measurements", [])}
    parts = []
    systolic, diastolic = values.pop("systolic", None), values.pop("diastolic", None)
    for code in codes("vital"):
        if code == "systolic" and (systolic or diastolic):
            pressure = "/".join(_number(m["value"]) if m else "?" for m in (systolic, diastolic))
            name = QCoreApplication.translate("Timeline", "BP")
            parts.append(f"{name} {pressure} mmHg")
        measurement = values.get(code)
        if measurement is not None:
            name = _tr(_VITAL_SHORT[code]) if code in _VITAL_SHORT else label("vital", code)
            parts.append(f"{name} {_number(measurement['value'])} {measurement['unit']}")
    return " · ".join(parts)


def _movement(body: dict[str, Any], directory: FacilityDirectory | None) -> str:
    text = label("movement", body.get("movement"))
    if directory is not None and body.get("department_id"):
        text += f": {directory.department_name(body['department_id'])}"
        bed = directory.bed_code(body.get("bed_id"))
        if bed:
            text += ", " + QCoreApplication.translate("Timeline", "bed {code}").format(code=bed)
    if body.get("treatment_result"):
        text += f" — {treatment_result_name(body['treatment_result'])}"
    return text


def event_summary(
    event: ChartEvent,
    directory: FacilityDirectory | None = None,
    drugs: Mapping[str, str] | None = None,
) -> str:
    """What an event says, in one line of the current language. `drugs` names the drug of
    each medication order by its id, for the doses given under it."""
    body = event.body
    kind = event.kind
    if kind == "vital_signs":
        text = _vitals(body)
    elif kind == "clinical_note":
        text = f"{label('note_type', body.get('note_type'))}: {body.get('text', '')}"
    elif kind == "diagnosis":
        text = f"{body.get('icd10', '')} {body.get('description') or ''}".strip()
        if body.get("rank") == "secondary":
            text += " " + QCoreApplication.translate("Timeline", "(secondary)")
    elif kind == "order":
        text = body.get("service_name", "")
        if body.get("priority") in _PRIORITIES:
            text += f" ({_tr(_PRIORITIES[body['priority']])})"
    elif kind == "lab_result":
        unit = f" {body['unit']}" if body.get("unit") else ""
        mark = _FLAG_MARKS.get(body.get("flag", ""), "")
        text = f"{body.get('test_name', '')}: {body.get('value', '')}{unit} {mark}".strip()
    elif kind == "imaging_report":
        text = f"{body.get('modality', '')}: {body.get('conclusion', '')}"
    elif kind == "prescription":
        text = ", ".join(item.get("drug_name", "") for item in body.get("items", []))
    elif kind == "medication_order":
        text = " ".join(
            part
            for part in (
                body.get("drug_name", ""),
                _number(body.get("dose", "")),
                body.get("dose_unit", ""),
                body.get("route", ""),
                ", ".join(body.get("times", [])),
            )
            if part
        )
    elif kind == "medication_administration":
        outcome = body.get("outcome", "")
        text = _tr(_OUTCOMES[outcome]) if outcome in _OUTCOMES else outcome
        if body.get("dose"):
            text += f": {_number(body['dose'])} {body.get('dose_unit') or ''}".rstrip()
        elif body.get("reason"):
            text += f": {body['reason']}"
        drug = (drugs or {}).get(body.get("medication_order_id", ""))
        if drug:
            text = f"{drug} — {text}"
    elif kind == "movement":
        text = _movement(body, directory)
    elif kind == "attachment":
        text = f"{body.get('title', '')} ({body.get('media_type', '')})"
    elif kind == EXTERNAL:
        text = f"{body.get('summary', '')} — {external_origin(event, directory)}"
    else:
        text = ""
    return " ".join(text.split())


def external_origin(event: ChartEvent, directory: FacilityDirectory | None = None) -> str:
    """Where an external record comes from: "Nguồn: <cơ sở>, nhập ngày … bởi …", with who
    signed it at the source when the Bundle said."""
    body = event.body
    imported = body.get("imported_at")
    day = local_time(datetime.fromisoformat(imported))[:10] if imported else ""
    user = directory.staff_name(event.created_by) if directory is not None else ""
    text = QCoreApplication.translate(
        "Timeline", "Source: {source}, imported {date} by {user}"
    ).format(source=body.get("source_name", ""), date=day, user=user)
    if body.get("source_author"):
        text += "; " + QCoreApplication.translate("Timeline", "signed there by {author}").format(
            author=body["source_author"]
        )
    return text


def kind_label(kind: str) -> str:
    """The name of a kind of entry in the current language."""
    return label("event_kind", kind)


_TREATMENT_RESULTS: dict[str, object] = {
    "1": QT_TRANSLATE_NOOP("Timeline", "cured"),
    "2": QT_TRANSLATE_NOOP("Timeline", "improved"),
    "3": QT_TRANSLATE_NOOP("Timeline", "unchanged"),
    "4": QT_TRANSLATE_NOOP("Timeline", "worse"),
    "5": QT_TRANSLATE_NOOP("Timeline", "died in hospital"),
    "6": QT_TRANSLATE_NOOP("Timeline", "grave prognosis, taken home"),
    "7": QT_TRANSLATE_NOOP("Timeline", "not determined"),
    "8": QT_TRANSLATE_NOOP("Timeline", "died outside hospital"),
}
_DISCHARGE_TYPES: dict[str, object] = {
    "1": QT_TRANSLATE_NOOP("Timeline", "discharged"),
    "2": QT_TRANSLATE_NOOP("Timeline", "transferred to another facility (medical reasons)"),
    "3": QT_TRANSLATE_NOOP("Timeline", "left without permission"),
    "4": QT_TRANSLATE_NOOP("Timeline", "left at own request"),
    "5": QT_TRANSLATE_NOOP("Timeline", "transferred to another facility (at own request)"),
}


def treatment_result_codes() -> list[str]:
    """KET_QUA_DTRI codes (QĐ 130), in order."""
    return list(_TREATMENT_RESULTS)


def discharge_type_codes() -> list[str]:
    """MA_LOAI_RV codes (QĐ 130), in order."""
    return list(_DISCHARGE_TYPES)


def treatment_result_name(code: str | None) -> str:
    """The name of a treatment result code, in the current language."""
    return _tr(_TREATMENT_RESULTS[code]) if code in _TREATMENT_RESULTS else (code or "")


def discharge_type_name(code: str | None) -> str:
    """The name of a discharge type code, in the current language."""
    return _tr(_DISCHARGE_TYPES[code]) if code in _DISCHARGE_TYPES else (code or "")


def _order_drugs(events: list[ChartEvent]) -> dict[str, str]:
    """The drug of each medication order, by its id and by the id of the version it amends
    (a dose given under the first version still names the drug)."""
    drugs: dict[str, str] = {}
    for event in events:
        if event.kind == "medication_order":
            name = str(event.body.get("drug_name", ""))
            drugs[event.id] = name
            if event.corrects is not None:
                drugs.setdefault(event.corrects, name)
    return drugs


class TimelineModel(QAbstractTableModel):
    """The chart's current events, newest first, optionally of one kind only."""

    def __init__(self) -> None:
        super().__init__()
        self._events: list[ChartEvent] = []
        self._rows: list[ChartEvent] = []
        self._kind: str | None = None
        self._directory: FacilityDirectory | None = None
        #: Medication order id → its drug, for the doses given under it.
        self._drugs: dict[str, str] = {}
        # id → (time, summary, tooltip): built when a row is first shown.
        self._texts: dict[str, tuple[str, str, str]] = {}

    # ------------------------------------------------------------------ content
    def set_events(self, events: list[ChartEvent]) -> None:
        """Show these events (oldest first, as `Chart.current_events()` gives them)."""
        self.beginResetModel()
        self._events = events[::-1]
        self._drugs = _order_drugs(events)
        self._texts.clear()
        self._filter()
        self.endResetModel()

    def set_kind(self, kind: str | None) -> None:
        """Show only events of `kind` (None: all)."""
        if kind == self._kind:
            return
        self.beginResetModel()
        self._kind = kind
        self._filter()
        self.endResetModel()

    def kind(self) -> str | None:
        return self._kind

    def set_directory(self, directory: FacilityDirectory) -> None:
        """Names of staff and departments arrived: authors and movements can be named."""
        self._directory = directory
        self.retranslate()

    def retranslate(self) -> None:
        """The language changed: texts are rebuilt as rows are shown again."""
        self._texts.clear()
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, AUTHOR))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(_HEADERS) - 1)

    def kind_counts(self) -> Counter[str]:
        """How many current events of each kind the chart holds."""
        return Counter(e.kind for e in self._events)

    def event_at(self, row: int) -> ChartEvent:
        return self._rows[row]

    def built_texts(self) -> int:
        """How many rows have had their text built (the rest cost nothing yet)."""
        return len(self._texts)

    def _filter(self) -> None:
        kind = self._kind
        self._rows = self._events if kind is None else [e for e in self._events if e.kind == kind]

    def _text(self, event: ChartEvent) -> tuple[str, str, str]:
        texts = self._texts.get(event.id)
        if texts is None:
            full = event_summary(event, self._directory, self._drugs)
            short = full if len(full) <= SUMMARY_CHARS else full[: SUMMARY_CHARS - 1] + "…"
            tooltip = full if len(full) <= TOOLTIP_CHARS else full[: TOOLTIP_CHARS - 1] + "…"
            texts = (local_time(event.effective_time), short, tooltip)
            self._texts[event.id] = texts
        return texts

    # ------------------------------------------------------------------ Qt model
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
            return _tr(_HEADERS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        event = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == TIME:
                return self._text(event)[0]
            if column == KIND:
                return kind_label(event.kind)
            if column == SUMMARY:
                return self._text(event)[1]
            if column == STATUS:
                status = (
                    _tr(_EXTERNAL_STATUS)
                    if event.kind == EXTERNAL
                    else label("event_status", event.status)
                )
                if event.corrects:
                    return QCoreApplication.translate("Timeline", "{status} (amended)").format(
                        status=status
                    )
                return status
            if column == AUTHOR:
                directory = self._directory
                return directory.staff_name(event.created_by) if directory is not None else ""
            return None
        if role == Qt.ItemDataRole.ToolTipRole and column == SUMMARY:
            return self._text(event)[2]
        if role == Qt.ItemDataRole.FontRole and event.status == "draft":
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS and event.status == "draft":
            return QBrush(QColor("#a35200"))
        if role == Qt.ItemDataRole.ForegroundRole and event.kind == EXTERNAL:
            return QBrush(QColor(_EXTERNAL_COLOR))
        if role == EVENT_ID_ROLE:
            return event.id
        return None


class TimelineTab(QWidget):
    """The timeline with a filter by kind of entry."""

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__()
        self.setObjectName("timeline_tab")
        self._ctx = ctx
        self.patient_id = patient_id
        self.model = TimelineModel()
        self.kind_filter = QComboBox()
        self.kind_filter.setObjectName("timeline_kind")
        self.kind_filter.setMinimumContentsLength(24)
        self._filter_label = QLabel()
        self._filter_label.setBuddy(self.kind_filter)
        self.count = QLabel()
        self.count.setObjectName("timeline_count")
        self.table = QTableView()
        self.table.setObjectName("timeline_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        # Fixed heights and widths: measuring 10,000 rows' contents would cost seconds.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(SUMMARY, QHeaderView.ResizeMode.Stretch)
        for column, width in ((TIME, 130), (KIND, 150), (STATUS, 110), (AUTHOR, 170)):
            header.resizeSection(column, width)

        bar = QHBoxLayout()
        bar.addWidget(self._filter_label)
        bar.addWidget(self.kind_filter)
        bar.addStretch(1)
        bar.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

        self.kind_filter.currentIndexChanged.connect(self._on_kind_chosen)
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self._filter_label.setText(self.tr("&Show:"))
        self.model.retranslate()
        self._fill_filter()

    def set_chart(self, chart: Chart) -> None:
        self.patient_id = chart.patient.id
        self.model.set_events(chart.current_events())
        self._fill_filter()

    def set_directory(self, directory: FacilityDirectory) -> None:
        self.model.set_directory(directory)

    def show_kind(self, kind: str | None) -> None:
        """Filter to one kind of entry (None: all), as if chosen in the list."""
        index = self.kind_filter.findData(kind or "")
        if index < 0:
            self.model.set_kind(kind)
            self._show_count()
            return
        self.kind_filter.setCurrentIndex(index)

    def _fill_filter(self) -> None:
        counts = self.model.kind_counts()
        wanted = self.model.kind()
        self.kind_filter.blockSignals(True)
        self.kind_filter.clear()
        self.kind_filter.addItem(self.tr("All entries (%n)", "", sum(counts.values())), "")
        known = codes("event_kind")
        for kind in [*known, *sorted(k for k in counts if k not in known)]:
            if counts[kind] or kind == wanted:
                self.kind_filter.addItem(f"{kind_label(kind)} ({counts[kind]})", kind)
        self.kind_filter.setCurrentIndex(max(0, self.kind_filter.findData(wanted or "")))
        self.kind_filter.blockSignals(False)
        self._show_count()

    def _on_kind_chosen(self, index: int) -> None:
        self.model.set_kind(self.kind_filter.itemData(index) or None)
        self._show_count()

    def _show_count(self) -> None:
        self.count.setText(self.tr("%n entries shown", "", self.model.rowCount()))
