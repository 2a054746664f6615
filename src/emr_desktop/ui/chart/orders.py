"""The chart's orders and results: lab tests, imaging and procedures ordered from the
hospital's lists, and the results that came back, flagged against the reference range.

Several services are ticked and ordered at once (a blood count, glucose and creatinine
are one request), in one transaction and, if signed, with one password. A lab value is
entered against its order; the flag (low, high, abnormal) shows while it is typed, in
colour, from the catalogue's range for the patient's sex.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractListModel,
    QCoreApplication,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.core.catalog import LabTestEntry
from emr_desktop.core.errors import AuthenticationError, ValidationError
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import EventBody, Order, OrderCategory, Priority
from emr_desktop.core.text import fold_tokens
from emr_desktop.services import catalogs, clinical
from emr_desktop.services.catalogs import OrderableService
from emr_desktop.services.chart import Chart, ChartEvent, FacilityDirectory
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.notes import (
    ClinicalTab,
    EventTableModel,
    error_label,
    records_table,
    select_event,
    selected_row,
    show_error,
)
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.labels import label, local_time

_CONTEXT = "OrdersTab"
_CATEGORIES = {
    OrderCategory.LAB.value: QT_TRANSLATE_NOOP("OrdersTab", "Laboratory"),
    OrderCategory.IMAGING.value: QT_TRANSLATE_NOOP("OrdersTab", "Imaging"),
    OrderCategory.PROCEDURE.value: QT_TRANSLATE_NOOP("OrdersTab", "Procedure"),
}
_PRIORITIES = {
    Priority.ROUTINE.value: QT_TRANSLATE_NOOP("OrdersTab", "routine"),
    Priority.URGENT.value: QT_TRANSLATE_NOOP("OrdersTab", "urgent"),
    Priority.STAT.value: QT_TRANSLATE_NOOP("OrdersTab", "emergency (stat)"),
}
#: Text colours of result flags: high and abnormal in red, low in blue.
FLAG_COLOURS = {"high": "#b00020", "abnormal": "#b00020", "low": "#0d47a1", "normal": "#1b5e20"}
_FLAG_MARKS = {"high": " ↑", "low": " ↓", "abnormal": " *"}

_ROOT = QModelIndex()


def _tr(text: object) -> str:
    return QCoreApplication.translate(_CONTEXT, str(text))


def category_name(code: str | None) -> str:
    source = _CATEGORIES.get(code or "")
    return _tr(source) if source else (code or "")


def priority_name(code: str | None) -> str:
    source = _PRIORITIES.get(code or "")
    return _tr(source) if source else (code or "")


def result_text(kind: str, body: dict[str, Any]) -> str:
    """A result as one line: "135 g/L ↓" for a lab value, the conclusion of a report."""
    if kind == "lab_result":
        value = f"{body.get('value', '')} {body.get('unit') or ''}".strip()
        return value + _FLAG_MARKS.get(str(body.get("flag") or ""), "")
    return str(body.get("conclusion", ""))


def reference_text(low: object, high: object, unit: str | None, text: str | None) -> str:
    """The reference range as the lab writes it: "120 – 155 g/L", "≤ 40 U/L", "Âm tính"."""
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{low} – {high}{suffix}"
    if high is not None:
        return f"≤ {high}{suffix}"
    if low is not None:
        return f"≥ {low}{suffix}"
    return text or ""


class OrderableModel(QAbstractListModel):
    """The services of one category, filtered by what is typed, each with a tick box.

    Ticks survive filtering: type "ure", tick urea, type "creat", tick creatinine, order both.
    """

    def __init__(self) -> None:
        super().__init__()
        self._all: list[OrderableService] = []
        self._words: list[str] = []
        self._shown: list[OrderableService] = []
        self._ticked: dict[str, OrderableService] = {}

    def set_services(self, services: list[OrderableService]) -> None:
        self.beginResetModel()
        self._all = list(services)
        self._words = [
            " " + " ".join(fold_tokens(f"{s.code} {s.name_vi} {s.name_en}")) for s in services
        ]
        self._shown = list(services)
        self._ticked = {}
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        needles = [" " + token for token in fold_tokens(text)]
        self.beginResetModel()
        self._shown = [
            service
            for service, words in zip(self._all, self._words, strict=True)
            if all(n in words for n in needles)
        ]
        self.endResetModel()

    def service_at(self, row: int) -> OrderableService:
        return self._shown[row]

    def ticked(self) -> list[OrderableService]:
        """The ticked services, in list order."""
        return [s for s in self._all if s.code in self._ticked]

    def set_ticked(self, row: int, ticked: bool) -> None:
        self.setData(
            self.index(row, 0),
            Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked,
            Qt.ItemDataRole.CheckStateRole,
        )

    def clear_ticks(self) -> None:
        self._ticked = {}
        if self._shown:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._shown) - 1, 0))

    def rowCount(  # noqa: N802 - Qt name
        self, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> int:
        return 0 if parent.isValid() else len(self._shown)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._shown):
            return None
        service = self._shown[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            name = i18n.pick(service.name_vi, service.name_en or service.name_vi)
            return f"{name}  ({service.code})"
        if role == Qt.ItemDataRole.ToolTipRole:
            return service.detail
        if role == Qt.ItemDataRole.CheckStateRole:
            ticked = service.code in self._ticked
            return Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        return None

    def setData(  # noqa: N802 - Qt name
        self,
        index: QModelIndex | QPersistentModelIndex,
        value: Any,
        role: int = Qt.ItemDataRole.EditRole,
    ) -> bool:
        if (
            role != Qt.ItemDataRole.CheckStateRole
            or not index.isValid()
            or not 0 <= index.row() < len(self._shown)
        ):
            return False
        service = self._shown[index.row()]
        checked = Qt.CheckState(value) == Qt.CheckState.Checked
        if checked:
            self._ticked[service.code] = service
        else:
            self._ticked.pop(service.code, None)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True


_ORDER_HEADERS = (
    QT_TRANSLATE_NOOP("OrdersModel", "Time"),
    QT_TRANSLATE_NOOP("OrdersModel", "Type"),
    QT_TRANSLATE_NOOP("OrdersModel", "Service"),
    QT_TRANSLATE_NOOP("OrdersModel", "Priority"),
    QT_TRANSLATE_NOOP("OrdersModel", "Status"),
    QT_TRANSLATE_NOOP("OrdersModel", "Result"),
    QT_TRANSLATE_NOOP("OrdersModel", "Flag"),
)
OR_TIME, OR_TYPE, OR_SERVICE, OR_PRIORITY, OR_STATUS, OR_RESULT, OR_FLAG = range(
    len(_ORDER_HEADERS)
)
_RESULT_KINDS = ("lab_result", "imaging_report")


class OrdersModel(EventTableModel):
    """Orders with their latest result, and results that came without an order; newest
    first."""

    CONTEXT = "OrdersModel"
    HEADERS = _ORDER_HEADERS

    def __init__(self) -> None:
        super().__init__()
        #: Order id → its results, oldest first.
        self._results: dict[str, list[tuple[ChartEvent, dict[str, Any]]]] = {}

    def set_events(self, events: Iterable[ChartEvent]) -> None:
        listed = list(events)
        orders = {e.id for e in listed if e.kind == "order"}
        results: dict[str, list[tuple[ChartEvent, dict[str, Any]]]] = {}
        rows = []
        for event in listed:
            if event.kind in _RESULT_KINDS:
                body = event.body
                order_id = body.get("order_id")
                if order_id in orders:
                    results.setdefault(order_id, []).append((event, body))
                    continue
            if event.kind == "order" or event.kind in _RESULT_KINDS:
                rows.append(event)
        self._results = results
        super().set_events(rows)

    def results_of(self, order_id: str) -> list[tuple[ChartEvent, dict[str, Any]]]:
        return self._results.get(order_id, [])

    def latest_result(
        self, event: ChartEvent, body: dict[str, Any]
    ) -> tuple[ChartEvent, dict[str, Any]] | None:
        if event.kind != "order":
            return (event, body)
        found = self._results.get(event.id)
        return found[-1] if found else None

    def cell(self, event: ChartEvent, body: dict[str, Any], column: int) -> str:
        if column == OR_TIME:
            return local_time(event.effective_time)
        if column == OR_TYPE:
            if event.kind == "order":
                return category_name(body.get("category"))
            return label("event_kind", event.kind)
        if column == OR_SERVICE:
            return str(
                body.get("service_name") or body.get("test_name") or body.get("service_code")
            )
        if column == OR_PRIORITY:
            return priority_name(body.get("priority")) if event.kind == "order" else ""
        if column == OR_STATUS:
            return self.status(event)
        result = self.latest_result(event, body)
        if result is None:
            return ""
        if column == OR_RESULT:
            return result_text(result[0].kind, result[1])
        return label("flag", result[1].get("flag") or None)

    def colour(self, event: ChartEvent, body: dict[str, Any], column: int) -> str | None:
        if column in (OR_RESULT, OR_FLAG):
            result = self.latest_result(event, body)
            if result is not None:
                return FLAG_COLOURS.get(str(result[1].get("flag") or ""))
        if column == OR_PRIORITY and body.get("priority") in (Priority.URGENT, Priority.STAT):
            return "#b00020"
        return None


class OrdersTab(ClinicalTab):
    """Order services; follow the orders and enter their results."""

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__(ctx, patient_id)
        self.setObjectName("orders_tab")
        #: What the signature panel confirms: ("place", ""), ("result", order id),
        #: ("sign", event id) or ("error", event id).
        self._pending: tuple[str, str] | None = None
        self._lab_entry: LabTestEntry | None = None
        self._result_order: ChartEvent | None = None

        self.notice = QLabel()
        self.notice.setObjectName("orders_notice")
        self.notice.setWordWrap(True)

        # Placing orders.
        self.category = QComboBox()
        self.category.setObjectName("order_category")
        self.filter = QLineEdit()
        self.filter.setObjectName("service_filter")
        self.filter.setClearButtonEnabled(True)
        self.services_model = OrderableModel()
        self.services = QListView()
        self.services.setObjectName("services")
        self.services.setModel(self.services_model)
        self.services.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.priority = QComboBox()
        self.priority.setObjectName("order_priority")
        self.indication = QLineEdit()
        self.indication.setObjectName("order_indication")
        self.indication.setMaxLength(1000)
        self.ticked_count = QLabel()
        self.ticked_count.setObjectName("ticked_count")
        self.place_error = error_label()
        self.place_error.setObjectName("order_error")
        self.place_draft = QPushButton()
        self.place_draft.setObjectName("place_orders")
        self.place_and_sign = QPushButton()
        self.place_and_sign.setObjectName("place_and_sign_orders")
        self._category_label = QLabel()
        self._category_label.setBuddy(self.category)
        self._filter_label = QLabel()
        self._filter_label.setBuddy(self.filter)
        self._priority_label = QLabel()
        self._priority_label.setBuddy(self.priority)
        self._indication_label = QLabel()
        self._indication_label.setBuddy(self.indication)
        pick_row = QHBoxLayout()
        pick_row.addWidget(self._category_label)
        pick_row.addWidget(self.category)
        pick_row.addWidget(self._filter_label)
        pick_row.addWidget(self.filter, 1)
        form = QFormLayout()
        form.addRow(self._priority_label, self.priority)
        form.addRow(self._indication_label, self.indication)
        place_buttons = QHBoxLayout()
        place_buttons.addWidget(self.ticked_count)
        place_buttons.addStretch(1)
        place_buttons.addWidget(self.place_draft)
        place_buttons.addWidget(self.place_and_sign)
        self.place_box = QGroupBox()
        place_layout = QVBoxLayout(self.place_box)
        place_layout.addLayout(pick_row)
        place_layout.addWidget(self.services, 1)
        place_layout.addLayout(form)
        place_layout.addWidget(self.place_error)
        place_layout.addLayout(place_buttons)

        # The orders and results.
        self.model = OrdersModel()
        self.table = records_table(self.model, "orders_table", stretch=OR_SERVICE)
        header = self.table.horizontalHeader()
        for column, width in (
            (OR_TIME, 120),
            (OR_TYPE, 110),
            (OR_PRIORITY, 80),
            (OR_STATUS, 80),
            (OR_RESULT, 110),
            (OR_FLAG, 80),
        ):
            header.resizeSection(column, width)
        self.result_button = QPushButton()
        self.result_button.setObjectName("enter_result")
        self.sign_button = QPushButton()
        self.sign_button.setObjectName("sign_order")
        self.error_button = QPushButton()
        self.error_button.setObjectName("order_in_error")
        actions = QHBoxLayout()
        actions.addWidget(self.result_button)
        actions.addWidget(self.sign_button)
        actions.addWidget(self.error_button)
        actions.addStretch(1)
        self.detail = QLabel()
        self.detail.setObjectName("order_detail")
        self.detail.setWordWrap(True)

        # Entering a lab result.
        self.result_box = QGroupBox()
        self.result_box.setObjectName("result_box")
        self.result_test = QLabel()
        self.result_test.setObjectName("result_test")
        self.result_test.setWordWrap(True)
        self.reference = QLabel()
        self.reference.setObjectName("result_reference")
        self.value = QLineEdit()
        self.value.setObjectName("result_value")
        self.value.setMaxLength(2000)
        self.unit = QLabel()
        self.flag = QLabel()
        self.flag.setObjectName("result_flag")
        self.result_error = error_label()
        self.result_error.setObjectName("result_error")
        self.save_result = QPushButton()
        self.save_result.setObjectName("save_result")
        self.save_result_signed = QPushButton()
        self.save_result_signed.setObjectName("save_result_signed")
        self.cancel_result = QPushButton()
        self.cancel_result.setObjectName("cancel_result")
        self._value_label = QLabel()
        self._value_label.setBuddy(self.value)
        value_row = QHBoxLayout()
        value_row.addWidget(self._value_label)
        value_row.addWidget(self.value, 1)
        value_row.addWidget(self.unit)
        value_row.addWidget(self.flag)
        result_buttons = QHBoxLayout()
        result_buttons.addStretch(1)
        result_buttons.addWidget(self.cancel_result)
        result_buttons.addWidget(self.save_result)
        result_buttons.addWidget(self.save_result_signed)
        result_layout = QVBoxLayout(self.result_box)
        result_layout.addWidget(self.result_test)
        result_layout.addWidget(self.reference)
        result_layout.addLayout(value_row)
        result_layout.addWidget(self.result_error)
        result_layout.addLayout(result_buttons)
        self.result_box.hide()

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.table, 1)
        right_layout.addWidget(self.detail)
        right_layout.addLayout(actions)
        right_layout.addWidget(self.result_box)
        right_layout.addWidget(self.signature)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.place_box)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(splitter, 1)

        self.category.currentIndexChanged.connect(self._on_category_chosen)
        self.filter.textChanged.connect(self.services_model.set_filter)
        self.services_model.dataChanged.connect(self._show_ticked_count)
        self.services_model.modelReset.connect(self._show_ticked_count)
        self.place_draft.clicked.connect(lambda: self.place(sign=False))
        self.place_and_sign.clicked.connect(lambda: self.place(sign=True))
        self.result_button.clicked.connect(self.enter_result_for_selected)
        self.sign_button.clicked.connect(self.sign_selected)
        self.error_button.clicked.connect(self.mark_selected_in_error)
        self.value.textChanged.connect(self._show_flag)
        self.value.returnPressed.connect(lambda: self.save_lab_result(sign=False))
        self.save_result.clicked.connect(lambda: self.save_lab_result(sign=False))
        self.save_result_signed.clicked.connect(lambda: self.save_lab_result(sign=True))
        self.cancel_result.clicked.connect(self.close_result_entry)
        self.signature.cancelled.connect(self._on_signature_cancelled)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        i18n.watch_language(self, self.retranslate)

    # ------------------------------------------------------------------ language
    def retranslate(self) -> None:
        self.place_box.setTitle(self.tr("Order"))
        self._category_label.setText(self.tr("&Type:"))
        self._filter_label.setText(self.tr("&Find:"))
        self.filter.setPlaceholderText(self.tr("name or code, diacritics optional"))
        self._priority_label.setText(self.tr("&Priority:"))
        self._indication_label.setText(self.tr("&Clinical indication:"))
        self.place_draft.setText(self.tr("&Order as draft"))
        self.place_and_sign.setText(self.tr("Order and si&gn…"))
        self.result_button.setText(self.tr("Enter &result…"))
        self.sign_button.setText(self.tr("&Sign…"))
        self.error_button.setText(self.tr("Entered in &error…"))
        self.result_box.setTitle(self.tr("Lab result"))
        self._value_label.setText(self.tr("&Value:"))
        self.save_result.setText(self.tr("Save result"))
        self.save_result_signed.setText(self.tr("Save and sign…"))
        self.cancel_result.setText(self.tr("Cancel"))
        self._fill_combo(self.category, _CATEGORIES)
        self._fill_combo(self.priority, _PRIORITIES)
        self.model.retranslate()
        self._show_ticked_count()
        self._show_permissions()
        self._show_flag()
        if self._lab_entry is not None:
            self._show_reference()

    @staticmethod
    def _fill_combo(combo: QComboBox, names: dict[str, Any]) -> None:
        wanted = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for code, name in names.items():
            combo.addItem(_tr(name), code)
        combo.setCurrentIndex(max(0, combo.findData(wanted)))
        combo.blockSignals(False)

    def _show_permissions(self) -> None:
        writer = self.may(Permission.ORDER_WRITE)
        # Orders attach to the visit in progress: known once the chart is loaded.
        self.place_box.setEnabled(writer and self.chart is not None)
        self.place_and_sign.setVisible(self.may(Permission.ORDER_SIGN))
        self.save_result_signed.setVisible(self.may(Permission.RESULT_SIGN))
        if not writer and self.may(Permission.RESULT_WRITE):
            self.notice.setText(self.tr("Only doctors order; you may enter results."))
        elif not writer:
            self.notice.setText(self.tr("Only doctors order tests and procedures."))
        else:
            self.notice.setText("")
        self.notice.setVisible(bool(self.notice.text()))
        self._show_actions()

    # ------------------------------------------------------------------ chart
    def set_chart(self, chart: Chart) -> None:
        """Fill the list from the loaded chart; services being ticked are left alone."""
        row = selected_row(self.table)
        selected = self.model.event_at(row).id if row >= 0 else None
        first = self.chart is None
        self.take_chart(chart)
        self._show_permissions()
        if first and self.may(Permission.ORDER_WRITE):
            # The lists are read when the tab is first filled, after the chart itself.
            self._on_category_chosen()
        self.model.set_events(
            e for e in chart.current_events() if e.kind == "order" or e.kind in _RESULT_KINDS
        )
        select_event(self.table, self.model, selected)
        self._show_actions()

    def set_directory(self, directory: FacilityDirectory) -> None:
        super().set_directory(directory)
        self.model.set_directory(directory)

    # ------------------------------------------------------------------ placing orders
    def _on_category_chosen(self, _index: int = 0) -> None:
        category = str(self.category.currentData())
        self._ctx.call(
            catalogs.orderable_services,
            category,
            key=f"orderable-{id(self)}",
            on_done=lambda services: self._show_services(category, services),
        )

    def _show_services(self, category: str, services: list[OrderableService]) -> None:
        if category != self.category.currentData():
            return
        self.services_model.set_services(services)
        self.services_model.set_filter(self.filter.text())

    def _show_ticked_count(self) -> None:
        ticked = self.services_model.ticked()
        self.ticked_count.setText(self.tr("%n service(s) ticked", "", len(ticked)))

    def _bodies(self) -> list[EventBody] | None:
        ticked = self.services_model.ticked()
        if not ticked:
            show_error(self.place_error, self.tr("Tick at least one service to order."))
            self.filter.setFocus()
            return None
        indication = " ".join(self.indication.text().split()) or None
        try:
            return [
                Order(
                    category=service.category,
                    service_code=service.code,
                    service_name=service.name_vi,
                    priority=str(self.priority.currentData()),
                    indication=indication,
                )
                for service in ticked
            ]
        except ValidationError as error:
            show_error(self.place_error, i18n.error_text(error))
            return None

    def place(self, *, sign: bool) -> None:
        """Order the ticked services, as drafts or signed after the password."""
        bodies = self._bodies()
        if bodies is None:
            return
        show_error(self.place_error, "")
        if sign:
            self._pending = ("place", "")
            self.signature.ask(
                self.tr("Sign %n order(s).", "", len(bodies)), self.tr("Sign orders")
            )
            return
        self._set_placing(True)
        self._submit_orders(bodies, None)

    def _submit_orders(self, bodies: list[EventBody], password: str | None) -> None:
        self._ctx.call(
            clinical.save_consultation,
            patient_id=self.patient_id,
            encounter_id=self.encounter_id(),
            bodies=bodies,
            sign_password=password,
            on_done=lambda events: self._placed(len(events), password is not None),
            on_error=self._place_failed,
        )

    def _set_placing(self, busy: bool) -> None:
        self.place_draft.setEnabled(not busy)
        self.place_and_sign.setEnabled(not busy)

    def _place_failed(self, error: BaseException) -> None:
        self._set_placing(False)
        if isinstance(error, AuthenticationError) and self.signature.is_open():
            self.signature_failed(error)
            return
        self.signature.close_panel()
        show_error(self.place_error, i18n.error_text(error))

    def _placed(self, count: int, signed: bool) -> None:
        self._set_placing(False)
        self._pending = None
        self.signature.close_panel()
        self.services_model.clear_ticks()
        self._show_ticked_count()
        self.indication.clear()
        self.filter.clear()
        self._ctx.inform(
            self.tr("%n order(s) signed.", "", count)
            if signed
            else self.tr("%n order(s) saved as drafts.", "", count)
        )
        self.changed()

    # ------------------------------------------------------------------ the list
    def _selected(self) -> tuple[ChartEvent, dict[str, Any]] | None:
        row = selected_row(self.table)
        return (self.model.event_at(row), self.model.body_at(row)) if row >= 0 else None

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._pending is not None and self._pending[0] in ("sign", "error"):
            self.signature.close_panel()
        self._show_actions()

    def _show_actions(self) -> None:
        chosen = self._selected()
        if chosen is None:
            self.detail.setText("")
            for button in (self.result_button, self.sign_button, self.error_button):
                button.setEnabled(False)
            return
        event, body = chosen
        family = Permission.ORDER_SIGN if event.kind == "order" else Permission.RESULT_SIGN
        writer = Permission.ORDER_WRITE if event.kind == "order" else Permission.RESULT_WRITE
        lab_order = event.kind == "order" and body.get("category") == OrderCategory.LAB
        self.result_button.setEnabled(lab_order and self.may(Permission.RESULT_WRITE))
        self.sign_button.setEnabled(event.status == "draft" and self.may(family))
        self.error_button.setEnabled(self.may(writer))
        self.detail.setText(self._detail_text(event, body))

    def _detail_text(self, event: ChartEvent, body: dict[str, Any]) -> str:
        lines = []
        if event.kind == "order":
            if body.get("indication"):
                lines.append(self.tr("Indication: {text}").format(text=body["indication"]))
            for result, result_body in self.model.results_of(event.id):
                lines.append(
                    f"{local_time(result.effective_time)} — "
                    f"{result_text(result.kind, result_body)}"
                    f" ({label('event_status', result.status)})"
                )
        elif event.kind == "imaging_report":
            lines.append(str(body.get("findings", "")))
        elif event.kind == "lab_result":
            reference = reference_text(
                body.get("ref_low"), body.get("ref_high"), body.get("unit"), body.get("ref_text")
            )
            if reference:
                lines.append(self.tr("Reference: {range}").format(range=reference))
        return "\n".join(lines)

    # ------------------------------------------------------------------ lab results
    def enter_result_for_selected(self) -> None:
        """Open the result entry for the selected lab order."""
        chosen = self._selected()
        if chosen is None or chosen[0].kind != "order":
            return
        event, body = chosen
        self._result_order = event
        self._lab_entry = None
        self.result_test.setText(str(body.get("service_name", "")))
        self.reference.setText("")
        self.unit.setText("")
        self.value.clear()
        show_error(self.result_error, "")
        self._set_saving_result(False)
        self.result_box.show()
        self.value.setFocus()
        self._ctx.call(
            catalogs.lab_test_for_patient,
            str(body.get("service_code", "")),
            self.patient_id,
            on_done=lambda entry: self._show_lab_entry(event.id, entry),
            on_error=lambda error: show_error(self.result_error, i18n.error_text(error)),
        )

    def _show_lab_entry(self, order_id: str, entry: LabTestEntry | None) -> None:
        if self._result_order is None or self._result_order.id != order_id:
            return
        self._lab_entry = entry
        if entry is None:
            show_error(self.result_error, self.tr("This test is no longer in the laboratory list."))
            return
        self.unit.setText(entry.unit)
        self._show_reference()
        self._show_flag()

    def _show_reference(self) -> None:
        entry = self._lab_entry
        if entry is None:
            return
        reference = reference_text(entry.ref_low, entry.ref_high, entry.unit, entry.ref_text)
        self.reference.setText(
            self.tr("Reference: {range}").format(range=reference)
            if reference
            else self.tr("No reference range for this patient.")
        )

    def flag_of_value(self) -> str:
        """The flag the typed value will get ("" if none applies)."""
        entry = self._lab_entry
        value = self.value.text().strip()
        if entry is None or not value or self.chart is None:
            return ""
        return catalogs.flag_value(entry, value, self.chart.patient.sex)

    def _show_flag(self) -> None:
        flag = self.flag_of_value()
        self.flag.setText(label("flag", flag or None))
        colour = FLAG_COLOURS.get(flag)
        self.flag.setStyleSheet(f"color: {colour}; font-weight: bold;" if colour else "")

    def close_result_entry(self) -> None:
        self._result_order = None
        self._lab_entry = None
        self.result_box.hide()
        if self._pending is not None and self._pending[0] == "result":
            self.signature.close_panel()

    def _set_saving_result(self, busy: bool) -> None:
        for button in (self.save_result, self.save_result_signed, self.cancel_result):
            button.setEnabled(not busy)

    def save_lab_result(self, *, sign: bool) -> None:
        """Record the typed value against the order (after the password, signed)."""
        order = self._result_order
        if order is None:
            return
        if not self.value.text().strip():
            show_error(self.result_error, self.tr("Enter the result value."))
            self.value.setFocus()
            return
        show_error(self.result_error, "")
        if sign:
            self._pending = ("result", order.id)
            self.signature.ask(
                self.tr("Sign the result {value} of {test}.").format(
                    value=self.value.text().strip(), test=self.result_test.text()
                ),
                self.tr("Sign result"),
            )
            return
        self._submit_result(None)

    def _submit_result(self, password: str | None) -> None:
        order = self._result_order
        if order is None:
            return
        self._set_saving_result(True)
        self._ctx.call(
            clinical.record_lab_result,
            patient_id=self.patient_id,
            test_code=str(order.body.get("service_code", "")),
            value=self.value.text().strip(),
            encounter_id=order.encounter_id or self.encounter_id(),
            order_id=order.id,
            sign_password=password,
            on_done=self._result_saved,
            on_error=self._result_failed,
        )

    def _result_failed(self, error: BaseException) -> None:
        self._set_saving_result(False)
        if isinstance(error, AuthenticationError) and self.signature.is_open():
            self.signature_failed(error)
            return
        self.signature.close_panel()
        with_field = not (isinstance(error, ValidationError) and error.field == "value")
        show_error(self.result_error, i18n.error_text(error, with_field=with_field))

    def _result_saved(self, event: Any) -> None:
        self._pending = None
        self.signature.close_panel()
        self.close_result_entry()
        flag = str(getattr(event.body, "flag", ""))
        self._ctx.inform(
            self.tr("Result saved: {flag}.").format(flag=label("flag", flag))
            if flag
            else self.tr("Result saved.")
        )
        self.changed()

    # ------------------------------------------------------------------ sign and correct
    def sign_selected(self) -> None:
        chosen = self._selected()
        if chosen is None or chosen[0].status != "draft":
            return
        self._pending = ("sign", chosen[0].id)
        self.signature.ask(
            self.tr("Sign “{service}”.").format(service=self.model.cell(*chosen, OR_SERVICE)),
            self.tr("Sign"),
        )

    def mark_selected_in_error(self) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        self._pending = ("error", chosen[0].id)
        self.signature.ask(
            self.tr("Mark “{service}” as entered in error (or cancel the order).").format(
                service=self.model.cell(*chosen, OR_SERVICE)
            ),
            self.tr("Mark entered in error"),
            with_reason=True,
        )

    def _on_signature_confirmed(self, password: str, reason: str) -> None:
        if self._pending is None:
            return
        action, event_id = self._pending
        if action == "place":
            bodies = self._bodies()
            if bodies is None:
                self.signature.close_panel()
                return
            self._set_placing(True)
            self._submit_orders(bodies, password)
        elif action == "result":
            self._submit_result(password)
        elif action == "sign":
            self._ctx.call(
                clinical.sign_event,
                event_id,
                password,
                on_done=lambda _e: self._done(self.tr("Signed.")),
                on_error=self.signature_failed,
            )
        else:
            self._ctx.call(
                clinical.mark_entered_in_error,
                event_id,
                reason=reason,
                sign_password=password,
                on_done=lambda _e: self._done(self.tr("Marked entered in error.")),
                on_error=self.signature_failed,
            )

    def _on_signature_cancelled(self) -> None:
        self._pending = None
        self._set_placing(False)
        self._set_saving_result(False)

    def _done(self, message: str) -> None:
        self._pending = None
        self.signature.close_panel()
        self._ctx.inform(message)
        self.changed()
