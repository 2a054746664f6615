"""What every screen shares: the store, the logged-in user, the two workers and the signals
that tell screens when something they show has changed.

Screens never touch the store on the GUI thread: `call` runs a service function on the
database worker with the store and the current session as its first two arguments and
returns the result to a callback. A result that arrives after the user changed (user switch,
logout) is dropped, so one user's data never lands on another user's screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, QSettings, Signal

from emr_desktop.ui.i18n import error_text
from emr_desktop.ui.worker import Callback, Worker

if TYPE_CHECKING:
    # Imported where used: the login window must be up before SQLAlchemy and Alembic load.
    from emr_desktop.services.auth import Session
    from emr_desktop.store.store import Store

log = logging.getLogger(__name__)

#: Kinds of change announced by `AppContext.data_changed`.
PATIENTS = "patients"
CHART = "chart"
WARD = "ward"
SYNC = "sync"

DEFAULT_IDLE_MINUTES = 5


class AppContext(QObject):
    """The state of one running `emr-desktop`."""

    #: The logged-in user changed (None: nobody; the login screen shows).
    session_changed = Signal(object)
    #: The screen was locked (True) or unlocked by the same user (False).
    locked_changed = Signal(bool)
    #: Records of a kind changed (`PATIENTS`, `CHART`, `WARD`, `SYNC`); the argument is
    #: the patient id concerned, or "" for any.
    data_changed = Signal(str, str)
    #: A screen asks the main window to open (or raise) a patient's chart.
    open_chart_requested = Signal(str)
    #: A message for the message bar: level ("error", "warning", "info") and text.
    message = Signal(str, str)

    def __init__(self, data_dir: Path, settings: QSettings, *, store: Store | None = None):
        super().__init__()
        self.data_dir = data_dir
        self.settings = settings
        self.store = store
        self.session: Session | None = None
        self.locked = False
        self._generation = 0
        self.db = Worker("emr-db", on_error=self.report_error)
        self.net = Worker("emr-net", on_error=self.report_error)

    # ------------------------------------------------------------------ work
    def call(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callback | None = None,
        on_error: Callback | None = None,
        key: str | None = None,
        owner: QObject | None = None,
        **kwargs: Any,
    ) -> int:
        """Run `fn(store, session, *args, **kwargs)` on the database worker.

        With `owner`, the callbacks are skipped once that widget has been destroyed (a
        chart tab closed while its data was loading).
        """
        if self.store is None or self.session is None:
            raise RuntimeError("no store open or nobody logged in")
        return self.db.submit(
            fn,
            self.store,
            self.session,
            *args,
            on_done=self._current_only(on_done, owner),
            on_error=self._current_only(on_error or self.report_error, owner),
            key=key,
            **kwargs,
        )

    def _current_only(
        self, callback: Callback | None, owner: QObject | None = None
    ) -> Callback | None:
        if callback is None:
            return None
        generation = self._generation

        def deliver(value: Any) -> None:
            if generation != self._generation:
                return
            if owner is not None and not shiboken6.isValid(owner):
                return
            callback(value)

        return deliver

    def open_store(self, on_done: Callback | None = None, on_error: Callback | None = None) -> None:
        """Open the encrypted store on the database worker (jobs queued later find it open)."""

        def open_it() -> Store:
            from emr_desktop.store.store import Store

            if self.store is None:
                self.store = Store.open(self.data_dir)
            return self.store

        self.db.submit(open_it, on_done=on_done, on_error=on_error or self.report_error)

    def submit_with_store(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callback | None = None,
        on_error: Callback | None = None,
    ) -> int:
        """Run `fn(store, *args)` on the database worker, before anybody logs in (login)."""

        def job() -> Any:
            if self.store is None:
                raise RuntimeError("the store is not open")
            return fn(self.store, *args)

        return self.db.submit(job, on_done=on_done, on_error=on_error or self.report_error)

    def report_error(self, error: BaseException) -> None:
        self.message.emit("error", error_text(error))

    def inform(self, text: str) -> None:
        self.message.emit("info", text)

    # ------------------------------------------------------------------ users
    def idle_ms(self) -> int:
        """Idle time before the screen locks (setting "lock/idle_minutes", default 5)."""
        value = self.settings.value("lock/idle_minutes", DEFAULT_IDLE_MINUTES)
        try:
            minutes = float(str(value))
        except ValueError:
            minutes = DEFAULT_IDLE_MINUTES
        if not minutes > 0:
            minutes = DEFAULT_IDLE_MINUTES
        return max(1, round(minutes * 60_000))

    def set_session(self, session: Session | None) -> None:
        """A user logged in (or out). A different user starts with a clean workspace."""
        same_user = (
            session is not None
            and self.session is not None
            and session.user_id == self.session.user_id
        )
        self.session = session
        self.locked = False
        if same_user:
            self.locked_changed.emit(False)
            return
        self._generation += 1
        self.session_changed.emit(session)

    def lock(self) -> None:
        if self.session is None or self.locked:
            return
        self.locked = True
        self.locked_changed.emit(True)

    def shutdown(self) -> None:
        """Stop the workers and close the store (on its own thread)."""
        from emr_desktop.ui.imaging.worker import stop_imaging_worker

        self._generation += 1
        self.net.stop()
        stop_imaging_worker(self)
        store = self.store
        if store is not None:
            self.db.submit(store.close)
            self.db.drain(30)
        self.db.stop()
        self.store = None
