"""One patient's chart: the banner above, the tabs of the record below.

The chart is read on the database worker (`services.chart.open_chart`) and handed to the
tabs. Only the tab on screen is filled at once; the others are filled when first shown,
so the time to data is that of one tab however long the record. When something in the
chart changes (`AppContext.data_changed`), the chart is read again and the user stays on
the tab they were on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget
from shiboken6 import isValid

from emr_desktop.services.chart import Chart, FacilityDirectory, facility_directory, open_chart
from emr_desktop.ui import context, i18n
from emr_desktop.ui.chart.allergies import AllergiesTab
from emr_desktop.ui.chart.banner import ChartBanner
from emr_desktop.ui.chart.diagnoses import DiagnosesTab
from emr_desktop.ui.chart.documents import DocumentsTab
from emr_desktop.ui.chart.encounters import EncountersTab
from emr_desktop.ui.chart.medorders import MedicationOrdersTab
from emr_desktop.ui.chart.notes import NotesTab
from emr_desktop.ui.chart.orders import OrdersTab
from emr_desktop.ui.chart.prescriptions import PrescriptionsTab
from emr_desktop.ui.chart.timeline import TimelineTab
from emr_desktop.ui.chart.vitals import VitalsTab
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.documents import ChartPrintButton
from emr_desktop.ui.exchange import ExchangeButton
from emr_desktop.ui.i18n import error_text
from emr_desktop.ui.imaging.tab import ImagingTab

log = logging.getLogger(__name__)


class ChartView(QWidget):
    """The chart of one patient (`patient_id`: the surviving id once the chart is loaded)."""

    # The tab title changed (patient name and record number once loaded).
    title_changed = Signal(str)
    # A chart load finished and its data is on screen.
    chart_shown = Signal()

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__()
        self.setObjectName("chart_view")
        self._ctx = ctx
        self.patient_id = patient_id
        # The id the chart was opened with (a merged-away chart's id stays here).
        self.requested_id = patient_id
        self.chart: Chart | None = None
        self.directory: FacilityDirectory | None = None
        # Milliseconds from the last request to its data on screen (for the benchmark).
        self.time_to_data_ms: float | None = None
        self._requested_at = 0.0
        self._failed = False
        self._stale: set[QWidget] = set()

        self.banner = ChartBanner()
        self.banner.hide()
        self.print_button = ChartPrintButton(ctx, patient_id)
        self.banner.add_tool(self.print_button)
        self.exchange_button = ExchangeButton(ctx, patient_id)
        self.banner.add_tool(self.exchange_button)
        self.notice = QLabel()
        self.notice.setObjectName("chart_notice")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setWordWrap(True)
        self.timeline = TimelineTab(ctx, patient_id)
        self.allergies = AllergiesTab(ctx, patient_id)
        self.encounters = EncountersTab(ctx, patient_id)
        self.vitals = VitalsTab(ctx, patient_id)
        self.notes = NotesTab(ctx, patient_id)
        self.diagnoses = DiagnosesTab(ctx, patient_id)
        self.orders = OrdersTab(ctx, patient_id)
        self.prescriptions = PrescriptionsTab(ctx, patient_id)
        self.medorders = MedicationOrdersTab(ctx, patient_id)
        self.documents = DocumentsTab(ctx, patient_id)
        # Built when first shown (see `ImagingTab`).
        self.imaging = ImagingTab(ctx, patient_id)
        self._fill: dict[QWidget, Callable[[Chart], None]] = {
            self.timeline: self.timeline.set_chart,
            self.allergies: self.allergies.set_chart,
            self.encounters: self.encounters.set_chart,
            self.vitals: self.vitals.set_chart,
            self.notes: self.notes.set_chart,
            self.diagnoses: self.diagnoses.set_chart,
            self.orders: self.orders.set_chart,
            self.prescriptions: self.prescriptions.set_chart,
            self.medorders: self.medorders.set_chart,
            self.documents: self.documents.set_chart,
            self.imaging: self.imaging.set_chart,
        }
        self._named: list[Callable[[FacilityDirectory], None]] = [
            self.banner.set_directory,
            self.timeline.set_directory,
            self.allergies.set_directory,
            self.encounters.set_directory,
            self.notes.set_directory,
            self.diagnoses.set_directory,
            self.orders.set_directory,
            self.prescriptions.set_directory,
            self.medorders.set_directory,
            self.documents.set_directory,
        ]
        self.tabs = QTabWidget()
        self.tabs.setObjectName("chart_tabs")
        for tab in self._fill:
            self.tabs.addTab(tab, "")
        self.tabs.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)

        # Alt+1 … Alt+9, then Alt+0 for the tenth, jump to a tab: doctors work from the
        # keyboard.
        for index in range(min(self.tabs.count(), 10)):
            shortcut = QShortcut(QKeySequence(f"Alt+{(index + 1) % 10}"), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda n=index: self.tabs.setCurrentIndex(n))

        self.tabs.currentChanged.connect(self._on_tab_changed)
        ctx.data_changed.connect(self._on_data_changed)
        i18n.watch_language(self, self.retranslate)
        # Asked once the tabs are built: building them while the worker reads would only
        # make the two threads take turns on the GIL.
        self.reload()

    def retranslate(self) -> None:
        names = {
            self.timeline: self.tr("Timeline"),
            self.allergies: self.tr("Allergies && problems"),
            self.encounters: self.tr("Encounters"),
            self.vitals: self.tr("Vital signs"),
            self.notes: self.tr("Notes"),
            self.diagnoses: self.tr("Diagnoses"),
            self.orders: self.tr("Orders && results"),
            self.prescriptions: self.tr("Prescriptions"),
            self.medorders: self.tr("Medication orders"),
            self.documents: self.tr("Documents"),
            self.imaging: self.imaging.title(),
        }
        for tab, name in names.items():
            self.tabs.setTabText(self.tabs.indexOf(tab), name)
        if self.chart is None and not self._failed:
            self.notice.setText(self.tr("Loading chart…"))
        self.title_changed.emit(self.title())

    def title(self) -> str:
        """What the chart's tab says: the patient's name and record number."""
        chart = self.chart
        if chart is not None:
            return f"{chart.patient.full_name} · {chart.patient.mrn}"
        if self._failed:
            return self.tr("Chart unavailable")
        return self.tr("Loading chart…")

    # ------------------------------------------------------------------ loading
    def reload(self) -> None:
        """Read the chart again (the tabs keep their place)."""
        if self._ctx.session is None:
            return
        self._requested_at = time.perf_counter()
        self._ctx.call(
            open_chart,
            self.patient_id,
            on_done=self._on_chart_loaded,
            on_error=self._on_load_failed,
            owner=self,
            key=f"chart:{self.patient_id}",
        )
        # After the chart, not before: names of staff and places come second.
        self._ctx.call(
            facility_directory,
            on_done=self._on_directory_loaded,
            on_error=self._on_directory_failed,
            owner=self,
            key=f"directory:{self.patient_id}",
        )

    def _on_chart_loaded(self, chart: Chart) -> None:
        self.chart = chart
        self._failed = False
        self.patient_id = chart.patient.id
        self.banner.set_chart(chart, self.requested_id)
        self.print_button.set_patient(chart.patient.id)
        self.exchange_button.set_chart(chart)
        self.banner.show()
        self.notice.hide()
        self.tabs.show()
        self._stale = set(self._fill)
        self._refresh(self.tabs.currentWidget())
        self.time_to_data_ms = (time.perf_counter() - self._requested_at) * 1000
        log.debug("chart %s shown in %.1f ms", chart.patient.id, self.time_to_data_ms)
        self.title_changed.emit(self.title())
        self.chart_shown.emit()

    def _on_load_failed(self, error: BaseException) -> None:
        if self.chart is not None:
            # A reload failed: what is on screen stays, the message bar says why.
            self._ctx.report_error(error)
            return
        self._failed = True
        self.notice.setText(error_text(error))
        self.notice.setStyleSheet("color: #b00020; font-weight: bold;")
        self.title_changed.emit(self.title())

    def _on_directory_loaded(self, directory: FacilityDirectory) -> None:
        self.directory = directory
        for set_directory in self._named:
            set_directory(directory)

    def _on_directory_failed(self, error: BaseException) -> None:
        # Without it the chart only lacks staff and department names; the chart load
        # reports the permission problem itself.
        log.warning("facility directory unavailable: %s", type(error).__name__)

    def _refresh(self, tab: QWidget | None) -> None:
        if self.chart is not None and tab is not None and tab in self._stale:
            self._stale.discard(tab)
            self._fill[tab](self.chart)

    def _on_tab_changed(self, index: int) -> None:
        self._refresh(self.tabs.widget(index))

    def _on_data_changed(self, kind: str, patient_id: str) -> None:
        if not isValid(self):
            return
        ids = {self.patient_id, self.requested_id}
        if self.chart is not None:
            ids.update(self.chart.merged_ids)
        if (kind == context.CHART and (not patient_id or patient_id in ids)) or (
            kind == context.PATIENTS and patient_id in ids
        ):
            self.reload()
