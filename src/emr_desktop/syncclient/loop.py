"""The background sync worker (DESIGN §4 "Retry").

One thread runs `sync_once` on a timer; after a failure it waits longer each time
(exponential backoff with jitter, so twenty PCs coming back after a power cut do not all
knock at once), independently of new edits. `trigger()` asks for a run now. Only one sync
runs at a time. `status()` is what the status bar shows and is safe from any thread.

When the server refuses this program's version (`UpdateRequired`: protocol too old, or
older than the server's minimum client version) retrying soon cannot help: the loop then
tries once every `update_retry` seconds (an hour) until the program is updated and started
again, or the server's minimum lowered; "Sync now" still tries at once. Work goes on
offline meanwhile, and the outbox keeps everything for the first sync after the update.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from emr_desktop.core.errors import EmrError
from emr_desktop.core.timeutil import utc_now
from emr_desktop.store.replica import open_conflict_count
from emr_desktop.store.store import Store
from emr_desktop.syncclient.background import BackgroundLoop
from emr_desktop.syncclient.client import SyncClient, UpdateRequired
from emr_desktop.syncclient.engine import (
    SyncReport,
    pending_op_count,
    pending_upload_count,
    sync_once,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncStatus:
    """The sync state shown to the user: online or not, what waits, what went wrong.

    `pending_ops` is everything this PC holds that the server does not: outbox ops and
    attachments whose bytes are not uploaded yet (`pending_uploads`, counted in it too),
    so the status bar's "changes to send" reaches 0 only when nothing would be lost with
    this PC's disk.
    """

    online: bool
    pending_ops: int
    last_success: datetime | None
    last_error: str | None
    open_conflicts: int
    clock_skew_ms: int | None
    update_required: bool
    pending_uploads: int = 0
    #: With `update_required` after a minimum-version refusal: this program's version and
    #: the server's minimum (None otherwise, e.g. for a refused protocol).
    client_version: str | None = None
    min_client_version: str | None = None


class SyncLoop(BackgroundLoop[SyncReport]):
    """Runs `sync_once(store, client)` every `interval` seconds in a background thread."""

    def __init__(
        self,
        store: Store,
        client: SyncClient,
        *,
        interval: float = 60.0,
        first_retry: float = 5.0,
        max_backoff: float = 900.0,
        update_retry: float = 3600.0,
        rng: random.Random | None = None,
        on_report: Callable[[SyncReport], None] | None = None,
    ) -> None:
        super().__init__("emr-sync")
        self.store = store
        self.client = client
        self.interval = interval
        self.first_retry = first_retry
        self.max_backoff = max_backoff
        self.update_retry = update_retry
        self._rng = rng or random.Random()
        self._on_report = on_report
        self._state_lock = threading.Lock()
        self._failures = 0
        self._state = SyncStatus(
            online=False,
            pending_ops=0,
            last_success=None,
            last_error=None,
            open_conflicts=0,
            clock_skew_ms=None,
            update_required=False,
        )

    def status(self) -> SyncStatus:
        """The current state; the counts are read from the store now."""
        with self._state_lock:
            state = self._state
        try:
            with self.store.engine.connect() as conn:
                conflicts = open_conflict_count(conn)
            uploads = pending_upload_count(self.store)
            return replace(
                state,
                pending_ops=pending_op_count(self.store) + uploads,
                pending_uploads=uploads,
                open_conflicts=conflicts,
            )
        except Exception:  # a status bar must never raise; keep the last known counts
            log.exception("could not read the sync counts")
            return state

    # ------------------------------------------------------------------ worker

    def next_delay(self) -> float:
        """Seconds to wait before the next run: the interval, or a jittered backoff."""
        if self._failures == 0:
            return self.interval
        if self._state.update_required:
            return self.update_retry
        ceiling = min(self.max_backoff, self.first_retry * 2.0 ** (self._failures - 1))
        # "Equal jitter": at least half the backoff, so retries never come in a burst.
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _attempt(self) -> SyncReport | None:
        try:
            report = sync_once(self.store, self.client)
        except UpdateRequired as exc:
            self._failed(
                exc.message_vi + " / " + exc.message_en,
                update_required=True,
                versions=(exc.client_version, exc.min_client_version),
            )
            return None
        except EmrError as exc:
            self._failed(f"{exc.message_vi} / {exc.message_en}", update_required=False)
            return None
        except Exception as exc:  # the worker must survive anything and retry later
            log.exception("sync failed unexpectedly")
            self._failed(f"{type(exc).__name__}: {exc}", update_required=False)
            return None
        with self._state_lock:
            self._failures = 0
            self._state = replace(
                self._state,
                online=True,
                last_success=utc_now(),
                last_error=None,
                clock_skew_ms=report.skew_ms,
                update_required=False,
                client_version=None,
                min_client_version=None,
            )
        if report.attachments_left and (report.uploaded or report.downloaded):
            # Attachments left by the per-sync budget: go on at once (records between
            # batches of them), but not while a run moves none of them.
            self._wake.set()
        if self._on_report is not None:
            self._on_report(report)
        return report

    def _failed(
        self,
        message: str,
        *,
        update_required: bool,
        versions: tuple[str | None, str | None] = (None, None),
    ) -> None:
        log.warning("sync failed (attempt %d)", self._failures + 1)
        with self._state_lock:
            self._failures += 1
            self._state = replace(
                self._state,
                online=False,
                last_error=message,
                update_required=update_required,
                client_version=versions[0],
                min_client_version=versions[1],
            )
