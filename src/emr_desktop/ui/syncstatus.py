"""The sync state in the status bar (DESIGN §4 "Retry", §6): always on screen.

On an enrolled PC the bar runs the background sync (`syncclient.loop.SyncLoop`, its own
thread, retrying with backoff) and shows what a ward needs to trust the PC: online or
offline, changes still waiting to be sent, the last successful sync, open conflicts and
likely duplicate charts, and a "Sync now" button. The loop's state is read on the network
worker every few seconds, never on the GUI thread. When a sync brings changes from other
PCs, `data_changed(SYNC)` tells the open screens to read again.

A PC set up without a server says so ("standalone"): there is nothing to sync.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from emr_desktop.core.permissions import Permission, allows
from emr_desktop.services import review
from emr_desktop.services.auth import Session
from emr_desktop.services.nursing import detect_double_doses
from emr_desktop.store.store import Store
from emr_desktop.syncclient.credentials import SERVER_URL_KEY, load_credential, server_url
from emr_desktop.ui import i18n
from emr_desktop.ui.context import PATIENTS, SYNC, AppContext
from emr_desktop.ui.labels import local_time

if TYPE_CHECKING:
    from emr_desktop.syncclient.engine import SyncReport
    from emr_desktop.syncclient.loop import SyncLoop, SyncStatus

log = logging.getLogger(__name__)

#: A clock further off than this (from the server's) is shown as a warning.
SKEW_WARNING_MS = 2 * 60_000
#: Seconds a sync request may take before the server counts as unreachable.
REQUEST_TIMEOUT = 20.0

_GREEN, _GREY, _RED, _ORANGE = "#1b7f3a", "#6b6b6b", "#b00020", "#b35c00"


@dataclass(frozen=True)
class Enrollment:
    """Where this PC syncs to, read from the store and the keyring."""

    server_url: str
    credential: str
    last_success: datetime | None


def read_enrollment(store: Store) -> Enrollment | None:
    """This PC's server and credential; None for a PC set up without a server."""
    # The HTTP side of sync (requests) is imported only on a PC that syncs: a tenth of a
    # second of start-up that a standalone PC does not pay.
    from emr_desktop.syncclient.engine import LAST_SUCCESS_KEY

    meta = store.read_meta()
    if SERVER_URL_KEY not in meta:
        return None
    last = meta.get(LAST_SUCCESS_KEY)
    return Enrollment(
        server_url=server_url(store),
        credential=load_credential(store),
        last_success=datetime.fromisoformat(last) if last else None,
    )


class _Reports(QObject):
    """Carries the sync thread's reports to the GUI thread (a queued signal)."""

    arrived = Signal(object)


class SyncStatusBar(QWidget):
    """Online/offline, waiting changes, last sync, conflicts, duplicates; "Sync now"."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        interval: float = 60.0,
        poll_ms: int = 3000,
        duplicates_ms: int = 60_000,
    ) -> None:
        super().__init__()
        self.setObjectName("sync_status")
        self._ctx = ctx
        self._interval = interval
        self.loop: SyncLoop | None = None
        self.status: SyncStatus | None = None
        #: "starting", "standalone", "enrolled" or "unavailable" (enrolled, but unusable).
        self.mode = "starting"
        self._problem = ""
        self._enrollment: Enrollment | None = None
        self._syncing = False
        self._started = False
        self._stopped = False
        self._duplicates: int | None = None
        self._duplicates_wanted = False

        self.state = QLabel()
        self.state.setObjectName("sync_state")
        self.pending = QLabel()
        self.pending.setObjectName("sync_pending")
        self.last_sync = QLabel()
        self.last_sync.setObjectName("sync_last")
        self.conflicts = QLabel()
        self.conflicts.setObjectName("sync_conflicts")
        self.duplicates = QLabel()
        self.duplicates.setObjectName("sync_duplicates")
        self.clock = QLabel()
        self.clock.setObjectName("sync_clock")
        self.clock.setStyleSheet(f"color: {_ORANGE};")
        self.sync_now = QToolButton()
        self.sync_now.setObjectName("sync_now")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        for widget in (
            self.state,
            self.pending,
            self.last_sync,
            self.conflicts,
            self.duplicates,
            self.clock,
            self.sync_now,
        ):
            layout.addWidget(widget)

        self._reports = _Reports()
        self._reports.arrived.connect(self._on_report)
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(poll_ms)
        self._poll_timer.timeout.connect(self.poll)
        self._duplicates_timer = QTimer(self)
        self._duplicates_timer.setSingleShot(True)
        self._duplicates_timer.setInterval(duplicates_ms)
        self._duplicates_timer.timeout.connect(self._on_duplicates_timer)
        self.sync_now.clicked.connect(self.on_sync_now)
        ctx.session_changed.connect(self._on_session_changed)
        ctx.data_changed.connect(self._on_data_changed)
        i18n.watch_language(self, self.retranslate)
        if ctx.session is not None:
            self._on_session_changed(ctx.session)

    @property
    def syncing(self) -> bool:
        """A sync asked for with "Sync now" is under way."""
        return self._syncing

    # ------------------------------------------------------------------ texts

    def retranslate(self) -> None:
        self.sync_now.setText(self.tr("Sync now"))
        self.sync_now.setToolTip(self.tr("Send this PC's changes and fetch the others' now"))
        self._show()

    def _show(self) -> None:
        enrolled = self.mode == "enrolled"
        for widget in (self.pending, self.last_sync, self.conflicts, self.sync_now):
            widget.setVisible(enrolled)
        self.clock.setVisible(False)
        if self.mode == "starting":
            self._set_state(self.tr("Sync: starting…"), _GREY)
        elif self.mode == "standalone":
            self._set_state(self.tr("Standalone (not enrolled with a server)"), _GREY)
            self.state.setToolTip(
                self.tr("This PC keeps its records locally and syncs with no server.")
            )
        elif self.mode == "unavailable":
            self._set_state(self.tr("Sync unavailable"), _RED)
            self.state.setToolTip(self._problem)
        else:
            self._show_enrolled()
        self._show_duplicates()

    def _set_state(self, text: str, color: str) -> None:
        self.state.setText(f"● {text}")
        self.state.setStyleSheet(f"color: {color}; font-weight: bold;")

    def _show_enrolled(self) -> None:
        status = self.status
        url = self._enrollment.server_url if self._enrollment else ""
        if self._syncing:
            self._set_state(self.tr("Syncing…"), _GREY)
        elif status is None:
            self._set_state(self.tr("Connecting…"), _GREY)
        elif status.update_required and status.min_client_version:
            self._set_state(
                self.tr(
                    "Version {client} is older than the server's minimum version {minimum}: "
                    "update required; this PC keeps working offline"
                ).format(client=status.client_version or "?", minimum=status.min_client_version),
                _RED,
            )
        elif status.update_required:
            self._set_state(self.tr("Update required"), _RED)
        elif status.online:
            self._set_state(self.tr("Online"), _GREEN)
        elif status.last_error is None:
            self._set_state(self.tr("Connecting…"), _GREY)
        else:
            self._set_state(self.tr("Offline"), _ORANGE)
        tooltip = self.tr("Server: {url}").format(url=url)
        if status is not None and status.last_error:
            tooltip += "\n" + self.tr("Last error: {error}").format(
                error=_in_language(status.last_error)
            )
        self.state.setToolTip(tooltip)
        pending = status.pending_ops if status else 0
        self.pending.setText(self.tr("%n change(s) to send", "", pending))
        last = status.last_success if status and status.last_success else None
        last = last or (self._enrollment.last_success if self._enrollment else None)
        self.last_sync.setText(
            self.tr("Last sync: {time}").format(time=local_time(last))
            if last
            else self.tr("Never synced")
        )
        conflicts = status.open_conflicts if status else 0
        self.conflicts.setText(self.tr("%n conflict(s)", "", conflicts))
        self.conflicts.setStyleSheet(f"color: {_RED}; font-weight: bold;" if conflicts else "")
        skew = status.clock_skew_ms if status else None
        if skew is not None and abs(skew) > SKEW_WARNING_MS:
            minutes = round(abs(skew) / 60_000)
            self.clock.setText(
                self.tr("This PC's clock is %n minute(s) ahead", "", minutes)
                if skew > 0
                else self.tr("This PC's clock is %n minute(s) behind", "", minutes)
            )
            self.clock.setVisible(True)

    def _show_duplicates(self) -> None:
        count = self._duplicates
        self.duplicates.setVisible(count is not None)
        if count is not None:
            self.duplicates.setText(self.tr("%n possible duplicate chart(s)", "", count))
            self.duplicates.setStyleSheet(f"color: {_ORANGE};" if count else "")

    # ------------------------------------------------------------------ starting

    def _on_session_changed(self, session: Session | None) -> None:
        if session is not None and not self._started and self._ctx.store is not None:
            self._started = True
            self._ctx.db.submit(
                read_enrollment,
                self._ctx.store,
                on_done=self._enrollment_read,
                on_error=self._enrollment_failed,
            )
        self._duplicates = None
        self._duplicates_timer.stop()
        self.count_duplicates()
        self._show()

    def _enrollment_read(self, enrollment: Enrollment | None) -> None:
        if self._stopped:
            return
        store = self._ctx.store
        if enrollment is None or store is None:
            self.mode = "standalone"
            self._show()
            return
        from emr_desktop.syncclient.client import SyncClient
        from emr_desktop.syncclient.loop import SyncLoop

        self._enrollment = enrollment
        client = SyncClient(
            enrollment.server_url, credential=enrollment.credential, timeout=REQUEST_TIMEOUT
        )

        def after_sync(report: SyncReport) -> None:
            # On the sync thread: two PCs may have recorded one dose while offline.
            if report.pulled:
                detect_double_doses(store)
            self._reports.arrived.emit(report)

        self.loop = SyncLoop(store, client, interval=self._interval, on_report=after_sync)
        self.mode = "enrolled"
        self.loop.start()
        self._poll_timer.start()
        self._show()

    def _enrollment_failed(self, error: BaseException) -> None:
        log.warning("sync cannot start: %s", type(error).__name__)
        self.mode = "unavailable"
        self._problem = i18n.error_text(error)
        self._show()

    def stop(self) -> None:
        """End the background sync (the window is closing); waits for a sync under way."""
        self._stopped = True
        self._poll_timer.stop()
        self._duplicates_timer.stop()
        if self.loop is not None:
            self.loop.stop()
            self.loop = None

    # ------------------------------------------------------------------ running

    def poll(self) -> None:
        """Read the loop's state on the network worker; the bar shows it when it comes."""
        loop = self.loop
        if loop is None or self._stopped:
            return
        try:
            self._ctx.net.submit(loop.status, on_done=self._on_status, key="sync-status")
        except RuntimeError:  # the network worker has stopped: the program is closing
            self._poll_timer.stop()

    def _on_status(self, status: SyncStatus) -> None:
        if self._stopped:
            return
        self.status = status
        self._show()

    def on_sync_now(self) -> None:
        """Sync at once, on the network worker (after a sync already under way, if any)."""
        loop = self.loop
        if loop is None or self._syncing or self._stopped:
            return
        self._syncing = True
        self._show()
        try:
            self._ctx.net.submit(
                loop.run_now, on_done=self._on_sync_now_done, on_error=self._on_sync_now_done
            )
        except RuntimeError:  # the network worker has stopped: the program is closing
            self._syncing = False

    def _on_sync_now_done(self, _result: object) -> None:
        # Success or failure, the loop's state says which; a report came on its own way.
        self._syncing = False
        self.poll()

    def _on_report(self, report: SyncReport) -> None:
        """A sync succeeded (on the sync thread; delivered here on the GUI thread)."""
        if self._stopped:
            return
        if report.pulled:
            self._ctx.data_changed.emit(SYNC, "")
        self.poll()

    # ------------------------------------------------------------------ duplicates

    def _on_data_changed(self, kind: str, _patient_id: str) -> None:
        if kind in (PATIENTS, SYNC):
            self.count_duplicates()

    def count_duplicates(self) -> None:
        """Count the likely duplicate charts now, or when the last count is old enough:
        the count reads the newest registrations, too much to do at every change."""
        session = self._ctx.session
        if session is None or not allows(session.role, Permission.PATIENT_READ):
            self._duplicates = None
            self._show_duplicates()
            return
        if self._duplicates_timer.isActive():
            self._duplicates_wanted = True
            return
        self._duplicates_wanted = False
        self._duplicates_timer.start()
        self._ctx.call(
            review.duplicate_pairs,
            on_done=self._on_duplicates,
            on_error=self._on_duplicates_failed,
            key="sync-duplicates",
        )

    def _on_duplicates_timer(self) -> None:
        if self._duplicates_wanted:
            self.count_duplicates()

    def _on_duplicates(self, pairs: list[review.DuplicatePair]) -> None:
        self._duplicates = len(pairs)
        self._show_duplicates()

    def _on_duplicates_failed(self, error: BaseException) -> None:
        log.warning("could not count duplicates: %s", type(error).__name__)
        self._duplicates = None
        self._show_duplicates()


def _in_language(message: str) -> str:
    """The loop keeps its last error as "Vietnamese / English": the current language's half."""
    vietnamese, _, english = message.partition(" / ")
    return i18n.pick(vietnamese, english or vietnamese)
