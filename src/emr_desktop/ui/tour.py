"""A walk through the main screens that saves a screenshot of each (`emr-desktop --tour DIR`).

Used for the README's pictures (`scripts/screenshots.py`) and by `python3 dev.py demo` on a
machine without a display. It drives the real window the way a doctor would: log in, search,
open the chart with the longest history, look at its tabs and its images, preview its latest
prescription for printing, the ward board, the nursing worklist and the sync review, then lock the
screen. Only on a demo store: it logs in with the public demo login.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from emr_desktop.core.documents import DocumentKind
from emr_desktop.services import documents
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui.chart.view import ChartView
from emr_desktop.ui.documents import DocumentOpener
from emr_desktop.ui.main_window import MainWindow, Workspace

log = logging.getLogger(__name__)

#: A step must be ready within this time, or the tour stops with an error.
STEP_TIMEOUT_S = 60.0
#: The window must stay quiet (no database work) this long before a picture is taken.
SETTLE_MS = 400


def richest_patient(store: Store) -> str:
    """The id of the demo patient with the most clinical events (runs on the DB worker)."""
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT patient_id FROM clinical_event GROUP BY patient_id "
            "ORDER BY count(*) DESC LIMIT 1"
        ).first()
    if row is None:
        raise LookupError("the store holds no clinical events")
    return str(row[0])


@dataclass
class _Step:
    #: File name of the screenshot (without .png), or None for a step without a picture.
    shot: str | None
    action: Callable[[], None]
    ready: Callable[[], bool]
    #: What the picture shows, if not the main window.
    widget: Callable[[], QWidget] | None = None


class Tour(QObject):
    """Runs the steps one after another on the GUI thread's event loop."""

    #: The screenshots written, or an error text.
    finished = Signal(list, str)

    def __init__(self, window: MainWindow, out_dir: Path, username: str, password: str):
        super().__init__(window)
        self._window = window
        self._ctx = window.ctx
        self._out = out_dir
        self._username = username
        self._password = password
        self._patient_id: str | None = None
        self._chart: ChartView | None = None
        self._opener: DocumentOpener | None = None
        self._written: list[Path] = []
        self._index = -1
        self._step_started = 0.0
        self._quiet_since: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._poll)
        self._steps = [
            _Step("01-dang-nhap", lambda: None, lambda: self._ctx.store is not None),
            _Step(None, self._log_in, lambda: self._window.workspace is not None),
            _Step("02-tim-benh-nhan", self._search, self._has_results),
            _Step(None, self._find_richest, lambda: self._patient_id is not None),
            _Step("03-benh-an-dong-thoi-gian", self._open_chart, self._chart_loaded),
            _Step("04-sinh-hieu", lambda: self._chart_tab("vitals"), self._chart_loaded),
            _Step("05-ghi-chep", lambda: self._chart_tab("notes"), self._chart_loaded),
            _Step("06-don-thuoc", lambda: self._chart_tab("prescriptions"), self._chart_loaded),
            _Step("12-hinh-anh", lambda: self._chart_tab("imaging"), self._images_ready),
            _Step(
                "11-xem-truoc-ban-in",
                self._preview_prescription,
                self._preview_ready,
                lambda: self._preview(),
            ),
            _Step(None, self._close_preview, lambda: True),
            _Step("07-so-do-giuong", self._ward, lambda: True),
            _Step("08-dieu-duong", self._nursing, lambda: True),
            _Step("09-xu-ly-dong-bo", self._review, lambda: True),
            _Step("10-khoa-man-hinh", self._ctx.lock, lambda: self._ctx.locked),
        ]

    def start(self) -> None:
        self._out.mkdir(parents=True, exist_ok=True)
        self._next()
        self._timer.start()

    # ------------------------------------------------------------------ steps
    def _log_in(self) -> None:
        login = self._window.login
        login.username.setText(self._username)
        login.password.setText(self._password)
        login.sign_in.click()

    def _search(self) -> None:
        workspace = self._workspace()
        workspace.show_search()
        workspace.search.query.setText("nguyen van")

    def _has_results(self) -> bool:
        return self._workspace().search.model.rowCount() > 0

    def _find_richest(self) -> None:
        def found(patient_id: Any) -> None:
            self._patient_id = str(patient_id)

        store = self._ctx.store
        self._ctx.db.submit(richest_patient, store, on_done=found)

    def _open_chart(self) -> None:
        assert self._patient_id is not None
        self._chart = self._window.open_chart(self._patient_id)

    def _chart_loaded(self) -> bool:
        return self._chart is not None and self._chart.chart is not None

    def _chart_tab(self, name: str) -> None:
        assert self._chart is not None
        self._chart.tabs.setCurrentWidget(getattr(self._chart, name))

    def _images_ready(self) -> bool:
        """The imaging tab is built and shows its first image (or has none to show)."""
        if self._chart is None:
            return False
        tab = self._chart.imaging
        if tab.browser is None or tab.viewer is None:
            return False
        return not tab.browser.studies() or tab.viewer.shown_index() >= 0

    def _preview_prescription(self) -> None:
        assert self._chart is not None and self._patient_id is not None
        self._opener = DocumentOpener(self._ctx, self._chart)
        opener, patient_id = self._opener, self._patient_id

        def newest(store: Store, session: Session) -> str:
            for target in documents.targets(store, session, patient_id):
                if target.kind == DocumentKind.PRESCRIPTION and target.target_id:
                    return target.target_id
            raise LookupError("the chart has no prescription")

        def chosen(target_id: Any) -> None:
            opener.open(patient_id, DocumentKind.PRESCRIPTION, str(target_id))

        self._ctx.call(newest, on_done=chosen, on_error=lambda e: self._fail(str(e)))

    def _preview(self) -> QWidget:
        assert self._opener is not None and self._opener.preview is not None
        return self._opener.preview

    def _close_preview(self) -> None:
        self._preview().close()

    def _preview_ready(self) -> bool:
        return self._opener is not None and self._opener.preview is not None

    def _ward(self) -> None:
        workspace = self._workspace()
        workspace.tabs.setCurrentWidget(workspace.ward)

    def _nursing(self) -> None:
        workspace = self._workspace()
        workspace.tabs.setCurrentWidget(workspace.nursing)

    def _review(self) -> None:
        workspace = self._workspace()
        workspace.tabs.setCurrentWidget(workspace.review)

    def _workspace(self) -> Workspace:
        workspace = self._window.workspace
        if workspace is None:
            raise RuntimeError("nobody is logged in")
        return workspace

    # ------------------------------------------------------------------ engine
    def _next(self) -> None:
        self._index += 1
        if self._index >= len(self._steps):
            self._timer.stop()
            self.finished.emit(self._written, "")
            return
        self._step_started = time.monotonic()
        self._quiet_since = None
        try:
            self._steps[self._index].action()
        except Exception as exc:
            self._fail(f"step {self._index + 1}: {type(exc).__name__}")

    def _poll(self) -> None:
        step = self._steps[self._index]
        if time.monotonic() - self._step_started > STEP_TIMEOUT_S:
            self._fail(f"step {self._index + 1} ({step.shot or 'no picture'}) timed out")
            return
        if not step.ready() or self._ctx.db.pending():
            self._quiet_since = None
            return
        now = time.monotonic()
        if self._quiet_since is None:
            self._quiet_since = now
        if (now - self._quiet_since) * 1000 < SETTLE_MS:
            return
        if step.shot is not None:
            path = self._out / f"{step.shot}.png"
            widget = step.widget() if step.widget is not None else self._window
            if not widget.grab().save(str(path)):
                self._fail(f"cannot write {path}")
                return
            self._written.append(path)
        self._next()

    def _fail(self, text: str) -> None:
        self._timer.stop()
        self.finished.emit(self._written, text)
